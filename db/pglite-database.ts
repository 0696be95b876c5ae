// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in this process,
// persisted under a data directory, with the same extensions the server uses.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { classify, type Database, type Queryable, type Row } from './database.ts';

/** dataDir undefined: an in-memory registry (tests, throwaway demos). */
export async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { pg_trgm, fuzzystrmatch } });
  return wrapPglite(db);
}

function wrapPglite(db: PGlite): Database {
  const queryOn = (q: Pick<PGlite, 'query'>): Queryable['query'] =>
    async <R,>(text: string, params?: readonly unknown[]) => {
      try {
        const r = await q.query<R>(text, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      } catch (err) {
        return classify(err);
      }
    };
  const execOn = (q: Pick<PGlite, 'exec'>) => async (sql: string) => {
    try {
      await q.exec(sql);
    } catch (err) {
      classify(err);
    }
  };
  return {
    kind: 'embedded',
    query: queryOn(db),
    exec: execOn(db),
    transaction: (fn) => db.transaction((tx) => fn({ query: queryOn(tx), exec: execOn(tx) })),
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
