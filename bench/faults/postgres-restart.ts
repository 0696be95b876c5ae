// b. PostgreSQL restarted under load. The registry is a private cluster (initdb in a temporary
// folder, its own port): officers inquire and clerks enter orders while it is stopped (by default
// `pg_ctl stop -m immediate`, a crash: recovery from the WAL at the next start) and started again.
// Expected: while it is down every answer is REJ UNA (no time-out, no dropped connection, no other
// code); answers come back within 5 s of its return; every entry acknowledged before the crash is
// there after it. Where no private cluster can run, a TCP proxy to DATABASE_URL is cut instead.
import { verifyAuditTrail } from '../../db/audit.ts';
import { PrivatePostgres, privatePostgresUnavailable } from '../../test/support/private-postgres.ts';
import { freePort } from '../../test/support/redis-server.ts';
import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { freshRegistry } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { enterOrders, pnoOf, qpoCase, qpoPno, signedOn, sleep, statusOf, tally, Traffic } from './traffic.ts';

export interface PostgresRestartOptions {
  officers: number;
  clerks: number;
  beforeMs: number;
  downMs: number;
  afterMs: number;
  mode: 'fast' | 'immediate';
  /** Answers must come back within this long of the database's return. */
  recoveryLimitMs?: number;
}

/** What stops and starts the database: the private cluster, or a proxy in front of DATABASE_URL. */
interface Outage {
  how: string;
  serverUrl: string;
  registryUrl(url: string): Promise<string>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

async function privateCluster(mode: 'fast' | 'immediate'): Promise<Outage> {
  const pg = await PrivatePostgres.create();
  return {
    how: `private cluster, pg_ctl stop -m ${mode}`,
    serverUrl: pg.url(),
    registryUrl: async (u) => u,
    down: () => pg.stop(mode),
    up: () => pg.start(),
    close: () => pg.destroy(),
  };
}

async function proxied(serverUrl: string): Promise<Outage> {
  const target = new URL(serverUrl);
  const proxy = new TcpProxy(await freePort(), { host: target.hostname, port: Number(target.port || 5432) });
  await proxy.up();
  return {
    how: 'TCP proxy to DATABASE_URL cut and restored',
    serverUrl,
    // The service reaches the registry's database through the proxy.
    registryUrl: async (u) => Object.assign(new URL(u), { hostname: '127.0.0.1', port: String(proxy.port) }).toString(),
    down: () => proxy.down(),
    up: () => proxy.up(),
    close: () => proxy.down(),
  };
}

export async function postgresRestart(o: PostgresRestartOptions): Promise<FaultResult> {
  const res = new ResultBuilder('postgres-restart', 'PostgreSQL restarted under load');
  const limitMs = o.recoveryLimitMs ?? 5_000;
  return runCase(res, async (cleanup, watch) => {
    const why = privatePostgresUnavailable();
    if (why && !process.env.DATABASE_URL) throw new Error(`no private PostgreSQL cluster (${why}) and no DATABASE_URL for the proxy fallback`);
    const outage = why ? await proxied(process.env.DATABASE_URL!) : await privateCluster(o.mode);
    if (why) res.note(`private cluster impossible here (${why}): proxy fallback`);
    cleanup.push(() => outage.close());
    const reg = await freshRegistry(outage.serverUrl);
    cleanup.push(() => reg.cleanup());
    const svc = await ServiceUnderTest.start({ ...reg.env, DATABASE_URL: await outage.registryUrl(reg.env.DATABASE_URL!) });
    watch(svc);
    cleanup.unshift(() => svc.stop());
    res.figure('how', outage.how);

    const known = await enterOrders(svc.port, 6);
    const traffic = new Traffic({ port: svc.port, officers: o.officers, clerks: o.clerks, known, pauseMs: 10, replyTimeoutMs: 20_000, reconnect: true });
    cleanup.unshift(() => traffic.stop());
    // At least beforeMs, and until some entries were acknowledged (they must survive the crash).
    await sleep(o.beforeMs);
    const ackUntil = performance.now() + 30_000;
    while (traffic.outcomes.filter((x) => x.status === 'ACK').length < 3 && performance.now() < ackUntil) await sleep(50);
    const stopAt = traffic.now();
    await outage.down();
    const downAt = traffic.now();
    await sleep(o.downMs);
    const startAt = traffic.now();
    await outage.up(); // returns once the server accepts connections
    const upAt = traffic.now();
    // Until answers have come back for a while (at most afterMs).
    const okSince = () => traffic.outcomes.find((x) => x.sentAt >= upAt && (x.status === 'HIT' || x.status === 'ACK'))?.at;
    while (traffic.now() - upAt < o.afterMs) {
      const t = okSince();
      if (t !== undefined && traffic.now() - t > 2_000) break;
      await sleep(100);
    }
    await traffic.stop();
    if (!res.check('the service stayed up', svc.running, svc.exitInfo() ?? 'running')) return res.done();

    const all = traffic.outcomes;
    const ok = (s: string) => s === 'HIT' || s === 'ACK';
    const whileDown = all.filter((x) => x.sentAt >= downAt && x.sentAt < startAt);
    const notUna = whileDown.filter((x) => x.status !== 'REJ UNA');
    const unexpected = all.filter((x) => !ok(x.status) && x.status !== 'REJ UNA');
    const afterUp = all.filter((x) => x.sentAt >= upAt);
    const firstOk = afterUp.find((x) => ok(x.status));
    const unaAfterUp = afterUp.filter((x) => x.status === 'REJ UNA');
    const lastUna = unaAfterUp.at(-1);
    // Back when answers come again and no REJ UNA follows.
    const recoveredMs = firstOk ? Math.max(firstOk.at, lastUna?.at ?? 0) - upAt : null;
    const tooLate = afterUp.filter((x) => x.status === 'REJ UNA' && x.at - upAt > limitMs);

    res.figure('messages', all.length);
    res.figure('sentWhileDown', whileDown.length);
    res.figure('rejUnaWhileDown', whileDown.length - notUna.length);
    res.figure('rejUnaTotal', all.filter((x) => x.status === 'REJ UNA').length);
    res.figure('otherFailures', unexpected.length);
    res.figure('stopTookS', (downAt - stopAt) / 1000);
    res.figure('downS', (startAt - downAt) / 1000);
    res.figure('startTookS', (upAt - startAt) / 1000);
    res.figure('recoveredAfterS', recoveredMs === null ? null : recoveredMs / 1000);

    res.check('requests were made while it was down', whileDown.length >= o.officers, `${whileDown.length} sent while down`);
    res.check(
      'only REJ UNA while it is down',
      notUna.length === 0,
      notUna.length === 0 ? `${whileDown.length} of ${whileDown.length} REJ UNA` : `${notUna.length} other: ${JSON.stringify(tally(notUna))}`,
    );
    res.check(
      'nothing but HIT, ACK or REJ UNA at any time',
      unexpected.length === 0,
      unexpected.length === 0 ? 'no time-out, no dropped connection, no other reply' : JSON.stringify(tally(unexpected)),
    );
    res.check(
      `answering again within ${limitMs / 1000} s of its return`,
      recoveredMs !== null && recoveredMs <= limitMs && tooLate.length === 0,
      recoveredMs === null ? 'no answer after the return' : `answers again ${(recoveredMs / 1000).toFixed(2)} s after it accepted connections; ${unaAfterUp.length} REJ UNA after its return`,
    );

    // Every acknowledged entry must be there; a rejected one (REJ UNA) must not, or the clerk who
    // retries it gets REJ DUP for an order the registry said it did not take.
    const epos = all.filter((x) => x.kind === 'EPO');
    const acked = epos.filter((x) => x.status === 'ACK');
    const refused = epos.filter((x) => x.status !== 'ACK' && x.order);
    const officer = await signedOn(svc.port, 'OFFICER');
    let found = 0;
    const missing: string[] = [];
    for (const e of acked) {
      const a = await officer.send(qpoPno(e.pno!));
      if (a.status === 'HIT') found++;
      else missing.push(`${e.pno}: ${statusOf(a)}`);
    }
    let refusedButEntered = 0;
    const ghosts: string[] = [];
    for (const e of refused) {
      const a = await officer.send(qpoCase(e.order!));
      if (a.status === 'HIT') {
        refusedButEntered++;
        ghosts.push(`${e.order!.oca} (${e.status}) is ${pnoOf(a) ?? a.records[0]?.fields.find(([t]) => t === 'PNO')?.[1]}`);
      }
    }
    await officer.end();
    const ackedBeforeDown = acked.filter((x) => x.at < downAt).length;
    res.figure('entriesAcked', acked.length);
    res.figure('entriesAckedBeforeDown', ackedBeforeDown);
    res.figure('entriesFoundAfter', found);
    res.figure('entriesRefused', refused.length);
    res.figure('refusedButEntered', refusedButEntered);
    res.check('every acknowledged entry is found after the restart', ackedBeforeDown > 0 && found === acked.length, `${found} of ${acked.length} found (${ackedBeforeDown} acknowledged before the stop)${missing.length ? `; missing ${missing.slice(0, 5).join(', ')}` : ''}`);
    if (refusedButEntered > 0) res.note(`entries answered REJ UNA but committed (a retry gets REJ DUP): ${ghosts.slice(0, 5).join('; ')}`);

    // The audit trail is whole after the crash (entries written before it, and those retried after).
    await svc.stop();
    const db = await reg.open();
    try {
      const v = await verifyAuditTrail(db);
      res.figure('auditEntries', v.entries);
      res.check('the audit chain verifies after the restart', v.ok, v.ok ? `${v.entries} entries` : `broken: ${v.reason} at ${v.badId}`);
    } finally {
      await db.close();
    }
    return res.done();
  });
}
