// The audit trail as the service writes it (ICD 6): every message and sign-on attempt, no secrets
// in it or in the logs, and `ccpor audit verify` finding a tampered entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { verifyAuditTrail } from '../../db/audit.ts';
import { backends } from '../support/backends.ts';
import { POLICE } from '../support/fixtures.ts';
import { captureLog } from '../support/log-capture.ts';
import { PASSWORD, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;

for (const backend of backends()) {
  describe(`audit trail of the service on ${backend.name}`, () => {
    let t: TestService;
    const { log, lines } = captureLog();
    before(async () => {
      t = await startTestService(backend, { log });
    });
    after(async () => {
      await t.stop();
      await backend.cleanup();
    });

    test('every message, accepted or refused, and every sign-on attempt is audited; no secret anywhere', async () => {
      const term = await TestTerminal.connect(t.tcp);
      await term.send(`SON.${POLICE}.USR/OFFICER1.PWD/Wrong-Secret-99`);
      await term.send(`SON.${POLICE}.USR/OFFICER1.PWD/${PASSWORD}.OTP/123456`); // no secret: the OTP is ignored
      await term.send(son('OFFICER'));
      await term.send(`QPO.${POLICE}.NAM/SMITH, JOHN.DOB/19800101.CTL/A1`);
      await term.send(`QPO.${POLICE}.NAM/SMITH, JOHN.DOB/19801399`);
      await term.send(`SON.${POLICE}.USR/OFFICER1.PWD/Typo-Secret-77.XYZ/1`); // refused by the parser, with a password in it
      term.close();
      await t.service.audit.flush();
      const { rows } = await t.service.registry.db.query<{ user_name: string | null; mke: string | null; outcome: string; fields: unknown; source: string; terminal: string; records: number }>(
        `SELECT user_name, mke, outcome, fields, source, terminal, records FROM audit_log ORDER BY audit_log.id`,
      );
      assert.deepEqual(rows.map((r) => [r.user_name, r.mke, r.outcome]), [
        ['OFFICER1', 'SON', 'REJ AUT'],
        ['OFFICER1', 'SON', 'ACK'],
        ['OFFICER1', 'SON', 'ACK'],
        ['OFFICER1', 'QPO', 'NREC'],
        ['OFFICER1', 'QPO', 'REJ FLD'],
        ['OFFICER1', 'SON', 'REJ FLD'],
      ]);
      assert.deepEqual(rows[3]!.fields, { CTL: 'A1', HST: false, 'INQUIRY.DOB': '19800101', 'INQUIRY.FORM': 'NAME', 'INQUIRY.NAM': 'SMITH, JOHN' });
      assert.match(rows[0]!.source, /^127\.0\.0\.1:\d+$/);
      assert.match(rows[0]!.terminal, /^tcp-/);
      const everything = JSON.stringify(rows) + JSON.stringify(lines());
      for (const secret of ['Wrong-Secret-99', PASSWORD, 'Typo-Secret-77', '123456']) {
        assert.ok(!everything.includes(secret), `${secret} must appear in neither the audit trail nor the logs`);
      }
    });

    test('ccpor audit verify passes on the trail and names the entry that was changed', async () => {
      const db = t.service.registry.db;
      assert.deepEqual(await verifyAuditTrail(db), { ok: true, entries: 6 });
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      const { rows } = await db.query<{ id: string }>(`SELECT id::text FROM audit_log WHERE outcome = 'NREC'`);
      await db.query(`UPDATE audit_log SET outcome = 'HIT' WHERE id = $1`, [rows[0]!.id]);
      await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      await t.stop(); // the embedded registry belongs to one process at a time
      const env = { ...process.env, DATABASE_URL: t.config.databaseUrl ?? '', REDIS_URL: '', CCPOR_DATA_DIR: t.config.dataDir };
      const r = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { env, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, `audit trail BROKEN at entry ${rows[0]!.id}: entry content changed (3 entries verified before it)\n`);
    });
  });
}
