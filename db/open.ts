// Opens the registry the configuration asks for: a real PostgreSQL when DATABASE_URL is set,
// the embedded PGlite otherwise; Redis when REDIS_URL (or Sentinel, or Cluster) is set, an
// in-process cache otherwise; streaming replicas for inquiries when DATABASE_READ_URL is set.
import { join } from 'node:path';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import { noCache, type InquiryCache } from './cache/cache.ts';
import { createMemoryCache } from './cache/memory-cache.ts';
import { createRedisCache } from './cache/redis-cache.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './pg-database.ts';
import { openEmbedded } from './pglite-database.ts';
import { primaryFloor, ReadRouter, redisPositions, replicaName } from './read-routing.ts';
import { describeRedis } from './redis-connection.ts';
import { Registry } from './registry.ts';

type DbConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'dbStatementTimeoutMs'>;
type CacheConfig = Pick<Config, 'redis' | 'cachePrefix' | 'cacheTtlSeconds'>;
type ReplicaConfig = Partial<Pick<Config, 'databaseReadUrls' | 'replicaMaxLagMs' | 'replicaCheckMs'>>;

export async function openDatabase(config: DbConfig, log: Logger): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      poolSize: config.dbPoolSize,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      log,
    });
  }
  // The database files get a folder of their own; the data directory also keeps the TLS
  // certificate, the SSH host key and the demo credentials.
  return openEmbedded(join(config.dataDir, 'registry'));
}

export function openCache(config: CacheConfig, db: Database, log: Logger): InquiryCache {
  if (config.redis) {
    return createRedisCache({ url: config.redis, prefix: config.cachePrefix, ttlSeconds: config.cacheTtlSeconds, log });
  }
  if (db.kind === 'embedded') return createMemoryCache({ ttlSeconds: config.cacheTtlSeconds });
  // A shared PostgreSQL may have other processes writing to it; a private cache here could
  // answer with an order state another process has already changed.
  log.warn('DATABASE_URL without REDIS_URL: inquiry cache off, every inquiry reads the database');
  return noCache;
}

/**
 * Inquiries on streaming replicas (DATABASE_READ_URL), writes on the primary. The write positions
 * that keep answers from going back in time are shared in Redis when there is one; without, each
 * read asks the primary for its position (db/read-routing.ts).
 */
export async function openReadRouter(
  config: DbConfig & CacheConfig & ReplicaConfig,
  primary: Database,
  log: Logger,
): Promise<ReadRouter | undefined> {
  const urls = config.databaseReadUrls ?? [];
  if (urls.length === 0 || primary.kind !== 'postgres') return undefined;
  const replicas = urls.map((url) => ({
    name: replicaName(url),
    // A replica that does not answer soon is skipped: the primary can answer instead.
    db: openPostgres({ url, poolSize: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs, log, connectTimeoutMs: 1_000, applicationName: 'ccpor-read' }),
  }));
  const positions = config.redis
    ? redisPositions({ target: config.redis, prefix: config.cachePrefix, primary, log })
    : primaryFloor(primary);
  const router = new ReadRouter(primary, replicas, positions, { maxLagMs: config.replicaMaxLagMs ?? 2_000, checkMs: config.replicaCheckMs ?? 500, log });
  await router.start();
  log.info(
    { replicas: router.replicaStates(), positions: config.redis ? describeRedis(config.redis) : 'asked of the primary per read' },
    'inquiries read from streaming replicas',
  );
  return router;
}

export async function openRegistry(
  config: DbConfig & CacheConfig & ReplicaConfig & Pick<Config, 'timeZone'>,
  log: Logger,
  opts: { now?: () => Date } = {},
): Promise<Registry> {
  const db = await openDatabase(config, log);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const cache = openCache(config, db, log);
  let reads: ReadRouter | undefined;
  try {
    reads = await openReadRouter(config, db, log);
  } catch (err) {
    await cache.close();
    await db.close();
    throw err;
  }
  return new Registry({ db, cache, timeZone: config.timeZone, now: opts.now, reads });
}
