// a. Redis killed under load. Officers inquire about orders that exist; the cache (a private
// redis-server) is killed with SIGKILL in the middle and started again, empty, a little later.
// Expected: no inquiry fails (answers come from PostgreSQL meanwhile) and the cache is used again
// once Redis is back.
import { Redis } from 'ioredis';
import { PrivateRedis } from '../../test/support/redis-server.ts';
import { freshRegistry } from './registry.ts';
import { percentile, ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { enterOrders, sleep, tally, Traffic } from './traffic.ts';

export interface RedisKilledOptions {
  /** A PostgreSQL server for the registry; undefined: embedded. */
  databaseUrl: string | undefined;
  officers: number;
  beforeMs: number;
  downMs: number;
  /** At most this long after Redis is back; at least minAfterMs, and until the cache is used again. */
  afterMs: number;
  minAfterMs: number;
}

async function keyspaceHits(url: string): Promise<number> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    const info = await r.info('stats');
    return Number(/keyspace_hits:(\d+)/.exec(info)?.[1] ?? 0);
  } catch {
    return -1;
  } finally {
    r.disconnect();
  }
}

export async function redisKilled(o: RedisKilledOptions): Promise<FaultResult> {
  const res = new ResultBuilder('redis-killed', 'Redis killed under load');
  return runCase(res, async (cleanup, watch) => {
    const redis = await PrivateRedis.start();
    cleanup.push(() => redis.stop());
    const reg = await freshRegistry(o.databaseUrl);
    cleanup.push(() => reg.cleanup());
    const svc = await ServiceUnderTest.start({ ...reg.env, REDIS_URL: redis.url, CCPOR_CACHE_PREFIX: 'fault:' });
    watch(svc);
    cleanup.unshift(() => svc.stop());
    res.figure('registry', reg.kind);

    const known = await enterOrders(svc.port, 8);
    const traffic = new Traffic({ port: svc.port, officers: o.officers, clerks: 0, known, pauseMs: 2, replyTimeoutMs: 10_000, reconnect: true });
    cleanup.unshift(() => traffic.stop());
    // At least beforeMs, and until the cache has answered (so that the kill takes something away).
    await sleep(o.beforeMs);
    const warmUntil = performance.now() + 20_000;
    while ((await keyspaceHits(redis.url)) <= 0 && performance.now() < warmUntil) await sleep(100);
    const hitsBefore = await keyspaceHits(redis.url);
    const killedAt = traffic.now();
    await redis.stop(); // SIGKILL
    await sleep(o.downMs);
    const backAt = traffic.now();
    await redis.start(); // same port, empty
    // When is the cache used again? Poll the new server's hit counter.
    let cacheBackS: number | null = null;
    const until = performance.now() + o.afterMs;
    while (performance.now() < until) {
      if (cacheBackS === null && (await keyspaceHits(redis.url)) > 0) cacheBackS = (traffic.now() - backAt) / 1000;
      if (cacheBackS !== null && traffic.now() - backAt > o.minAfterMs) break;
      await sleep(100);
    }
    await traffic.stop();
    res.check('the service stayed up', svc.running, svc.exitInfo() ?? 'running');

    const all = traffic.outcomes;
    const during = all.filter((x) => x.sentAt >= killedAt && x.sentAt < backAt);
    const failed = all.filter((x) => x.status !== 'HIT');
    const lat = (xs: typeof all) => xs.map((x) => x.at - x.sentAt);
    const before = all.filter((x) => x.sentAt < killedAt);
    res.figure('inquiries', all.length);
    res.figure('inquiriesWhileDown', during.length);
    res.figure('failedInquiries', failed.length);
    res.figure('p99MsBefore', percentile(lat(before), 99));
    res.figure('p99MsWhileDown', percentile(lat(during), 99));
    res.figure('maxMsWhileDown', percentile(lat(during), 100));
    res.figure('redisDownS', (backAt - killedAt) / 1000);
    res.figure('cacheHitsBeforeKill', hitsBefore);
    res.figure('cacheUsedAgainAfterS', cacheBackS);
    res.figure('reconnects', traffic.reconnects);

    res.check('the cache was answering before the kill', hitsBefore > 0, `${hitsBefore} Redis keyspace hits before the kill`);
    res.check('inquiries went on while Redis was down', during.length >= o.officers, `${during.length} inquiries sent while Redis was down`);
    res.check(
      'no inquiry failed',
      failed.length === 0,
      failed.length === 0 ? `all ${all.length} answered HIT` : `${failed.length} of ${all.length} not HIT: ${JSON.stringify(tally(failed))}`,
    );
    res.check('the cache is used again once Redis is back', cacheBackS !== null, cacheBackS === null ? `no cache hit within ${o.afterMs} ms of the restart` : `first hit ${cacheBackS.toFixed(2)} s after the restart`);
    res.check('the outage was noticed and logged', svc.logged(/redis cache unavailable/).length > 0, `${svc.logged(/redis cache unavailable/).length} warning(s) "redis cache unavailable"`);
    return res.done();
  });
}
