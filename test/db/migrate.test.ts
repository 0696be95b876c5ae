// Migrations: applied once, in order, recorded; safe to run again and from two processes at once.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { listMigrations, migrate } from '../../db/migrate.ts';
import { backends } from '../support/backends.ts';

for (const backend of backends()) {
  describe(`migrations on ${backend.name}`, () => {
    after(() => backend.cleanup());

    test('a fresh database gets every migration once; running again changes nothing', async () => {
      const db = await backend.freshDatabase();
      const all = listMigrations().map((m) => m.version);
      assert.deepEqual(await migrate(db), all);
      assert.deepEqual(await migrate(db), []);
      assert.deepEqual(await migrate(db), []);
      const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), all);
      const ext = await db.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'fuzzystrmatch') ORDER BY 1`);
      assert.deepEqual(ext.rows.map((r) => r.extname), ['fuzzystrmatch', 'pg_trgm']);
    });

    test('a migration edited after it was applied is refused, and a failing one leaves the schema as it was', async () => {
      const db = await backend.freshDatabase();
      await migrate(db);
      const dir = mkdtempSync(join(tmpdir(), 'ccpor-mig-'));
      const edited = listMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'x' } : m));
      await assert.rejects(migrate(db, edited), /was changed after it was applied/);

      writeFileSync(join(dir, '9998_good.sql'), 'CREATE TABLE mig_probe (x int);');
      writeFileSync(join(dir, '9999_bad.sql'), 'CREATE TABLE mig_probe2 (x int); SELECT no_such_function();');
      await assert.rejects(migrate(db, [...listMigrations(), ...listMigrations(dir)]));
      const left = await db.query(`SELECT 1 FROM pg_tables WHERE tablename IN ('mig_probe', 'mig_probe2')`);
      assert.equal(left.rows.length, 0, 'nothing of the failed batch remains');
      const versions = await db.query<{ version: string }>(`SELECT version FROM schema_migrations WHERE version >= '9998'`);
      assert.equal(versions.rows.length, 0);
    });

    if (backend.name === 'postgres') {
      test('two processes migrating at once apply each migration once', async () => {
        const a = await backend.freshDatabase();
        const b = backend.connectAgain!();
        const [x, y] = await Promise.all([migrate(a), migrate(b)]);
        assert.deepEqual([...x, ...y].sort(), listMigrations().map((m) => m.version));
      });
    }
  });
}
