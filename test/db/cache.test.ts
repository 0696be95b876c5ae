// The inquiry cache: never older than the last acknowledged write, across processes, and Redis
// failing in any way costs no inquiry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { InquiryCache } from '../../db/cache/cache.ts';
import { createMemoryCache } from '../../db/cache/memory-cache.ts';
import { createRedisCache } from '../../db/cache/redis-cache.ts';
import { migrate } from '../../db/migrate.ts';
import { Registry } from '../../db/registry.ts';
import { silentLogger } from '../../src/log.ts';
import { backends, TEST_NOW } from '../support/backends.ts';
import { addTestAgencies, CLERK, entry } from '../support/fixtures.ts';
import { captureLog } from '../support/log-capture.ts';
import { hasRedisServer, PrivateRedis } from '../support/redis-server.ts';

const redisUrl = process.env.REDIS_URL;
const uniquePrefix = () => `t${Math.random().toString(36).slice(2, 10)}:`;

const caches: [string, () => InquiryCache][] = [['memory', () => createMemoryCache({ ttlSeconds: 60 })]];
if (redisUrl) caches.push(['redis', () => createRedisCache({ url: redisUrl, prefix: uniquePrefix(), ttlSeconds: 60, log: silentLogger })]);

for (const [name, make] of caches) {
  describe(`${name} cache`, () => {
    test('serves what was stored until the bucket is invalidated', async () => {
      const c = make();
      try {
        await waitUsable(c);
        const first = await c.get('r:19800101', 'q');
        assert.equal(first?.value, undefined);
        await c.put('r:19800101', 'q', 'answer', first!.generation);
        assert.equal((await c.get('r:19800101', 'q'))?.value, 'answer');
        await c.invalidate(['r:19800101']);
        assert.equal((await c.get('r:19800101', 'q'))?.value, undefined);
      } finally {
        await c.close();
      }
    });

    test('a reader that asked the database before a write cannot store its stale answer after it', async () => {
      const c = make();
      try {
        await waitUsable(c);
        const seen = await c.get('o:PO0000000018', 'false');
        // ... the reader queries the database here; meanwhile a write commits and invalidates:
        await c.invalidate(['o:PO0000000018']);
        await c.put('o:PO0000000018', 'false', 'stale answer', seen!.generation);
        assert.equal((await c.get('o:PO0000000018', 'false'))?.value, undefined);
      } finally {
        await c.close();
      }
    });
  });
}

async function waitUsable(c: InquiryCache, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await c.get('probe', 'probe')) !== null) return;
    await sleep(20);
  }
  throw new Error('cache never became usable');
}

for (const backend of backends()) {
  describe(`cache and registry on ${backend.name}`, () => {
    after(() => backend.cleanup());

    test('Redis unreachable: every inquiry answered correctly from the database, one log line', async () => {
      const db = await backend.freshDatabase();
      await migrate(db);
      await addTestAgencies(db);
      const { log, lines } = captureLog();
      // Nothing listens on port 1.
      const cache = createRedisCache({ url: 'redis://127.0.0.1:1', prefix: uniquePrefix(), ttlSeconds: 60, log });
      const reg = new Registry({ db, cache, now: () => TEST_NOW });
      try {
        const a = await reg.enterOrder(entry({ restrained: { name: 'DOWN, DAVE', dob: '19810101' } }), CLERK);
        for (let i = 0; i < 20; i++) {
          assert.deepEqual((await reg.findOrdersForRestrainedPerson({ name: 'DOWN, DAVE', dob: '19810101' })).map((o) => o.pno), [a.pno]);
        }
        const b = await reg.enterOrder(entry({ restrained: { name: 'DOWN, DAVE', dob: '19810101' } }), CLERK);
        const found = await reg.findOrdersForRestrainedPerson({ name: 'DOWN, DAVE', dob: '19810101' });
        assert.deepEqual(found.map((o) => o.pno).sort(), [a.pno, b.pno].sort());
        const warnings = lines().filter((l) => String(l.msg).includes('redis cache unavailable'));
        assert.equal(warnings.length, 1, 'one log line, not one per request');
      } finally {
        await cache.close();
      }
    });
  });
}

describe('Redis failing and coming back (a private redis-server)', async () => {
  const available = await hasRedisServer();
  const backend = backends().at(-1)!; // the real PostgreSQL when configured
  let redis: PrivateRedis;
  let reg: Registry;
  let peek: Redis;
  const { log, lines } = captureLog();
  const prefix = uniquePrefix();
  before(async () => {
    if (!available) return;
    redis = await PrivateRedis.start();
    const db = await backend.freshDatabase();
    await migrate(db);
    await addTestAgencies(db);
    reg = new Registry({ db, cache: createRedisCache({ url: redis.url, prefix, ttlSeconds: 600, log }), now: () => TEST_NOW });
    peek = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    peek.on('error', () => {});
  });
  after(async () => {
    if (!available) return;
    peek.disconnect();
    await reg.cache.close();
    await redis.stop();
    await backend.cleanup();
  });

  const pnos = async () => (await reg.findOrdersForRestrainedPerson({ name: 'HANG, HARRY', dob: '19720202' })).map((o) => o.pno).sort();
  const cached = async () => (await peek.hlen(`${prefix}c:{r:19720202}`)) > 0;

  test('a hung Redis: writes and inquiries go on; the cache is trusted again only after the missed invalidation', { skip: !available && 'redis-server is not installed' }, async () => {
    await waitUsable(reg.cache);
    const first = await reg.enterOrder(entry({ restrained: { name: 'HANG, HARRY', dob: '19720202' } }), CLERK);
    assert.deepEqual(await pnos(), [first.pno]);
    assert.ok(await cached(), 'the answer is in Redis');

    redis.pause();
    const started = Date.now();
    const second = await reg.enterOrder(entry({ restrained: { name: 'HANG, HARRY', dob: '19720202' } }), CLERK);
    const both = [first.pno, second.pno].sort();
    assert.deepEqual(await pnos(), both, 'answered from the database while Redis hangs');
    assert.ok(Date.now() - started < 3_000, 'a hung Redis costs at most its command timeout');

    redis.resume();
    // Redis still holds the answer from before the second entry; it must never be served.
    const end = Date.now() + 10_000;
    while (!lines().some((l) => l.msg === 'redis cache available again') && Date.now() < end) {
      assert.deepEqual(await pnos(), both);
      await sleep(50);
    }
    assert.deepEqual(await pnos(), both);
    assert.deepEqual(await pnos(), both);
    assert.ok(await cached(), 'the cache is used again');
    assert.equal(lines().filter((l) => String(l.msg).includes('unavailable')).length, 1);
    assert.equal(lines().filter((l) => l.msg === 'redis cache available again').length, 1);
  });

  test('Redis killed and restarted: no failed inquiry, and the cache fills again', { skip: !available && 'redis-server is not installed' }, async () => {
    await redis.stop();
    const third = await reg.enterOrder(entry({ restrained: { name: 'HANG, HARRY', dob: '19720202' } }), CLERK);
    assert.ok((await pnos()).includes(third.pno));
    await redis.start();
    await waitUsable(reg.cache, 10_000);
    assert.equal((await pnos()).length, 3);
    assert.ok(await cached());
  });
});

describe('two service processes sharing PostgreSQL and Redis', { skip: !(process.env.DATABASE_URL && redisUrl) && 'needs DATABASE_URL and REDIS_URL' }, () => {
  const backend = backends().find((b) => b.name === 'postgres');
  let one: Registry;
  let two: Registry;
  before(async () => {
    const db = await backend!.freshDatabase();
    await migrate(db);
    await addTestAgencies(db);
    const prefix = uniquePrefix();
    one = new Registry({ db, cache: createRedisCache({ url: redisUrl!, prefix, ttlSeconds: 600, log: silentLogger }), now: () => TEST_NOW });
    two = new Registry({ db: backend!.connectAgain!(), cache: createRedisCache({ url: redisUrl!, prefix, ttlSeconds: 600, log: silentLogger }), now: () => TEST_NOW });
    await waitUsable(one.cache);
    await waitUsable(two.cache);
  });
  after(async () => {
    await one?.cache.close();
    await two?.cache.close();
    await backend?.cleanup();
  });

  test('an entry on one is in the next answer on the other, though the other had it cached', async () => {
    const q = { name: 'SHARED, SHAWN', dob: '19830303' };
    const a = await one.enterOrder(entry({ restrained: q }), CLERK);
    assert.deepEqual((await two.findOrdersForRestrainedPerson(q)).map((o) => o.pno), [a.pno]);
    assert.deepEqual((await two.findOrdersForRestrainedPerson(q)).map((o) => o.pno), [a.pno]); // now a cache hit
    const b = await one.enterOrder(entry({ restrained: { ...q, name: 'SHARED, SHAWN M' } }), CLERK);
    assert.deepEqual((await two.findOrdersForRestrainedPerson(q)).map((o) => o.pno).sort(), [a.pno, b.pno].sort());
  });

  test('service recorded on one shows on the other at once', async () => {
    const { pno } = await one.enterOrder(entry(), CLERK);
    assert.equal((await two.findOrderByPno(pno))[0]!.service, null);
    await one.recordService(pno, { sdt: '202606151200', shw: 'PERSONAL', svb: 'DEP LOPEZ 221' }, { user: 'SHERIFF1', ori: 'CA0190000' });
    assert.equal((await two.findOrderByPno(pno))[0]!.service?.shw, 'PERSONAL');
  });

  test('an order cleared on one leaves the other\'s answers at once', async () => {
    const q = { name: 'GONE, GINA', dob: '19840404' };
    const { pno } = await one.enterOrder(entry({ restrained: q }), CLERK);
    assert.equal((await two.findOrdersForRestrainedPerson(q)).length, 1);
    await one.endOrder(pno, 'CLEARED', CLERK);
    assert.deepEqual(await two.findOrdersForRestrainedPerson(q), []);
    assert.deepEqual(await two.findOrderByPno(pno), []);
  });
});
