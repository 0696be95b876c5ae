// `ccpor` as an operator uses it: exit codes, one-line reasons, and what each command leaves behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backends } from './support/backends.ts';

const BIN = new URL('../bin/ccpor.js', import.meta.url).pathname;

for (const backend of backends()) {
  describe(`ccpor on ${backend.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let dataDir: string;
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'ccpor-cli-'));
      env = { ...process.env, CCPOR_DATA_DIR: dataDir, LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json', REDIS_URL: '' };
      env.DATABASE_URL = backend.freshDatabaseUrl ? await backend.freshDatabaseUrl() : '';
    });
    after(async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await backend.cleanup();
    });

    const ccpor = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };

    test('migrate applies the schema once', () => {
      const first = ccpor('migrate');
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /applied migrations 0001/);
      const again = ccpor('migrate');
      assert.equal(again.code, 0);
      assert.equal(again.out.trim(), 'schema up to date');
    });

    test('agencies and users are added, with one-line reasons when refused', () => {
      assert.equal(ccpor('agency', 'add', '--ori', 'ca019015j', '--name', 'Los Angeles Superior Court', '--kind', 'court').code, 0);
      const dup = ccpor('agency', 'add', '--ori', 'CA019015J', '--name', 'X', '--kind', 'COURT');
      assert.equal(dup.code, 1);
      assert.equal(dup.err, 'ccpor: agency CA019015J already exists\n');
      const badOri = ccpor('agency', 'add', '--ori', 'CA01', '--name', 'X', '--kind', 'COURT');
      assert.equal(badOri.code, 2);
      assert.match(badOri.err, /^ccpor: --ori: an ORI is 2 letters and 7 letters or digits\n$/);

      const weak = ccpor('user', 'add', '--name', 'clerk7', '--role', 'CLERK', '--ori', 'CA019015J', '--password', 'password123');
      assert.equal(weak.code, 1);
      assert.equal(weak.err, 'ccpor: password is on the list of commonly used passwords\n');
      const short = ccpor('user', 'add', '--name', 'clerk7', '--role', 'CLERK', '--ori', 'CA019015J', '--password', 'Ab1!');
      assert.match(short.err, /at least 8 characters/);
      const noAgency = ccpor('user', 'add', '--name', 'clerk7', '--role', 'CLERK', '--ori', 'CA0000000', '--password', 'Tr1cky-Horse-Battery');
      assert.match(noAgency.err, /no agency CA0000000/);
      const ok = ccpor('user', 'add', '--name', 'clerk7', '--role', 'clerk', '--ori', 'CA019015J', '--password', 'Tr1cky-Horse-Battery');
      assert.equal(ok.code, 0, ok.err);
      assert.equal(ok.out, 'user CLERK7 added as CLERK of CA019015J\n');
      assert.ok(!ok.out.includes('Tr1cky') && !ok.err.includes('Tr1cky'), 'the password is never printed');
      const badRole = ccpor('user', 'add', '--name', 'x', '--role', 'SHERIF', '--ori', 'CA019015J', '--password', 'Tr1cky-Horse-Battery');
      assert.equal(badRole.code, 2);
    });

    test('user unlock releases a known user and refuses an unknown one', () => {
      assert.equal(ccpor('user', 'unlock', '--name', 'CLERK7').out, 'user CLERK7 unlocked\n');
      const unknown = ccpor('user', 'unlock', '--name', 'NOBODY');
      assert.equal(unknown.code, 2);
      assert.equal(unknown.err, 'ccpor: no user NOBODY\n');
    });

    test('user key add registers an SSH key with its fingerprint and refuses what is not one', () => {
      const key = join(dataDir, 'id_ed25519.pub');
      // A real ed25519 public key line; the fingerprint is the one `ssh-keygen -l` prints for it.
      writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl clerk7@court\n');
      const ok = ccpor('user', 'key', 'add', '--name', 'clerk7', '--file', key);
      assert.equal(ok.code, 0, ok.err);
      assert.equal(ok.out, 'ssh-ed25519 key SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU added for CLERK7\n');
      const again = ccpor('user', 'key', 'add', '--name', 'clerk7', '--file', key);
      assert.equal(again.code, 1);
      assert.match(again.err, /already registered for CLERK7/);
      writeFileSync(key, 'ssh-dss AAAAB3NzaC1kc3MAAACBAP clerk7\n');
      assert.match(ccpor('user', 'key', 'add', '--name', 'clerk7', '--file', key).err, /key type ssh-dss is not accepted/);
      writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq\n');
      assert.match(ccpor('user', 'key', 'add', '--name', 'clerk7', '--file', key).err, /damaged or truncated/);
      writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n');
      assert.equal(ccpor('user', 'key', 'add', '--name', 'nobody', '--file', key).err, 'ccpor: no user NOBODY\n');
      assert.equal(ccpor('user', 'key', 'add', '--name', 'clerk7', '--file', join(dataDir, 'missing.pub')).code, 2);
    });

    test('conflicts lists a court\'s open conflicts with the prevailing order marked', () => {
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' }).replaceAll('-', '');
      const orders = join(dataDir, 'conflicting.txt');
      const person = 'NAM/CONFLICTED, CLIVE.SEX/M.RAC/W.DOB/19810101';
      const protectedPerson = 'PPN/CONFLICTED, CARA.PSX/F.PPB/19830303';
      writeFileSync(orders, [
        `EPO.CA019015J.${person}.TYP/DVRO.OCA/CLI-1.ISD/${day(-10)}.EXP/${day(365)}.PCO/01 05.${protectedPerson}`,
        `EPO.CA019015J.${person}.TYP/CHRO.OCA/CLI-2.ISD/${day(-1)}.EXP/${day(365)}.PCO/01.${protectedPerson}`,
      ].join('\n') + '\n');
      const imported = ccpor('import', '--ori', 'CA019015J', '--file', orders);
      assert.equal(imported.code, 0, imported.err + imported.out);
      const pnos = [...imported.out.matchAll(/PNO\/(PO\d{10})/g)].map((m) => m[1]!);
      assert.equal(pnos.length >= 2, true, imported.out);
      const r = ccpor('conflicts', '--court', 'ca019015j');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^1 open conflict for CA019015J/);
      assert.match(r.out, /CONFLICTED, CLIVE: CONTACT/);
      assert.match(r.out, new RegExp(`\\* ${pnos[0]}  DVRO `), 'the no-contact order prevails');
      assert.match(r.out, new RegExp(`  ${pnos[1]}  CHRO `));
      assert.equal(ccpor('conflicts', '--court', 'CA037015J').out, 'no open conflicts for CA037015J\n');
    });

    test('unknown commands and flags are refused with a reason', () => {
      const r = ccpor('frobnicate');
      assert.equal(r.code, 2);
      assert.match(r.err, /unknown command 'frobnicate'/);
      assert.equal(ccpor('migrate', '--force').code, 2);
      assert.match(ccpor('help').out, /ccpor seed --orders N/);
    });

    test('seed loads orders and says how many', () => {
      const r = ccpor('seed', '--orders', '300', '--seed', '7', '--as-of', '20260615');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^seeded 300 orders/);
      assert.equal(ccpor('seed', '--orders', '0').code, 2);
      assert.equal(ccpor('seed', '--orders', '10', '--as-of', '20261399').code, 2);
    });
  });
}

test('a bad environment is refused with a reason', () => {
  const r = spawnSync(process.execPath, [BIN, 'migrate'], { env: { ...process.env, CCPOR_TCP_PORT: 'abc' }, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ccpor: bad environment: CCPOR_TCP_PORT/);
});
