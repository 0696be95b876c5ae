// A real PostgreSQL server through pg's pool. Every wait is bounded: connecting, each statement,
// each query round trip, idle transactions; and an error on an idle client never crashes us.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../src/log.ts';
import { classify, isUnavailable, type Database, type Queryable, type QueryResult, type Row } from './database.ts';

export interface PgOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  log: Logger;
  applicationName?: string;
  /** How long to wait for a connection (default 5 s); replicas use less, the primary is the fallback. */
  connectTimeoutMs?: number;
}

const names = new Map<string, string>();
function statementName(text: string): string {
  let n = names.get(text);
  if (!n) {
    n = `ccpor_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, n);
  }
  return n;
}

export function openPostgres(opts: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
    application_name: opts.applicationName ?? 'ccpor',
    keepAlive: true,
  });
  // An idle client whose server went away emits here; without a listener the process dies.
  pool.on('error', (err) => opts.log.warn({ err: err.message }, 'postgres idle client error'));

  const run = async <R,>(q: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) => {
    try {
      // Parameterised statements are prepared once per connection under a name derived from
      // their text: planning a lookup costs more than running it.
      const r = params
        ? await q.query({ name: statementName(text), text, values: params as unknown[] })
        : await q.query(text);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 } satisfies QueryResult<R>;
    } catch (err) {
      return classify(err);
    }
  };

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, withLsn: boolean): Promise<{ result: T; lsn: string }> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      return classify(err);
    }
    // A checked-out client is not covered by the pool's listener.
    const onError = (err: Error) => opts.log.warn({ err: err.message }, 'postgres client error in transaction');
    client.on('error', onError);
    const tx: Queryable = {
      query: (text, params) => run(client, text, params),
      exec: async (sql) => void (await run(client, sql)),
    };
    let broken: unknown;
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      if (!withLsn) {
        await tx.query('COMMIT');
        return { result, lsn: '' };
      }
      // The insert position read right after the commit, on the same connection and in the same
      // round trip, is at or past the end of the commit record (also with synchronous_commit off).
      let out: pg.QueryResult[] | pg.QueryResult;
      try {
        out = (await client.query('COMMIT; SELECT pg_current_wal_insert_lsn()::text AS lsn')) as unknown as pg.QueryResult[];
      } catch (err) {
        return classify(err);
      }
      const last = Array.isArray(out) ? out[out.length - 1] : out;
      return { result, lsn: String((last?.rows[0] as { lsn?: unknown } | undefined)?.lsn ?? '') };
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr; // the connection is gone; do not return it to the pool
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    exec: async (sql) => void (await run(pool, sql)),
    transaction: (fn) => transaction(fn, false).then((r) => r.result),
    transactionWithLsn: (fn) => transaction(fn, true),
    async session(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return classify(err);
      }
      const onError = (err: Error) => opts.log.warn({ err: err.message }, 'postgres client error in session');
      client.on('error', onError);
      let broken: Error | undefined;
      try {
        return await fn({
          query: (text, params) => run(client, text, params),
          exec: async (sql) => void (await run(client, sql)),
        });
      } catch (err) {
        // A connection that failed under us is not given back to the pool.
        if (err instanceof Error && isUnavailable(err)) broken = err;
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
