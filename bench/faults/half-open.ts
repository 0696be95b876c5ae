// e (for real). A terminal whose network goes away without a FIN or RST: the service runs in one
// private network namespace, the terminals in another, joined by a veth pair; the terminals' link
// is set down, so nothing they had open ever hears from them again. Two connections:
//   quiet    — connected, nothing in flight: only TCP keepalive can notice it is gone
//   talking  — signed on; the service then writes to it (an AM): the unacknowledged data is
//              retransmitted until the kernel gives up (tcp_retries2)
// The idle close (ICD 6, 60 minutes by default) is left as configured, so what reclaims them here
// is the transport alone. Keepalive is the service's own (src/transport/tcp.ts: 60 s idle; Node 20's
// libuv then probes every second, 10 times, whatever the kernel's tcp_keepalive_* say). The
// retransmission limit is the kernel's (tcp_retries2); it is lowered in the service's namespace only
// so that the measurement takes seconds, and the figure for this machine's setting is reported
// beside it. Needs root (ip netns); skipped otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { freshRegistry, son, COURT, POLICE } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { sleep } from './traffic.ts';

export interface HalfOpenOptions {
  /** Wait for keepalive to drop the quiet connection (about 65 s); else report its timer only. */
  waitForKeepalive: boolean;
}

// Keepalive as the service sets it: idle 60 s (src/transport/tcp.ts); libuv 1.46 (Node 20) adds
// TCP_KEEPINTVL 1 s and TCP_KEEPCNT 10 itself.
const KEEPALIVE_S = 60 + 10 * 1;
// Inside the service's namespace only (the machine's setting stays as it is).
const NS_RETRIES2 = 5;

// A terminal in plain JavaScript (no tsx start-up inside the namespace): JSON commands on stdin,
// JSON events on stdout.
const CLIENT_JS = `
const net = require('net');
const conns = new Map();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  if (c.op === 'connect') {
    const s = net.connect(c.port, c.host, () => {
      out({ id: c.id, event: 'connected', localPort: s.localPort });
      if (c.son) s.write('\\x02' + c.son + '\\x03');
    });
    conns.set(c.id, s);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\\x03')) >= 0) {
        const frame = buf.slice(buf.indexOf('\\x02') + 1, i);
        buf = buf.slice(i + 1);
        out({ id: c.id, event: 'frame', header: frame.split('\\r\\n')[0] });
      }
    });
    s.on('error', (e) => out({ id: c.id, event: 'error', error: e.code || e.message }));
    s.on('close', () => out({ id: c.id, event: 'closed' }));
  } else if (c.op === 'send') {
    conns.get(c.id).write('\\x02' + c.text + '\\x03');
  }
});
`;

class NsClient {
  private readonly events: { id: string; event: string; [k: string]: unknown }[] = [];
  private readonly proc: ChildProcess;
  constructor(ns: string) {
    this.proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CLIENT_JS], { stdio: ['pipe', 'pipe', 'ignore'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => this.events.push(JSON.parse(l) as { id: string; event: string }));
  }
  connect(id: string, host: string, port: number, sonText?: string): void {
    this.proc.stdin!.write(JSON.stringify({ op: 'connect', id, host, port, son: sonText }) + '\n');
  }
  send(id: string, text: string): void {
    this.proc.stdin!.write(JSON.stringify({ op: 'send', id, text }) + '\n');
  }
  async waitFor(pred: (e: { id: string; event: string; [k: string]: unknown }) => boolean, ms: number) {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const e = this.events.find(pred);
      if (e) return e;
      await sleep(50);
    }
    throw new Error(`no such event within ${ms} ms; saw ${JSON.stringify(this.events.slice(-5))}`);
  }
  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

function sysctl(name: string): number {
  return Number(readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim());
}

/** Seconds TCP retransmits before giving up after `retries` (RTO from 200 ms, doubling, at most 120 s). */
function retransmitSeconds(retries: number): number {
  let total = 0;
  let rto = 0.2;
  for (let i = 0; i <= retries; i++) {
    total += rto;
    rto = Math.min(rto * 2, 120);
  }
  return Math.round(total * 10) / 10;
}

export async function halfOpen(o: HalfOpenOptions): Promise<FaultResult> {
  const res = new ResultBuilder('half-open', 'half-open connections (peer gone, no FIN) reclaimed by TCP');
  const tag = `ccf${process.pid % 100_000}`;
  const nsS = `${tag}s`;
  const nsC = `${tag}c`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const dropNamespaces = () => {
    for (const ns of [nsS, nsC]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not there
      }
    }
  };
  // No watch: this case has never noted the service's exit on an error.
  return runCase(res, async (cleanup) => {
    if (process.getuid?.() !== 0) return res.skip('needs root to make network namespaces (ip netns)');
    try {
      ip('netns', 'add', nsS);
    } catch (err) {
      return res.skip(`cannot make a network namespace: ${(err as Error).message.split('\n')[0]}`);
    }
    process.once('exit', dropNamespaces);
    cleanup.push(() => {
      dropNamespaces();
      process.off('exit', dropNamespaces);
    });
    ip('netns', 'add', nsC);
    const [sIf, cIf] = [`${tag}a`, `${tag}b`];
    ip('-n', nsS, 'link', 'add', sIf, 'type', 'veth', 'peer', 'name', cIf);
    ip('-n', nsS, 'link', 'set', cIf, 'netns', nsC);
    ip('-n', nsS, 'addr', 'add', '10.251.0.1/30', 'dev', sIf);
    ip('-n', nsC, 'addr', 'add', '10.251.0.2/30', 'dev', cIf);
    for (const [ns, dev] of [[nsS, sIf], [nsC, cIf], [nsS, 'lo'], [nsC, 'lo']] as const) ip('-n', ns, 'link', 'set', dev, 'up');
    ip('netns', 'exec', nsS, 'sysctl', '-q', '-w', `net.ipv4.tcp_retries2=${NS_RETRIES2}`);

    // Embedded registry: inside the namespace there is no way to the machine's servers.
    const reg = await freshRegistry(undefined);
    cleanup.unshift(() => reg.cleanup());
    const svc = await ServiceUnderTest.start(reg.env, { bind: '10.251.0.1', port: 5150, prefix: ['ip', 'netns', 'exec', nsS] });
    cleanup.unshift(() => svc.stop());
    res.figure('idleCloseMinutes', 60);

    const far = new NsClient(nsC);
    cleanup.unshift(() => far.kill());
    const near = new NsClient(nsS); // a clerk on the service's side of the cut
    cleanup.unshift(() => near.kill());
    far.connect('quiet', '10.251.0.1', 5150);
    far.connect('talking', '10.251.0.1', 5150, son('OFFICER'));
    near.connect('clerk', '10.251.0.1', 5150, son('CLERK'));
    const quietPort = Number((await far.waitFor((e) => e.id === 'quiet' && e.event === 'connected', 10_000)).localPort);
    const talkingPort = Number((await far.waitFor((e) => e.id === 'talking' && e.event === 'connected', 10_000)).localPort);
    await far.waitFor((e) => e.id === 'talking' && e.event === 'frame' && String(e.header).startsWith('SON  ACK'), 30_000);
    await near.waitFor((e) => e.id === 'clerk' && e.event === 'frame' && String(e.header).startsWith('SON  ACK'), 30_000);
    const connectedAt = performance.now();
    const find = (port: number) => svc.connectionDetails().find((c) => c.peerPort === port);
    res.check('the service holds both connections before the cut', !!find(quietPort) && !!find(talkingPort), JSON.stringify(svc.connectionDetails()));

    // The cut: the terminals' link goes down. No FIN, no RST: they are simply gone.
    ip('-n', nsC, 'link', 'set', cIf, 'down');
    const cutAt = performance.now();
    await sleep(500);
    // Something for the vanished officer: an AM to its ORI, written by the service into the void.
    near.send('clerk', `AM.${COURT}.DES/${POLICE}.MIS/FAULT TEST - ARE YOU THERE`);
    await near.waitFor((e) => e.id === 'clerk' && e.event === 'frame' && String(e.header).startsWith('AM   ACK'), 10_000);
    const amAt = performance.now();
    await sleep(1_000);
    const quietBefore = find(quietPort);
    const talkingBefore = find(talkingPort);
    res.figure('quietTimer', quietBefore ? (['none', 'retransmit', 'keepalive', '', 'zero-window'][quietBefore.timer] ?? String(quietBefore.timer)) : 'gone');
    res.figure('talkingUnackedBytes', talkingBefore?.unacked ?? 0);

    let talkingGoneS: number | null = null;
    let quietGoneS: number | null = null;
    const limit = o.waitForKeepalive ? KEEPALIVE_S * 1000 + 30_000 : retransmitSeconds(NS_RETRIES2) * 1000 + 20_000;
    while (performance.now() - cutAt < limit) {
      if (talkingGoneS === null && !find(talkingPort)) talkingGoneS = (performance.now() - amAt) / 1000;
      if (quietGoneS === null && !find(quietPort)) quietGoneS = (performance.now() - connectedAt) / 1000;
      if (talkingGoneS !== null && (quietGoneS !== null || !o.waitForKeepalive)) break;
      await sleep(250);
    }
    const clerkKept = !!svc.connectionDetails().find((c) => c.peerPort !== quietPort && c.peerPort !== talkingPort);

    const hostRetries2 = sysctl('net.ipv4.tcp_retries2');
    res.figure('talkingReclaimedAfterS', talkingGoneS);
    res.figure('talkingExpectedS', retransmitSeconds(NS_RETRIES2));
    res.figure('quietReclaimedAfterS', quietGoneS);
    res.figure('quietExpectedS', KEEPALIVE_S);
    res.figure('hostRetries2', hostRetries2);
    res.figure('talkingOnThisMachineS', retransmitSeconds(hostRetries2));

    res.check('the quiet connection has TCP keepalive running', quietBefore?.timer === 2, quietBefore ? `timer ${quietBefore.timer} (2 = keepalive)` : 'already gone');
    res.check('a write to the vanished terminal stays unacknowledged', (talkingBefore?.unacked ?? 0) > 0, `${talkingBefore?.unacked ?? 0} bytes in flight`);
    res.check(
      'the connection with data in flight is reclaimed when retransmission gives up',
      talkingGoneS !== null,
      talkingGoneS !== null ? `${talkingGoneS.toFixed(1)} s after the AM (tcp_retries2=${NS_RETRIES2}: about ${retransmitSeconds(NS_RETRIES2)} s)` : `still held ${limit / 1000} s after the cut`,
    );
    if (o.waitForKeepalive) {
      res.check(
        'the quiet connection is reclaimed by keepalive',
        quietGoneS !== null,
        quietGoneS !== null ? `${quietGoneS.toFixed(1)} s after its last traffic (60 s idle + 10 probes 1 s apart)` : `still held ${limit / 1000} s after the cut`,
      );
    } else {
      res.note('--quick: the quiet connection was not waited for (keepalive takes 70 s)');
    }
    res.check('the terminal on the service side of the cut is kept', clerkKept, clerkKept ? 'still connected' : 'lost');
    res.note(
      `on this machine a quiet half-open connection is held about ${KEEPALIVE_S} s; one with data in flight about ` +
        `${retransmitSeconds(hostRetries2)} s (tcp_retries2=${hostRetries2}: keepalive does not probe while data is unacknowledged); ` +
        'the idle close (60 min) bounds both',
    );
    return res.done();
  });
}
