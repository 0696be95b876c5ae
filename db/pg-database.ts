// A real PostgreSQL server through pg's pool. Every wait is bounded: connecting, each statement,
// each query round trip, idle transactions; and an error on an idle client never crashes us.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../src/log.ts';
import { classify, type Database, type Queryable, type QueryResult, type Row } from './database.ts';

export interface PgOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  log: Logger;
  applicationName?: string;
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
    connectionTimeoutMillis: 5_000,
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

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    exec: async (sql) => void (await run(pool, sql)),
    async transaction(fn) {
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
        const out = await fn(tx);
        await tx.query('COMMIT');
        return out;
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
    },
    async close() {
      await pool.end();
    },
  };
}
