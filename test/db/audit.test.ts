// The audit trail: every entry kept, secrets never stored, and any tampering found by verify.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditTrail, verifyAuditTrail, type AuditEntry } from '../../db/audit.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { silentLogger } from '../../src/log.ts';
import { backends } from '../support/backends.ts';

const entry = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(Date.UTC(2026, 5, 15, 12, 0, 0, i * 10)),
  user: 'OFFICER1',
  ori: 'CA0194200',
  terminal: `tcp-${i % 3}`,
  source: '127.0.0.1:50000',
  mke: 'QPO',
  fields: { NAM: 'SMITH, JOHN', DOB: '19800101' },
  outcome: 'HIT',
  records: 1,
  durationMs: 2,
  ...extra,
});

for (const backend of backends()) {
  describe(`audit trail on ${backend.name}`, () => {
    let db: Database;
    before(async () => {
      db = await backend.freshDatabase();
      await migrate(db);
    });
    after(() => backend.cleanup());

    const tamper = async (sql: string) => {
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      try {
        await db.query(sql);
      } finally {
        await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      }
    };

    test('entries written in batches all arrive, in order, and verify', async () => {
      const trail = new AuditTrail(db, silentLogger, { batchDelayMs: 5, maxBatch: 7 });
      for (let i = 0; i < 40; i++) void trail.record(entry(i));
      await trail.record(entry(40, { mke: 'SON', fields: { USR: 'OFFICER1', PWD: 'Secret-Pass-1', OTP: '123456' }, outcome: 'ACK' }));
      await trail.close();
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
      assert.equal(rows[0]!.n, 41);
      assert.deepEqual(await verifyAuditTrail(db, 10), { ok: true, entries: 41 });
      const son = await db.query<{ fields: Record<string, unknown> }>(`SELECT fields FROM audit_log WHERE mke = 'SON'`);
      assert.deepEqual(son.rows[0]!.fields, { USR: 'OFFICER1' }, 'no password or one-time code in the audit trail');
    });

    test('a clean shutdown writes what is still queued', async () => {
      const trail = new AuditTrail(db, silentLogger, { batchDelayMs: 60_000 });
      for (let i = 0; i < 5; i++) void trail.record(entry(100 + i));
      assert.equal(trail.pending(), 5);
      await trail.close();
      assert.equal(trail.pending(), 0);
      assert.deepEqual(await verifyAuditTrail(db), { ok: true, entries: 46 });
    });

    test('the trail refuses UPDATE and DELETE', async () => {
      await assert.rejects(db.query(`UPDATE audit_log SET outcome = 'NREC'`), /append-only/);
      await assert.rejects(db.query(`DELETE FROM audit_log`), /append-only/);
    });

    test('a changed entry, a deleted entry and a cut-off end are each found', async () => {
      const { rows } = await db.query<{ id: string }>('SELECT id::text FROM audit_log ORDER BY audit_log.id');
      const tenth = rows[9]!.id;
      const twentieth = rows[19]!.id;

      await tamper(`UPDATE audit_log SET records = 0 WHERE id = ${tenth}`);
      assert.deepEqual(await verifyAuditTrail(db), { ok: false, entries: 9, badId: tenth, reason: 'entry content changed' });
      await tamper(`UPDATE audit_log SET records = 1 WHERE id = ${tenth}`);
      assert.equal((await verifyAuditTrail(db)).ok, true, 'restored: the chain holds again');

      const lastFive = rows.slice(-5).map((r) => r.id);
      await tamper(`DELETE FROM audit_log WHERE id IN (${lastFive.join(',')})`);
      const cut = await verifyAuditTrail(db);
      assert.deepEqual(cut, { ok: false, entries: rows.length - 5, badId: lastFive[4], reason: 'entries missing from the end of the trail' });

      await tamper(`DELETE FROM audit_log WHERE id = ${twentieth}`);
      const deleted = await verifyAuditTrail(db);
      assert.equal(deleted.ok, false);
      assert.equal(!deleted.ok && deleted.badId, rows[20]!.id, 'the entry after the gap is named');
    });
  });
}
