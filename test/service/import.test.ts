// `ccpor import`: EPO lines entered as a CLERK of the court would, one reply line each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;

for (const backend of backends()) {
  describe(`ccpor import on ${backend.name}`, () => {
    let env: NodeJS.ProcessEnv;
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-import-'));
    before(async () => {
      env = { ...process.env, CCPOR_DATA_DIR: join(dir, 'data'), REDIS_URL: '', LOG_LEVEL: 'error', CCPOR_LOG_FORMAT: 'json' };
      env.DATABASE_URL = backend.freshDatabaseUrl ? await backend.freshDatabaseUrl() : '';
    });
    after(() => backend.cleanup());
    const ccpor = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });

    test('each line is answered; good orders are entered, bad ones refused with the reason', () => {
      assert.equal(ccpor('agency', 'add', '--ori', 'CA019015J', '--name', 'LA SUPERIOR COURT', '--kind', 'COURT').status, 0);
      const epo = (oca: string, dob: string) =>
        `EPO.CA019015J.NAM/RIVERA, CARLOS.SEX/M.RAC/W.DOB/${dob}.TYP/DVRO.OCA/${oca}.ISD/20260101.EXP/20290101.PCO/01 05.PPN/RIVERA, ANA.PSX/F.PPB/19900101`;
      const file = join(dir, 'orders.txt');
      writeFileSync(file, [epo('IMP-1', '19800101'), epo('IMP-2', '19801399'), '', epo('IMP-1', '19800101'), epo('IMP-3', '19800101').replace('EPO.CA019015J', 'EPO.CA037015J'), 'QPO.CA019015J.PNO/PO0000000018', epo('IMP-4', '19800101')].join('\n'));
      const r = ccpor('import', '--ori', 'CA019015J', '--file', file);
      assert.equal(r.status, 1, 'some lines were refused');
      const out = r.stdout.trim().split('\n');
      assert.equal(out.length, 6);
      assert.match(out[0]!, /^ACK PNO\/PO\d{10}$/);
      assert.match(out[1]!, /^REJ FLD DOB/);
      assert.match(out[2]!, /^REJ DUP /);
      assert.match(out[3]!, /^REJ ORI /);
      assert.match(out[4]!, /^REJ MKE /);
      assert.match(out[5]!, /^ACK PNO\/PO\d{10}$/);
      assert.equal(r.stderr.trim().split('\n').at(-1), 'imported 2, refused 4');
      const verify = ccpor('audit', 'verify');
      assert.equal(verify.stdout, 'audit trail intact: 6 entries\n');
    });

    test('an unknown court or an unreadable file is refused before anything is entered', () => {
      const noCourt = ccpor('import', '--ori', 'CA0000000', '--file', join(dir, 'orders.txt'));
      assert.equal(noCourt.status, 2);
      assert.equal(noCourt.stderr, 'ccpor: no agency CA0000000\n');
      const noFile = ccpor('import', '--ori', 'CA019015J', '--file', join(dir, 'missing.txt'));
      assert.equal(noFile.status, 2);
      assert.match(noFile.stderr, /^ccpor: cannot read .*missing\.txt: ENOENT\n$/);
    });
  });
}
