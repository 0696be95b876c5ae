// Loading millions of rows into an empty registry: PostgreSQL maintains every index and checks
// every foreign key row by row as rows go in, which is most of a large seed's time. Building an
// index once over the loaded table (a sort) and checking a foreign key once (one join) is several
// times cheaper. So for a bulk load into empty tables their indexes, primary keys, unique
// constraints and foreign keys (also those of other tables pointing at them, which must be empty
// too) are dropped first and made again at the end.
//
// Their definitions are written to `deferred_ddl` in the same transaction that drops them, so a
// load that dies half-way loses none: the next migrate() (every service start, every `ccpor
// seed`) makes them again.
import type { Database, Queryable } from './database.ts';

interface Deferred {
  name: string;
  table_name: string;
  kind: 'index' | 'primary' | 'unique' | 'foreign';
  ddl: string;
}

// Definitions of what is dropped: every index of the given tables (primary keys included), their
// unique constraints, and the foreign keys from or to them.
const SQL_DEFINITIONS = `
SELECT c.relname AS name, t.relname AS table_name, 'index' AS kind, pg_get_indexdef(i.indexrelid) AS ddl
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u'))
UNION ALL
SELECT k.conname, t.relname, CASE k.contype WHEN 'p' THEN 'primary' WHEN 'u' THEN 'unique' ELSE 'foreign' END,
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, k.conname, pg_get_constraintdef(k.oid))
  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
 WHERE t.relnamespace = 'public'::regnamespace
   AND ((t.relname = ANY($1::text[]) AND k.contype IN ('p', 'u', 'f'))
        OR (k.contype = 'f' AND k.confrelid IN (SELECT oid FROM pg_class WHERE relname = ANY($1::text[]) AND relnamespace = 'public'::regnamespace)))`;

/**
 * Drops the indexes and constraints of `tables` (above), keeping their definitions in
 * deferred_ddl. Returns how many were deferred.
 */
export async function deferIndexes(db: Database, tables: readonly string[]): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Deferred>(SQL_DEFINITIONS, [tables]);
    // Foreign keys first: a primary key or unique constraint may be what one of them points at.
    const ordered = [...rows.filter((r) => r.kind === 'foreign'), ...rows.filter((r) => r.kind !== 'foreign')];
    for (const d of ordered) {
      await tx.query(`INSERT INTO deferred_ddl (name, table_name, kind, ddl) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`, [d.name, d.table_name, d.kind, d.ddl]);
      const table = quoteIdent(d.table_name);
      await tx.exec(d.kind === 'index' ? `DROP INDEX ${quoteIdent(d.name)}` : `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(d.name)}`);
    }
    return ordered.length;
  });
}

/**
 * Makes again everything deferIndexes dropped: primary keys, then indexes and unique constraints,
 * foreign keys last (each checked once over the whole table). Each in its own transaction with its row of
 * deferred_ddl, so an interrupted restore resumes where it stopped. `parallel` connections build
 * indexes at once. Returns how many were made.
 */
export async function restoreDeferred(db: Database, parallel = 1): Promise<number> {
  if (!(await hasDeferredTable(db))) return 0;
  const { rows } = await db.query<Deferred>(`SELECT name, table_name, kind, ddl FROM deferred_ddl ORDER BY name`);
  const run = (d: Deferred) =>
    db.transaction(async (tx) => {
      // A build over millions of rows outlasts a service's statement timeout, and wants memory to sort in.
      await tx.query(`SET LOCAL statement_timeout = 0`);
      await tx.query(`SET LOCAL maintenance_work_mem = '256MB'`);
      const still = await tx.query(`DELETE FROM deferred_ddl WHERE name = $1 RETURNING name`, [d.name]);
      if (still.rowCount === 0) return; // another process made it already
      await tx.exec(d.ddl);
    });
  // Primary keys first (foreign keys need them), then the other indexes, several at once.
  for (const d of rows.filter((r) => r.kind === 'primary')) await run(d);
  const first = rows.filter((r) => r.kind === 'index' || r.kind === 'unique');
  let next = 0;
  const worker = async () => {
    while (next < first.length) await run(first[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, first.length)) }, worker));
  for (const d of rows.filter((r) => r.kind === 'foreign')) await run(d);
  return rows.length;
}

/** What is dropped and not yet made again (a load in progress, or one that died). */
export async function pendingDeferred(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(`SELECT name FROM deferred_ddl ORDER BY name`);
  return rows.map((r) => r.name);
}

async function hasDeferredTable(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('deferred_ddl')::text AS t`);
  return rows[0]?.t != null;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
