// A bulk seed drops the order tables' indexes, unique constraints and foreign keys for the load and
// makes them again (db/bulk-load.ts): afterwards the schema is exactly what the migrations made,
// the rows are the same as a row-by-row load's, and a load that died half-way is healed by the
// next migrate().
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { deferIndexes, pendingDeferred } from '../../db/bulk-load.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { seedRegistry } from '../../db/seed.ts';
import { backends } from '../support/backends.ts';

const ORDER_TABLES = ['orders', 'persons', 'person_aliases', 'protected_persons', 'services', 'order_history'];

/** Every index and constraint of the schema, as PostgreSQL would write it. */
async function schema(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ d: string }>(
    `SELECT tablename || ': ' || indexdef AS d FROM pg_indexes WHERE schemaname = 'public'
     UNION ALL
     SELECT conrelid::regclass::text || ': ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace
     ORDER BY 1`,
  );
  return rows.map((r) => r.d);
}

async function tableRows(db: Database, table: string): Promise<string[]> {
  const { rows } = await db.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM (SELECT * FROM ${table} ORDER BY id) t`);
  return rows.map((x) => x.r);
}

for (const backend of backends()) {
  describe(`bulk load on ${backend.name}`, () => {
    after(() => backend.cleanup());

    test('a bulk seed leaves the schema the migrations made and the rows a row-by-row seed makes', async () => {
      const [bulk, plain] = [await backend.freshDatabase(), await backend.freshDatabase()];
      await Promise.all([migrate(bulk), migrate(plain)]);
      const migrated = await schema(bulk);
      assert.ok(migrated.some((d) => d.includes('orders_pno_key')) && migrated.some((d) => d.includes('persons_order_id_fkey')));

      const phases: string[] = [];
      const opts = { orders: 300, seed: 11, asOf: '20260615', batchSize: 100 };
      await seedRegistry(bulk, { ...opts, bulk: true, onIndexing: () => phases.push('indexing') });
      await seedRegistry(plain, { ...opts, bulk: false, onIndexing: () => phases.push('plain indexing') });

      assert.deepEqual(phases, ['indexing']);
      assert.deepEqual(await schema(bulk), migrated);
      assert.deepEqual(await pendingDeferred(bulk), []);
      for (const table of ORDER_TABLES) assert.deepEqual(await tableRows(bulk, table), await tableRows(plain, table), `${table} differs`);
      // The unique constraints are back in force: a second order with the same PNO is refused.
      await assert.rejects(
        bulk.query(`INSERT INTO orders SELECT * FROM orders ORDER BY id LIMIT 1`),
        /duplicate key|unique/i,
      );
    });

    test('a load that died with its indexes dropped is healed by the next migrate()', async () => {
      const db = await backend.freshDatabase();
      await migrate(db);
      const migrated = await schema(db);
      const dropped = await deferIndexes(db, ORDER_TABLES);
      assert.ok(dropped >= 15, `${dropped} dropped`);
      const pending = await pendingDeferred(db);
      assert.equal(pending.length, dropped, 'kept to be made again');
      const left = (await schema(db)).join('\n');
      for (const name of ['orders_pkey', 'orders_pno_key', 'persons_by_dob', 'persons_order_id_fkey', 'protected_persons_order_id_seq_key', 'carpos_outbox_order_id_fkey']) {
        assert.ok(pending.includes(name), `${name} deferred`);
        assert.ok(!left.includes(` ${name} `) && !left.includes(`INDEX ${name} `), `${name} dropped from the schema`);
      }

      // The process is gone here; the next start migrates.
      assert.deepEqual(await migrate(db), []);
      assert.deepEqual(await schema(db), migrated);
      assert.deepEqual(await pendingDeferred(db), []);
    });
  });
}
