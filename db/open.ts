// Opens the registry the configuration asks for: a real PostgreSQL when DATABASE_URL is set,
// the embedded PGlite otherwise; Redis when REDIS_URL is set, an in-process cache otherwise.
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
import { Registry } from './registry.ts';

type DbConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'dbStatementTimeoutMs'>;
type CacheConfig = Pick<Config, 'redisUrl' | 'cachePrefix' | 'cacheTtlSeconds'>;

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
  if (config.redisUrl) {
    return createRedisCache({ url: config.redisUrl, prefix: config.cachePrefix, ttlSeconds: config.cacheTtlSeconds, log });
  }
  if (db.kind === 'embedded') return createMemoryCache({ ttlSeconds: config.cacheTtlSeconds });
  // A shared PostgreSQL may have other processes writing to it; a private cache here could
  // answer with an order state another process has already changed.
  log.warn('DATABASE_URL without REDIS_URL: inquiry cache off, every inquiry reads the database');
  return noCache;
}

export async function openRegistry(
  config: DbConfig & CacheConfig & Pick<Config, 'timeZone'>,
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
  return new Registry({ db, cache, timeZone: config.timeZone, now: opts.now });
}
