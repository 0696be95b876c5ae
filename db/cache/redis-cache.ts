// The shared cache: Redis through ioredis, for any number of service processes.
//
// Layout, per bucket B (hash tags keep both keys of a bucket in one Cluster slot):
//   <prefix>g:{B}  generation counter, bumped by every invalidation (kept a day)
//   <prefix>c:{B}  hash of answers, field = the inquiry
//
// Redis failing never fails an inquiry: lookups return null (ask the database) and one log line
// says the cache is down, one more when it is back. An invalidation that could not be delivered
// is kept and retried, and until it is delivered this process does not read the cache at all.
import type { Redis } from 'ioredis';
import type { Logger } from '../../src/log.ts';
import { connectRedis, type RedisTarget } from '../redis-connection.ts';
import type { CacheLookup, InquiryCache } from './cache.ts';

const GENERATION_TTL_SECONDS = 86_400;

// Store only if the generation is still the one the reader saw.
const PUT_IF_CURRENT = `
local g = redis.call('GET', KEYS[1]) or '0'
if g == ARGV[1] then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return 1
end
return 0`;

// Bump the generation and drop the answers in one step: no reader can slip between them.
// KEYS: generation and answers of each bucket, in pairs (a write touches several buckets: one
// script call for all of them, where there is one node).
const INVALIDATE = `
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  redis.call('DEL', KEYS[i + 1])
end
return 1`;

export interface RedisCacheOptions {
  /** A redis:// URL, or any target of db/redis-connection.ts (Sentinel, Cluster). */
  url: string | RedisTarget;
  prefix: string;
  ttlSeconds: number;
  log: Logger;
  commandTimeoutMs?: number;
}

type CacheRedis = Redis & {
  putIfCurrent(g: string, c: string, gen: string, field: string, value: string, ttl: number): Promise<number>;
  invalidateBucket(g: string, c: string, ttl: number): Promise<number>;
  invalidateBuckets(numberOfKeys: number, ...keysThenTtl: (string | number)[]): Promise<number>;
};

export function createRedisCache(opts: RedisCacheOptions): InquiryCache {
  const log = opts.log.child({ component: 'cache' });
  const redis = connectRedis(opts.url, {
    // A cache must fail fast: no queue of commands waiting for a dead server.
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 300,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: false,
    // Commands issued in the same tick by many sessions go out in one write: at thousands of
    // inquiries a second the cost is in the system calls, not in Redis.
    enableAutoPipelining: true,
  }) as unknown as CacheRedis;
  // Auto-pipelining still batches a Cluster's one-bucket invalidations per node.
  const isCluster = (redis as unknown as { isCluster?: boolean }).isCluster === true;
  redis.defineCommand('putIfCurrent', { numberOfKeys: 2, lua: PUT_IF_CURRENT });
  // One bucket (a Cluster), or several with the number of keys given in each call. Not the latter
  // on a Cluster: auto-pipelining would group calls by their first argument, the count.
  redis.defineCommand('invalidateBucket', { numberOfKeys: 2, lua: INVALIDATE });
  redis.defineCommand('invalidateBuckets', { lua: INVALIDATE });

  const gKey = (b: string) => `${opts.prefix}g:{${b}}`;
  const cKey = (b: string) => `${opts.prefix}c:{${b}}`;
  const pending = new Set<string>();
  let down = false;
  let closed = false;

  const markDown = (reason: string) => {
    if (down || closed) return;
    down = true;
    log.warn({ reason }, 'redis cache unavailable: answering inquiries from the database');
  };
  redis.on('error', (err: Error) => markDown(err.message));
  redis.on('close', () => markDown('connection closed'));
  redis.on('ready', () => void recover());

  const usable = () => !closed && !down && redis.status === 'ready' && pending.size === 0;

  async function sendInvalidations(buckets: readonly string[]): Promise<string[]> {
    if (isCluster) {
      // A Cluster refuses a script whose keys live in different slots: one call per bucket there.
      const results = await Promise.allSettled(buckets.map((b) => redis.invalidateBucket(gKey(b), cKey(b), GENERATION_TTL_SECONDS)));
      return buckets.filter((_, i) => results[i]!.status === 'rejected');
    }
    try {
      await redis.invalidateBuckets(buckets.length * 2, ...buckets.flatMap((b) => [gKey(b), cKey(b)]), GENERATION_TTL_SECONDS);
      return [];
    } catch {
      return [...buckets];
    }
  }

  // Delivers deferred invalidations, then trusts the cache again once Redis answers.
  let recovering = false;
  async function recover(): Promise<void> {
    if (recovering || closed || redis.status !== 'ready') return;
    recovering = true;
    try {
      if (pending.size > 0) {
        const batch = [...pending];
        const failed = new Set(await sendInvalidations(batch));
        for (const b of batch) if (!failed.has(b)) pending.delete(b);
      }
      if (down && pending.size === 0) {
        await redis.ping();
        down = false;
        log.info('redis cache available again');
      }
    } catch {
      // still down; the next tick tries again
    } finally {
      recovering = false;
    }
  }

  // Retry even when no 'ready' event comes (a command timed out on a live connection).
  const retryTimer = setInterval(() => void recover(), 1_000);
  retryTimer.unref();

  return {
    kind: 'redis',
    async get(bucket, field): Promise<CacheLookup | null> {
      if (!usable()) return null;
      try {
        // A hit needs only the answer. On a miss the generation is read next, before the caller
        // asks the database: a write committed after this read bumps it, so the answer the caller
        // then puts back is refused if it could be older than that write. Plain commands, not a
        // pipeline of our own: auto-pipelining sends them with every other session's of this tick.
        const value = await redis.hget(cKey(bucket), field);
        if (value !== null) return { value, generation: '' };
        const generation = await redis.get(gKey(bucket));
        return { value: undefined, generation: generation ?? '0' };
      } catch (err) {
        markDown((err as Error).message);
        return null;
      }
    },
    async put(bucket, field, value, generation) {
      if (!usable()) return;
      try {
        await redis.putIfCurrent(gKey(bucket), cKey(bucket), generation, field, value, opts.ttlSeconds);
      } catch (err) {
        markDown((err as Error).message);
      }
    },
    async invalidate(buckets) {
      if (buckets.length === 0) return;
      if (redis.status !== 'ready') {
        for (const b of buckets) pending.add(b);
        markDown('invalidation deferred');
        return;
      }
      const failed = await sendInvalidations(buckets);
      if (failed.length > 0) {
        for (const b of failed) pending.add(b);
        markDown('invalidation deferred');
      }
    },
    async close() {
      closed = true;
      clearInterval(retryTimer);
      redis.disconnect();
    },
  };
}
