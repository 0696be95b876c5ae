// A soak run: terminals (TCP and TLS, framed and line mode, every role but ADMIN) send a mixed
// load at a steady total rate for a long time, and keep dropping and rejoining: signing off and
// hanging up, hanging up without a word, vanishing between requests or in the middle of one, then
// connecting and signing on again. Built from the MDT simulator's load pieces (LoadTerminal, the
// message mix, the pool of known orders, the histogram). Reported: errors (there should be none),
// latency per interval and overall, and the service's resident memory from start to end.
import { ConnectionClosed, MdtClient, type Answer, type Endpoint } from '../mdt/client.ts';
import type { Credentials, Role } from '../mdt/credentials.ts';
import { build, KINDS, MAY_SEND, type Kind, type Mix } from '../mdt/load/mix.ts';
import { Pool } from '../mdt/load/pool.ts';
import { Counter, Histogram, LoadStats, type LatencySummary } from '../mdt/load/stats.ts';
import { LoadTerminal, type TerminalShared } from '../mdt/load/terminal.ts';
import { ServiceClock } from '../mdt/service-clock.ts';
import { pnoOf, randomLetters } from '../mdt/text.ts';
import { rssMb } from '../fuzz/local-service.ts';

export interface SoakOptions {
  host: string;
  ports: { tcp?: number; tls?: number };
  credentials: Credentials;
  durationMs: number;
  terminals: number;
  /** Messages per second over all terminals. */
  ratePerSecond: number;
  mix: Mix;
  /** Chance, after each reply, that the terminal drops its connection (then rejoins). */
  churn: number;
  /** Share of terminals on TLS (when there is a TLS port) and in line mode. */
  tlsShare: number;
  lineShare: number;
  intervalMs: number;
  replyTimeoutMs: number;
  serverPid?: number;
  serviceAlive?: () => boolean;
  maxRssGrowthMb: number;
  /** PNO sequence numbers probed for orders to inquire about. */
  discover: number;
  timeZone: string;
  target: string;
  out(line: string): void;
  err(line: string): void;
}

export interface IntervalLine {
  atS: number;
  replies: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  drops: number;
  rejoins: number;
  rssMb?: number;
}

export interface SoakReport {
  tool: 'ccpor-soak';
  version: 1;
  target: string;
  config: { terminals: number; rate: number; durationS: number; churn: number; mix: string };
  elapsedS: number;
  sent: number;
  replies: number;
  throughput: number;
  latencyMs: LatencySummary;
  intervals: IntervalLine[];
  byStatus: Record<string, number>;
  byReject: Record<string, number>;
  byKind: Record<string, { sent: number; asExpected: number; expect: string; statuses: Record<string, number> }>;
  errors: Record<string, number>;
  errorsTotal: number;
  /** Connections the terminals dropped on purpose, by how; rejoins: sign-ons after them. */
  drops: Record<string, number>;
  rejoins: number;
  /** Connections the service closed (never wanted in a soak). */
  droppedByService: number;
  unsolicited: number;
  memory?: { pid: number; startMb: number; endMb: number; maxMb: number; growthMb: number; limitMb: number };
  serviceUp: { ok: boolean; detail: string };
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
type Full = { user: string; ori: string; password: string; role?: Role };

const DROPS = ['sign-off-and-close', 'close', 'destroy', 'mid-request'] as const;
type DropStyle = (typeof DROPS)[number];

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const users: Full[] = o.credentials.list().flatMap((c) => {
    const password = c.password ?? o.credentials.password(c.user);
    return c.ori && password !== undefined && c.role !== 'ADMIN' ? [{ ...c, ori: c.ori, password }] : [];
  });
  if (users.length === 0) throw new Error('no credentials to sign on with (--credentials FILE)');
  const clock = new ServiceClock(o.timeZone);
  const stats = new LoadStats();
  const pool = new Pool();
  const run = randomLetters(5);
  let entries = 0;
  const errors = new Counter();
  const drops = new Counter();
  const byKind = new Map<Kind, { sent: number; expected: number; statuses: Counter }>();
  const overall = new Histogram();
  let interval = new Histogram();
  let intervalErrors = 0;

  const endpointFor = (i: number): Endpoint => {
    const tls = o.ports.tls !== undefined && (o.ports.tcp === undefined || (i % 100) / 100 < o.tlsShare);
    return { host: o.host, port: tls ? o.ports.tls! : o.ports.tcp!, tls, insecure: true, mode: ((i * 37) % 100) / 100 < o.lineShare ? 'line' : 'framed' };
  };
  const shared: TerminalShared[] = [];
  const terminals = Array.from({ length: o.terminals }, (_, i) => {
    const s: TerminalShared = { endpoint: endpointFor(i), replyTimeoutMs: o.replyTimeoutMs, stats, clock, stopped: false };
    shared.push(s);
    return new LoadTerminal(i, users[i % users.length]!, s);
  });

  // ---- setup: sign on, learn some orders (probing order numbers, or entering a few) ----
  o.out(`soak: ${o.terminals} terminal(s), ${o.ratePerSecond} messages/s in all, for ${o.durationMs / 1000} s against ${o.target}; mix ${o.mix}; churn ${o.churn} per reply`);
  await Promise.all(terminals.map((t) => t.ready()));
  const signedOn = terminals.filter((t) => t.client?.isOpen).length;
  await discover(terminals[0]!, o.discover, pool, clock);
  const clerk = terminals.find((t) => t.cred.role === 'CLERK');
  if (pool.size < 5 && clerk) await seed(clerk, 8, pool, clock, run, () => ++entries);
  o.out(`setup: ${signedOn} of ${o.terminals} signed on; ${pool.size} known order(s) to inquire about`);
  const setupErrors = stats.errors.total + stats.signOnRejected.total;
  if (setupErrors) errors.add(`setup (${[...stats.errors.map.keys(), ...[...stats.signOnRejected.map.keys()].map((c) => `sign-on REJ ${c}`)].join(', ')})`, setupErrors);
  // Counted from here on (LoadTerminal counts reconnects, service-side drops and errors in stats).
  stats.reconnects = stats.drops = stats.late = stats.strays = 0;
  stats.errors.map.clear();
  stats.signOnRejected.map.clear();

  // ---- memory ----
  const samples: number[] = [];
  const sample = () => {
    const mb = o.serverPid !== undefined ? rssMb(o.serverPid) : undefined;
    if (mb !== undefined) samples.push(mb);
    return mb;
  };
  sample();
  const sampler = setInterval(sample, 1_000);

  // ---- the run ----
  const started = performance.now();
  const deadline = started + o.durationMs;
  let stopped = false;
  let atDeadline: () => void = () => {};
  // A terminal waiting to rejoin (LoadTerminal backs off up to 5 s) stops waiting at the deadline.
  const deadlineReached = new Promise<undefined>((resolve) => (atDeadline = () => resolve(undefined)));
  const stopTimer = setTimeout(() => {
    stopped = true;
    for (const s of shared) s.stopped = true;
    atDeadline();
  }, o.durationMs);
  const intervals: IntervalLine[] = [];
  let last = { replies: 0, errors: 0, drops: 0, rejoins: 0, at: started };
  const tick = () => {
    const now = performance.now();
    const s = interval.summary();
    const line: IntervalLine = {
      atS: round((now - started) / 1000),
      replies: s.count,
      perSecond: round((s.count * 1000) / Math.max(1, now - last.at)),
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      errors: intervalErrors,
      drops: drops.total - last.drops,
      rejoins: stats.reconnects - last.rejoins,
    };
    const rss = samples.at(-1);
    if (rss !== undefined) line.rssMb = rss;
    intervals.push(line);
    o.out(
      `[${String(Math.round(line.atS)).padStart(5)}s] ${String(line.replies).padStart(6)} replies (${line.perSecond}/s)  p50 ${line.p50} ms  p99 ${line.p99} ms  max ${line.max} ms  ` +
        `errors ${line.errors}  drops ${line.drops}  rejoins ${line.rejoins}${rss !== undefined ? `  service RSS ${rss} MB` : ''}`,
    );
    interval = new Histogram();
    intervalErrors = 0;
    last = { replies: 0, errors: 0, drops: drops.total, rejoins: stats.reconnects, at: now };
  };
  const ticker = setInterval(tick, o.intervalMs);
  const error = (kind: string) => {
    errors.add(kind);
    intervalErrors++;
  };

  const perTerminalMs = (o.terminals * 1000) / o.ratePerSecond;
  const work = async (t: LoadTerminal, n: number) => {
    // Spread the terminals over the first interval, then one message every perTerminalMs each.
    let next = started + (n / o.terminals) * perTerminalMs;
    while (!stopped) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + perTerminalMs, performance.now() - perTerminalMs);
      if (stopped || performance.now() >= deadline) break;
      const c = await Promise.race([t.ready(), deadlineReached]);
      if (!c || stopped) break;
      let kind = o.mix.pick();
      if (t.cred.role && !MAY_SEND[KINDS[kind].key].includes(t.cred.role)) kind = 'qpo-name'; // what this role may not send
      const b = build(kind, { ori: t.cred.ori, ctl: t.nextCtl(), pool, get today() { return clock.today(); }, get now() { return clock.localDateTime(); }, run, nextEntry: () => ++entries });
      const k = byKind.get(kind) ?? { sent: 0, expected: 0, statuses: new Counter() };
      byKind.set(kind, k);
      if (Math.random() < o.churn / 4) {
        // Gone in the middle of a request: the service must cope; nothing to count but the drop.
        t.client = undefined;
        void c.send(b.text).catch(() => {});
        setImmediate(() => c.close());
        drops.add('mid-request');
        await sleep(Math.random() * 300);
        continue;
      }
      stats.sent++;
      k.sent++;
      let a: Answer;
      try {
        a = await c.send(b.text);
      } catch (err) {
        const name = (err as Error).name;
        error(name === 'ReplyTimeout' ? 'timeout' : err instanceof ConnectionClosed ? 'connection-lost' : name === 'ProtocolError' ? 'unreadable-reply' : 'send-failed');
        continue;
      }
      clock.observe(a.time);
      stats.replies++;
      overall.record(a.latencyMs);
      interval.record(a.latencyMs);
      stats.byStatus.add(a.status);
      const st = a.status === 'REJ' ? `REJ ${a.reject?.code ?? '?'}` : a.status;
      k.statuses.add(st);
      if (a.status === 'REJ') stats.byReject.add(a.reject?.code ?? '?');
      if (!a.ctlMatches) error('ctl-mismatch');
      if (a.status === KINDS[b.sent].expect) k.expected++;
      else if (a.reject?.code === 'UNA') error('REJ UNA');
      else if (a.reject?.code !== 'RAT') error(`unexpected ${st} to ${b.sent}`);
      if (b.entered && a.status === 'ACK') {
        const pno = a.fields.find(([tag]) => tag === 'PNO')?.[1];
        if (pno) pool.add({ ...b.entered, pno });
      }
      if (Math.random() < o.churn) await drop(t, c, DROPS[Math.floor(Math.random() * 3)]!, drops);
    }
  };
  await Promise.all(terminals.map((t, i) => work(t, i)));
  clearTimeout(stopTimer);
  atDeadline();
  clearInterval(ticker);
  // The last moments (replies to messages sent just before the deadline) count in the overall
  // figures; a line of their own only when they make at least half an interval.
  if (interval.count && (performance.now() - last.at >= o.intervalMs / 2 || intervals.length === 0)) tick();
  const elapsedS = round((performance.now() - started) / 1000, 2);
  for (const s of shared) s.stopped = true;
  await Promise.all(terminals.map((t) => t.close()));
  // Connections the service closed, requests lost with them, replies no request waited for.
  if (stats.drops) errors.add('dropped by the service', stats.drops);
  if (stats.late) errors.add('late reply', stats.late);
  if (stats.strays) errors.add('stray reply', stats.strays);
  for (const [code, n] of stats.signOnRejected.map) errors.add(`sign-on refused (REJ ${code})`, n);
  for (const [name, n] of stats.errors.map) errors.add(name, n);

  // ---- after: still serving? memory? ----
  const serviceUp = await stillServing(o, users[0]!);
  await sleep(o.serverPid !== undefined ? 1_000 : 0);
  sample();
  clearInterval(sampler);
  let memory: SoakReport['memory'];
  if (samples.length >= 2) {
    const startMb = samples[0]!;
    const endMb = samples.at(-1)!;
    memory = { pid: o.serverPid!, startMb, endMb, maxMb: Math.max(...samples), growthMb: round(endMb - startMb), limitMb: o.maxRssGrowthMb };
  }
  const memoryOk = !memory || memory.growthMb <= o.maxRssGrowthMb;
  const report: SoakReport = {
    tool: 'ccpor-soak',
    version: 1,
    target: o.target,
    config: { terminals: o.terminals, rate: o.ratePerSecond, durationS: o.durationMs / 1000, churn: o.churn, mix: String(o.mix) },
    elapsedS,
    sent: stats.sent,
    replies: stats.replies,
    throughput: round(stats.replies / Math.max(elapsedS, 0.001)),
    latencyMs: overall.summary(),
    intervals,
    byStatus: stats.byStatus.toJSON(),
    byReject: stats.byReject.toJSON(),
    byKind: Object.fromEntries([...byKind].map(([k, v]) => [k, { sent: v.sent, asExpected: v.expected, expect: KINDS[k].expect, statuses: v.statuses.toJSON() }])),
    errors: errors.toJSON(),
    errorsTotal: errors.total,
    drops: drops.toJSON(),
    rejoins: stats.reconnects,
    droppedByService: stats.drops,
    unsolicited: stats.unsolicited.total,
    ...(memory ? { memory } : {}),
    serviceUp,
    ok: errors.total === 0 && serviceUp.ok && memoryOk,
  };
  printReport(report, o.out);
  return report;
}

/** Ends a terminal's connection on purpose; LoadTerminal.ready() then rejoins (connect, SON). */
async function drop(t: LoadTerminal, c: MdtClient, how: DropStyle, drops: Counter): Promise<void> {
  t.client = undefined; // not counted as a drop by the service
  drops.add(how);
  if (how === 'sign-off-and-close') {
    try {
      await c.send(`SOF.${t.cred.ori}`, { timeoutMs: 5_000 });
    } catch {
      // closing anyway
    }
    await c.end(1_000);
  } else if (how === 'close') {
    await c.end(1_000);
  } else {
    c.close();
  }
  await sleep(Math.random() * 500);
}

/** Orders to inquire about: probing order numbers 1..n as the load test does. */
async function discover(t: LoadTerminal, n: number, pool: Pool, clock: ServiceClock): Promise<void> {
  const c = await t.ready();
  for (let seq = 1; c && seq <= n && pool.size < 200; seq++) {
    try {
      const a = await c.send(`QPO.${t.cred.ori}.PNO/${pnoOf(seq)}`);
      clock.observe(a.time);
      if (a.status === 'HIT') pool.addHit(a);
      else if (a.status === 'NREC' && seq >= 10 && pool.size === 0) return; // an empty registry
    } catch {
      return;
    }
  }
}

/** A clerk enters orders, when the registry has too few to inquire about (a test service). */
async function seed(t: LoadTerminal, n: number, pool: Pool, clock: ServiceClock, run: string, next: () => number): Promise<void> {
  const c = await t.ready();
  for (let i = 0; c && i < n; i++) {
    const b = build('epo', { ori: t.cred.ori, ctl: t.nextCtl(), pool, today: clock.today(), now: clock.localDateTime(), run: `${run}S`, nextEntry: next });
    try {
      const a = await c.send(b.text);
      const pno = a.fields.find(([tag]) => tag === 'PNO')?.[1];
      if (a.status === 'ACK' && pno && b.entered) pool.add({ ...b.entered, pno });
    } catch {
      return;
    }
  }
}

async function stillServing(o: SoakOptions, u: Full): Promise<{ ok: boolean; detail: string }> {
  if (o.serviceAlive && !o.serviceAlive()) return { ok: false, detail: 'the service process has exited' };
  const port = o.ports.tcp ?? o.ports.tls!;
  try {
    const c = await MdtClient.connect({ host: o.host, port, tls: o.ports.tcp === undefined, insecure: true }, { replyTimeoutMs: o.replyTimeoutMs });
    const a = await c.send(`SON.${u.ori}.USR/${u.user}.PWD/${u.password}`);
    await c.send(`SOF.${u.ori}`).catch(() => undefined);
    await c.end(1_000);
    return a.status === 'ACK' ? { ok: true, detail: `${u.user} signed on at the end` } : { ok: false, detail: `${u.user} could not sign on at the end: ${a.body.join(' ')}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

const kv = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');

export function printReport(r: SoakReport, out: (l: string) => void): void {
  const l = r.latencyMs;
  out('');
  out(`soak report: ${r.elapsedS} s against ${r.target}`);
  out(`${r.replies} replies to ${r.sent} messages, ${r.throughput}/s; latency ms p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}`);
  if (r.intervals.length) {
    const p99s = r.intervals.filter((i) => i.replies > 0).map((i) => i.p99);
    out(`latency over time: p99 per interval from ${Math.min(...p99s)} to ${Math.max(...p99s)} ms (first ${p99s[0]}, last ${p99s.at(-1)})`);
  }
  out(`by status: ${kv(r.byStatus)}; by REJ code: ${kv(r.byReject)}`);
  out('by kind:         sent  as expected   statuses');
  for (const [k, s] of Object.entries(r.byKind)) {
    out(`  ${k.padEnd(14)}${String(s.sent).padStart(6)}  ${String(s.sent ? `${round((100 * s.asExpected) / s.sent)}% ${s.expect}` : '-').padStart(11)}   ${kv(s.statuses)}`);
  }
  out(`drops on purpose: ${kv(r.drops)}; rejoins (signed on again) ${r.rejoins}; connections the service dropped ${r.droppedByService}; unsolicited ${r.unsolicited}`);
  if (r.memory) {
    const m = r.memory;
    out(`service memory (pid ${m.pid}): start ${m.startMb} MB, end ${m.endMb} MB, max ${m.maxMb} MB: ${m.growthMb >= 0 ? '+' : ''}${m.growthMb} MB (limit +${m.limitMb} MB)${m.growthMb > m.limitMb ? ' FAIL' : ''}`);
  } else {
    out('service memory: not sampled (--server-pid PID for a service on this machine)');
  }
  out(`service at the end: ${r.serviceUp.ok ? 'ok' : 'FAIL'} (${r.serviceUp.detail})`);
  out(`errors: ${r.errorsTotal}${r.errorsTotal ? ` (${kv(r.errors)})` : ''}`);
  out(r.ok ? 'soak: ok' : 'soak: FAILED');
}
