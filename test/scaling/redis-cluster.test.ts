// Redis Cluster (REDIS_CLUSTER_NODES): a private three-master cluster made with
// `redis-cli --cluster create`. One write invalidates buckets that live on different masters, the
// write positions of read routing land beside their buckets, and the bus reaches every instance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InquiryCache } from '../../db/cache/cache.ts';
import { createRedisCache } from '../../db/cache/redis-cache.ts';
import type { Database } from '../../db/database.ts';
import { redisPositions } from '../../db/read-routing.ts';
import type { RedisTarget } from '../../db/redis-connection.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { redisBus, type BusEvent } from '../../src/switching/bus.ts';
import { backends } from '../support/backends.ts';
import { hasRedisServer } from '../support/redis-server.ts';
import { PrivateCluster } from './redis-topology.ts';

const haveRedis = await hasRedisServer();

describe('Redis Cluster', { skip: !haveRedis && 'redis-server is not installed', timeout: 90_000 }, () => {
  let cluster: PrivateCluster;
  let target: RedisTarget;
  const closing: (() => Promise<void>)[] = [];
  const prefix = () => `t${Math.random().toString(36).slice(2, 10)}:`;

  before(async () => {
    cluster = await PrivateCluster.start();
    const config = loadConfig({ REDIS_CLUSTER_NODES: cluster.ports.map((p) => `127.0.0.1:${p}`).join(',') });
    target = config.redis!;
    assert.equal(target.kind, 'cluster');
  });
  after(async () => {
    for (const c of closing) await c().catch(() => {});
    await cluster?.stop();
  });

  // Buckets whose keys live on different masters, so one write's invalidation spans nodes.
  async function spreadBuckets(p: string, n: number): Promise<string[]> {
    const byNode = new Map<number, string>();
    for (let i = 0; byNode.size < n && i < 200; i++) {
      const b = `r:1980${String(1 + (i % 12)).padStart(2, '0')}${String(1 + Math.floor(i / 12)).padStart(2, '0')}`;
      const node = await cluster.nodeOf(`${p}g:{${b}}`);
      if (!byNode.has(node)) byNode.set(node, b);
    }
    return [...byNode.values()];
  }

  test('a write\'s invalidation reaches buckets on every master; a stale answer is refused', async () => {
    const p = prefix();
    const a = createRedisCache({ url: target, prefix: p, ttlSeconds: 60, log: silentLogger });
    const b = createRedisCache({ url: target, prefix: p, ttlSeconds: 60, log: silentLogger });
    closing.push(() => a.close(), () => b.close());
    await waitUsable(a);
    await waitUsable(b);
    const buckets = await spreadBuckets(p, 3);
    assert.equal(buckets.length, 3, 'one bucket on each of the three masters');
    for (const k of buckets) {
      const g = await a.get(k, 'q');
      await a.put(k, 'q', `answer ${k}`, g!.generation);
      assert.equal((await b.get(k, 'q'))?.value, `answer ${k}`);
    }
    const slow = await b.get(buckets[0]!, 'other');
    await a.invalidate(buckets);
    for (const k of buckets) assert.equal((await b.get(k, 'q'))?.value, undefined, `${k} invalidated`);
    await b.put(buckets[0]!, 'other', 'stale', slow!.generation);
    assert.equal((await a.get(buckets[0]!, 'other'))?.value, undefined, 'the slow reader could not store its answer');
    // Still usable: no invalidation was left pending (a pending one turns the cache off here).
    assert.notEqual(await a.get(buckets[1]!, 'q'), null);
  });

  test('write positions: a read of any bucket a write touched waits for that write', async () => {
    const backend = backends().at(-1)!;
    closing.push(() => backend.cleanup());
    const db: Database = await backend.freshDatabase();
    const p = prefix();
    const positions = redisPositions({ target, prefix: p, primary: db, log: silentLogger });
    closing.unshift(() => positions.close());
    await until(async () => (await positions.floor({ bucket: 'probe' })) !== null, 'positions trusted');
    const buckets = await spreadBuckets(p, 3);
    const epoch = (await positions.floor({ bucket: 'untouched' }))!;
    const lsn = epoch + 1_000_000n;
    await positions.noteWrite(lsn, 'CA019015J', buckets);
    for (const k of buckets) assert.equal(await positions.floor({ bucket: k }), lsn, `${k}: the write's position`);
    assert.equal(await positions.floor({ bucket: 'untouched', ori: 'CA019015J' }), lsn, 'the writing agency, any bucket');
    assert.equal(await positions.floor({ bucket: 'untouched', ori: 'CA0194200' }), epoch, 'another agency, another bucket');
    await positions.noteWrite(lsn - 5n, 'CA019015J', buckets);
    assert.equal(await positions.floor({ bucket: buckets[0]! }), lsn, 'a late note of an older write never lowers it');
  });

  test('the message bus carries events between two instances', async () => {
    const channel = `${prefix()}switch`;
    const x = redisBus(target, channel, silentLogger);
    const y = redisBus(target, channel, silentLogger);
    closing.push(() => x.close(), () => y.close());
    const got: BusEvent[] = [];
    y.subscribe((e) => got.push(e));
    await until(async () => {
      await x.publish({ kind: 'order-changed', pno: 'PO0000000018', action: 'MODIFY', by: 'CA019015J', byTerminal: 't1', origin: 'x' });
      return got.length > 0;
    }, 'an event through the cluster');
    assert.equal(got[0]?.kind, 'order-changed');
  });
});

async function waitUsable(c: InquiryCache, ms = 10_000): Promise<void> {
  await until(async () => (await c.get('probe', 'probe')) !== null, 'the cache to be usable', ms);
}

async function until(cond: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
