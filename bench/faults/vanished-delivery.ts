// e (consequence). Unsolicited traffic for a terminal that vanished without a FIN. The officer's
// terminal is signed on through a proxy that then drops it silently (test/support/blackhole-proxy.ts:
// the service's end stays open, what it writes is taken by the network and never read), as a real
// half-open connection does until TCP gives up (minutes; half-open.ts). A clerk sends an AM to the
// officer's agency; later another officer of that agency signs on.
// Expected (SPEC 10.2, store and forward): a message counts as delivered only once the terminal it
// was written to is heard from again; a vanished terminal never is, so when its connection is
// reclaimed (the idle close, shortened here; or TCP giving up) the message goes to the agency's
// next terminal. For comparison, the same with a terminal that closed properly (FIN).
import { MdtClient } from '../../simulators/mdt/client.ts';
import { BlackholeProxy } from '../../test/support/blackhole-proxy.ts';
import { COURT, freshRegistry, POLICE } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { signedOn, sleep } from './traffic.ts';

export interface VanishedDeliveryOptions {
  databaseUrl: string | undefined;
  /** How long the next terminal waits for the message after its sign-on. */
  waitMs: number;
  /** The service's idle lock and close (minutes): how soon a vanished connection is reclaimed. */
  idleCloseMinutes?: number;
}

/** Sends an AM to the police ORI and returns the ACK's body; then a new officer signs on: did the AM reach it? */
async function attempt(svc: ServiceUnderTest, clerk: MdtClient, text: string, waitMs: number, beforeSignOnMs = 0): Promise<{ ack: string; reached: boolean }> {
  const a = await clerk.send(`AM.${COURT}.DES/${POLICE}.MIS/${text}`);
  await sleep(beforeSignOnMs);
  const next = await signedOn(svc.port, 'OFFICER', 30_000, true);
  try {
    const m = await next.waitUnsolicited((r) => r.mke === 'AM' && r.body.join(' ').includes(text), waitMs);
    return { ack: a.body.join(' '), reached: !!m };
  } finally {
    await next.end();
  }
}

export async function vanishedDelivery(o: VanishedDeliveryOptions): Promise<FaultResult> {
  const res = new ResultBuilder('vanished-delivery', 'a message for a terminal that vanished without a FIN');
  return runCase(res, async (cleanup, watch) => {
    const reg = await freshRegistry(o.databaseUrl);
    cleanup.push(() => reg.cleanup());
    const idleCloseMinutes = o.idleCloseMinutes ?? 0.15;
    const svc = await ServiceUnderTest.start({
      ...reg.env,
      CCPOR_IDLE_LOCK_MINUTES: String(idleCloseMinutes),
      CCPOR_IDLE_CLOSE_MINUTES: String(idleCloseMinutes),
    });
    watch(svc);
    cleanup.unshift(() => svc.stop());
    const proxy = await BlackholeProxy.start({ host: '127.0.0.1', port: svc.port });
    cleanup.unshift(() => proxy.close());
    const clerk = await signedOn(svc.port, 'CLERK');
    cleanup.unshift(async () => clerk.close());
    res.figure('registry', reg.kind);

    // Control: the officer signs off properly and closes (FIN): the message waits for the next one.
    const leaving = await signedOn(svc.port, 'OFFICER');
    await leaving.end();
    await sleep(300);
    const closed = await attempt(svc, clerk, 'FAULT TEST AFTER A CLEAN CLOSE', o.waitMs);

    // The fault: the officer's terminal vanishes (no FIN, no RST) while signed on.
    await signedOn(proxy.port, 'OFFICER');
    proxy.vanishAll();
    await sleep(300);
    // The next officer signs on once the dead connection has been reclaimed (idle close + its sweep).
    const vanished = await attempt(svc, clerk, 'FAULT TEST AFTER A VANISHED TERMINAL', o.waitMs, idleCloseMinutes * 60_000 + 16_000);

    res.figure('ackAfterCleanClose', closed.ack);
    res.figure('reachedNextAfterCleanClose', closed.reached);
    res.figure('ackAfterVanished', vanished.ack);
    res.figure('reachedNextAfterVanished', vanished.reached);
    res.check('after a clean close, the message waits for the next sign-on', closed.reached, closed.reached ? `next officer got it (${closed.ack})` : `next officer did not get it within ${o.waitMs} ms (${closed.ack})`);
    res.check(
      'after a terminal vanished, the message still reaches the agency',
      vanished.reached,
      vanished.reached
        ? `next officer got it (${vanished.ack})`
        : `written to the vanished terminal (${vanished.ack}); after its connection was reclaimed the next officer did not get it within ${o.waitMs} ms`,
    );
    res.check('the service stayed up', svc.running, svc.exitInfo() ?? 'running');
    // What the registry recorded for it (store and forward keeps every message).
    await svc.stop();
    const db = await reg.open();
    try {
      const { rows } = await db.query<{ delivered_to: string | null; delivered: boolean }>(
        `SELECT delivered_to, delivered_at IS NOT NULL AS delivered FROM terminal_messages WHERE mke = 'AM' AND array_to_string(body, ' ') LIKE '%VANISHED TERMINAL%'`,
      );
      res.figure('recordedAs', rows[0] ? (rows[0].delivered ? `delivered to ${rows[0].delivered_to}` : 'waiting') : 'not kept');
    } finally {
      await db.close();
    }
    return res.done();
  });
}
