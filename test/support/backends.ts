// The backends every registry test runs against: the embedded default always, and the real
// PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI sets them). Each test file gets
// a database of its own (a fresh PGlite data directory, or a new database on the server) and a
// Redis key prefix of its own, so files never see each other's data, also when run side by side.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createMemoryCache } from '../../db/cache/memory-cache.ts';
import { createRedisCache } from '../../db/cache/redis-cache.ts';
import type { InquiryCache } from '../../db/cache/cache.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { openPostgres } from '../../db/pg-database.ts';
import { openEmbedded } from '../../db/pglite-database.ts';
import { Registry } from '../../db/registry.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { copyBlankRegistry } from './pglite-template.ts';

export interface Backend {
  name: 'embedded' | 'postgres';
  /** A new, empty, unmigrated database. */
  freshDatabase(): Promise<Database>;
  /** The URL of a new, empty database on the server (postgres only): for child processes. */
  freshDatabaseUrl?(): Promise<string>;
  /** Another connection to the last database made by freshDatabase (postgres only). */
  connectAgain?(): Database;
  /** The cache this backend uses, under a prefix of this test's own. */
  cache(log?: Logger, prefix?: string): InquiryCache;
  /** Drops what this backend created. */
  cleanup(): Promise<void>;
}

const serverUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;

function embeddedBackend(): Backend {
  const opened: Database[] = [];
  const dirs: string[] = [];
  return {
    name: 'embedded',
    async freshDatabase() {
      // On disk as the service keeps it, a copy of a blank cluster: no initdb per test (pglite-template.ts).
      const dir = mkdtempSync(join(tmpdir(), 'ccpor-embedded-'));
      dirs.push(dir);
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      await copyBlankRegistry(join(dir, 'registry'));
      const db = await openEmbedded(join(dir, 'registry'));
      opened.push(db);
      return db;
    },
    cache: () => createMemoryCache({ ttlSeconds: 600 }),
    async cleanup() {
      await Promise.all(opened.map((d) => d.close()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresBackend(url: string): Backend {
  const made: string[] = [];
  const opened: Database[] = [];
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const dbUrl = (name: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const open = (name: string) => {
    const db = openPostgres({ url: dbUrl(name), poolSize: 4, statementTimeoutMs: 10_000, log: silentLogger });
    opened.push(db);
    return db;
  };
  return {
    name: 'postgres',
    async freshDatabaseUrl() {
      const name = `ccpor_test_${randomBytes(5).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      made.push(name);
      return dbUrl(name);
    },
    async freshDatabase() {
      await this.freshDatabaseUrl!();
      return open(made[made.length - 1]!);
    },
    connectAgain() {
      const name = made[made.length - 1];
      if (!name) throw new Error('no database yet');
      return open(name);
    },
    cache: (log = silentLogger, p = prefix) =>
      redisUrl ? createRedisCache({ url: redisUrl, prefix: p, ttlSeconds: 600, log }) : createMemoryCache({ ttlSeconds: 600 }),
    async cleanup() {
      await Promise.all(opened.map((d) => d.close()));
      await admin(async (c) => {
        for (const name of made) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

export function backends(): Backend[] {
  const list = [embeddedBackend()];
  if (serverUrl) list.push(postgresBackend(serverUrl));
  return list;
}

export const TEST_NOW = new Date('2026-06-15T19:00:00Z'); // noon in California

/** A migrated registry on a fresh database of the backend, with a clock the test controls. */
export async function freshRegistry(b: Backend, clock: { now: Date } = { now: TEST_NOW }): Promise<Registry> {
  const db = await b.freshDatabase();
  await migrate(db);
  return new Registry({ db, cache: b.cache(), now: () => clock.now });
}
