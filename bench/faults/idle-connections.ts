// e. Idle, vanished and non-reading connections reclaimed. Beside one terminal that keeps working,
// the service is given connections that go quiet: some never sign on, some sign on and then sit
// idle, some vanish without a FIN (through a proxy that drops them: the service's end stays open,
// unread), some flood inquiries and stop reading the answers. Expected: past the idle close
// (CCPOR_IDLE_CLOSE_MINUTES, shortened here) the service closes every one of them, its count of
// connections and its file descriptors come back to the baseline, and the working terminal is kept.
import net from 'node:net';
import { encodeRequest } from '../../protocol/index.ts';
import { MdtClient } from '../../simulators/mdt/client.ts';
import { BlackholeProxy } from '../../test/support/blackhole-proxy.ts';
import { freshRegistry } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { enterOrders, qpoPno, signedOn, sleep, statusOf } from './traffic.ts';

export interface IdleConnectionsOptions {
  databaseUrl: string | undefined;
  /** Connections that never sign on (cheap: no password check). */
  idle: number;
  /** Also signed on, then idle (these are locked first, then closed). */
  signedOnIdle?: number;
  /** Signed on through the proxy, then vanished. */
  vanished: number;
  /** Signed on, then flooding inquiries without reading the answers. */
  stalled: number;
  idleCloseMinutes: number;
  /** Inquiries each stalled terminal sends without reading the answers (default 3,000). */
  floodMessages?: number;
  /** Rounds of quiet connections, one after another (memory must not add up). Default 1. */
  rounds?: number;
  /** How long to wait for the count to come back (default: idle close + 2 sweeps + 10 s). */
  limitMs?: number;
}

function rawConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

export async function idleConnections(o: IdleConnectionsOptions): Promise<FaultResult> {
  const res = new ResultBuilder('idle-connections', 'idle, vanished and non-reading connections reclaimed');
  return runCase(res, async (cleanup, watch) => {
    const sockets: net.Socket[] = [];
    const reg = await freshRegistry(o.databaseUrl);
    cleanup.push(() => reg.cleanup());
    const idleCloseMs = o.idleCloseMinutes * 60_000;
    const svc = await ServiceUnderTest.start({
      ...reg.env,
      // Lock and close at once: the working terminal is then never locked between its messages.
      CCPOR_IDLE_LOCK_MINUTES: String(o.idleCloseMinutes),
      CCPOR_IDLE_CLOSE_MINUTES: String(o.idleCloseMinutes),
    });
    watch(svc);
    cleanup.unshift(() => svc.stop());
    cleanup.unshift(async () => sockets.forEach((s) => s.destroy()));
    const proxy = await BlackholeProxy.start({ host: '127.0.0.1', port: svc.port });
    cleanup.unshift(() => proxy.close());
    res.figure('registry', reg.kind);
    res.figure('idleCloseS', idleCloseMs / 1000);

    const [known] = await enterOrders(svc.port, 1);
    await sleep(500);
    const openSockets = () => svc.sockets() - svc.outgoingConnections();
    const base = { connections: svc.connections(), sockets: openSockets(), rssMb: svc.rssMb() };

    // The terminal that keeps working: never idle for long.
    const active = await signedOn(svc.port, 'OFFICER');
    let activeAnswers = 0;
    let activeFailures = 0;
    let keepGoing = true;
    const activeLoop = (async () => {
      while (keepGoing) {
        try {
          const a = await active.send(qpoPno(known!.pno!));
          if (a.status === 'HIT') activeAnswers++;
          else activeFailures++;
        } catch {
          activeFailures++;
          return;
        }
        await sleep(Math.min(idleCloseMs / 6, 5_000));
      }
    })();
    cleanup.unshift(async () => {
      keepGoing = false;
      await activeLoop;
      active.close();
    });

    // One round: quiet connections of every kind opened, then waited for until the service let them go.
    const round = async () => {
      // Every quiet connection is set up at once, so that they all go quiet at about the same time.
      const setupAt = performance.now();
      const [signed, , stalledClients] = await Promise.all([
        // Signed on, then idle: they are told before they are closed.
        Promise.all(Array.from({ length: o.signedOnIdle ?? 0 }, () => signedOn(svc.port, 'OFFICER', 30_000, true))),
        // Signed on through the proxy, to vanish.
        Promise.all(Array.from({ length: o.vanished }, () => signedOn(proxy.port, 'OFFICER'))),
        // Signed on, to stop reading.
        Promise.all(Array.from({ length: o.stalled }, () => signedOn(svc.port, 'OFFICER'))),
      ]);
      // Stalled: they stop reading, then send more than they will ever read.
      const stalled = stalledClients.map((c) => {
        const s = c.takeSocket();
        s.pause();
        s.on('error', () => {});
        sockets.push(s);
        return s;
      });
      // Never signed on.
      const raw = await Promise.all(Array.from({ length: o.idle }, () => rawConnection(svc.port)));
      for (const s of raw) s.on('data', () => {}); // read the NOTE, see the FIN
      sockets.push(...raw);
      const flood = Buffer.concat(Array.from({ length: o.floodMessages ?? 3_000 }, () => encodeRequest(qpoPno(known!.pno!), 'framed')));
      for (const s of stalled) s.write(flood);
      const vanished = proxy.vanishAll();
      const quietAt = performance.now();
      const opened = o.idle + signed.length + vanished + stalled.length;
      // The most the service held at once (a busy service accepts the last ones a little later).
      let most = 0;
      while (performance.now() - quietAt < 5_000) {
        most = Math.max(most, svc.connections());
        if (most >= base.connections + 1 + opened) break;
        await sleep(100);
      }
      const peak = { connections: most, sockets: openSockets(), rssMb: svc.rssMb(), stuckBytes: svc.connectionDetails().reduce((a, c) => a + c.unacked, 0) };

      // Wait for the service to let them go.
      let reclaimedS: number | null = null;
      while (performance.now() - quietAt < limitMs) {
        if (svc.connections() <= base.connections + 1) {
          reclaimedS = (performance.now() - quietAt) / 1000;
          break;
        }
        await sleep(250);
      }
      await sleep(500);
      const after = { connections: svc.connections(), sockets: openSockets(), rssMb: svc.rssMb() };
      const closedNotes = await Promise.all(signed.map((c) => c.waitUnsolicited((r) => r.body.join(' ').includes('CONNECTION CLOSED AFTER INACTIVITY'), 100)));
      return {
        opened,
        setupS: (quietAt - setupAt) / 1000,
        peak,
        after,
        reclaimedS,
        lingering: reclaimedS === null ? JSON.stringify(svc.connectionDetails()) : '',
        rawClosed: raw.filter((s) => s.destroyed || s.readableEnded).length,
        signed: signed.length,
        signedClosed: signed.filter((c) => !c.isOpen).length,
        told: closedNotes.filter(Boolean).length,
      };
    };

    const limitMs = o.limitMs ?? idleCloseMs + 2 * 10_000 + 10_000;
    const rounds: Awaited<ReturnType<typeof round>>[] = [];
    for (let i = 0; i < (o.rounds ?? 1); i++) rounds.push(await round());
    const first = rounds[0]!;
    const last = rounds.at(-1)!;

    res.check('the service stayed up', svc.running, svc.exitInfo() ?? 'running');
    keepGoing = false;
    await activeLoop;
    const lastAnswer = active.isOpen ? statusOf(await active.send(qpoPno(known!.pno!))) : 'closed';

    const list = (f: (r: (typeof rounds)[number]) => number | null) => rounds.map((r) => f(r) ?? '-').join(' / ');
    res.figure('rounds', rounds.length);
    res.figure('openedPerRound', first.opened);
    res.figure('setupS', list((r) => Math.round(r.setupS * 10) / 10));
    res.figure('connectionsBaseline', base.connections);
    res.figure('connectionsPeak', list((r) => r.peak.connections));
    res.figure('connectionsAfter', list((r) => r.after.connections));
    res.figure('reclaimedAfterS', list((r) => (r.reclaimedS === null ? null : Math.round(r.reclaimedS * 10) / 10)));
    res.figure('socketsBaseline', base.sockets);
    res.figure('socketsPeak', list((r) => r.peak.sockets));
    res.figure('socketsAfter', list((r) => r.after.sockets));
    res.figure('rssMbBaseline', base.rssMb);
    res.figure('rssMbPeak', list((r) => r.peak.rssMb));
    res.figure('rssMbAfter', list((r) => r.after.rssMb));
    res.figure('bytesStuckInSendQueues', list((r) => r.peak.stuckBytes));
    res.figure('activeAnswers', activeAnswers);

    res.check(
      'the service held every connection opened',
      rounds.every((r) => r.peak.connections >= base.connections + 1 + r.opened),
      `${list((r) => r.peak.connections)} held at the peak; baseline ${base.connections} + 1 working + ${first.opened}`,
    );
    res.check(
      'every quiet connection was closed past the idle close',
      rounds.every((r) => r.reclaimedS !== null),
      rounds.every((r) => r.reclaimedS !== null)
        ? `back to ${last.after.connections} (baseline ${base.connections} + the working one) ${list((r) => (r.reclaimedS === null ? null : Math.round(r.reclaimedS * 10) / 10))} s after they went quiet`
        : `still held after ${limitMs / 1000} s: ${rounds.map((r) => r.lingering).join(' ')}`,
    );
    res.check(
      'idle terminals saw the service close them',
      rounds.every((r) => r.rawClosed === o.idle && r.signedClosed === r.signed),
      `${list((r) => r.rawClosed)} of ${o.idle} never signed on, ${list((r) => r.signedClosed)} of ${first.signed} signed on`,
    );
    if (first.signed) {
      // (The lock NOTE comes only when a sweep falls between the lock and the close times.)
      res.check('signed-on idle terminals were told why they were closed', rounds.every((r) => r.told === r.signed), `${list((r) => r.told)} of ${first.signed} got NOTE CONNECTION CLOSED AFTER INACTIVITY`);
    }
    res.check('the working terminal was kept', activeFailures === 0 && lastAnswer === 'HIT', `${activeAnswers} answers, ${activeFailures} failures, last ${lastAnswer}`);
    // Connections to PostgreSQL and Redis are left out: the pool keeps idle ones for 30 s.
    res.check('sockets back to the baseline', rounds.every((r) => r.after.sockets <= base.sockets + 2), `${list((r) => r.after.sockets)} open besides the pool's (baseline ${base.sockets}, + 1 the working terminal, + 1 slack)`);
    if (rounds.length > 1) {
      // Memory: what a round leaves behind must not add up. Resident memory moves by tens of MB on
      // its own (the embedded registry lives in the process), so a leak shows as a climb in every
      // round, not as one round above another.
      const climbs = rounds.slice(1).filter((r, i) => r.after.rssMb > rounds[i]!.after.rssMb + 2).length;
      res.figure('rssMbGrowthFirstToLastRound', Math.round((last.after.rssMb - first.after.rssMb) * 10) / 10);
      res.check(
        'memory does not climb round after round',
        climbs < rounds.length - 1,
        `resident ${list((r) => r.after.rssMb)} MB after each round (baseline ${base.rssMb} MB, peak ${list((r) => r.peak.rssMb)} MB)`,
      );
    } else {
      res.note(`resident memory ${base.rssMb} MB before, ${first.peak.rssMb} MB with ${first.opened} quiet connections, ${first.after.rssMb} MB after`);
    }
    return res.done();
  });
}

