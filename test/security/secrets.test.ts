// Authenticators (CJIS IA-5) and what the logs and the audit trail keep (AU-3, AU-9, ICD 6: "never
// PWD/OTP"): passwords stored as salted scrypt hashes and nowhere as text, common passwords refused
// by `ccpor user add`, and no password or one-time code in a log line, an audit entry or any table
// after sign-ons right and wrong, with and without a code, over TCP and SSH.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import { passwordProblem } from '../../db/passwords.ts';
import { totpAt } from '../../src/session/totp.ts';
import { backends } from '../support/backends.ts';
import { POLICE } from '../support/fixtures.ts';
import { captureLog } from '../support/log-capture.ts';
import { freePort } from '../support/redis-server.ts';
import { embeddedDataDir, startSecurityService } from '../support/security-service.ts';
import { PASSWORD, son, type TestService } from '../support/service.ts';
import { signOnOverSsh } from '../support/ssh-client.ts';
import { TestTerminal } from '../support/terminal.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;
const backend = backends().at(-1)!;
const OTP_SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

/** Every row of every table, as text: where a secret must not be. */
async function everyRow(db: Database): Promise<string> {
  const { rows: tables } = await db.query<{ t: string }>(
    `SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  let text = '';
  for (const { t } of tables) text += (await db.query<{ r: string }>(`SELECT x::text AS r FROM ${t} x`)).rows.map((r) => r.r).join('\n') + '\n';
  return text;
}

/** Where `secret` occurs in `text` (digits: not as part of a longer number, such as a time in ms). */
const occurs = (text: string, secret: string) =>
  /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text) : text.includes(secret);

describe(`authenticators and secrets on ${backend.name}`, () => {
  let t: TestService;
  const captured = captureLog(); // the service's own pino logger, at debug level, with its redaction
  before(async () => {
    t = await startSecurityService(backend, { log: captured.log, env: { CCPOR_SSH_PORT: String(await freePort()) } });
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  test('IA-5: passwords are kept only as salted scrypt hashes (a key-derivation function), never as text', async () => {
    const db = t.service.registry.db;
    const same = 'Same-Secret-Horse-42';
    await addUser(db, { name: 'HASHED1', role: 'OFFICER', ori: POLICE, password: same });
    await addUser(db, { name: 'HASHED2', role: 'OFFICER', ori: POLICE, password: same });
    const { rows } = await db.query<{ name: string; password_hash: string }>(`SELECT name, password_hash FROM users ORDER BY name`);
    assert.ok(rows.length >= 8);
    for (const { name, password_hash: stored } of rows) {
      const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/.exec(stored);
      assert.ok(m, `${name}: not an scrypt hash: ${stored.slice(0, 20)}...`);
      const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const salt = Buffer.from(m[4]!, 'base64');
      const key = Buffer.from(m[5]!, 'base64');
      assert.ok(N >= 2 ** 15 && r >= 8 && p >= 1, `${name}: work factor too low (N=${N} r=${r} p=${p})`);
      assert.ok(salt.length >= 16 && key.length >= 32, `${name}: salt ${salt.length} bytes, key ${key.length} bytes`);
      // Recomputed here with node:crypto, not with our code: it is scrypt of the password.
      const password = name.startsWith('HASHED') ? same : PASSWORD;
      assert.deepEqual(scryptSync(password, salt, key.length, { N, r, p, maxmem: 256 * N * r }), key, `${name}: the hash is not scrypt of the password`);
    }
    const [h1, h2] = ['HASHED1', 'HASHED2'].map((n) => rows.find((r) => r.name === n)!.password_hash);
    assert.notEqual(h1, h2, 'the same password gave the same hash: no salt');
    const everything = await everyRow(db);
    for (const [what, text] of [['text', same], ['base64', Buffer.from(same).toString('base64')], ['hex', Buffer.from(same).toString('hex')]]) {
      assert.ok(!everything.includes(text!), `the password is in the database as ${what}`);
    }
  });

  test('IA-5: `ccpor user add` refuses a password on the list of common passwords, with a clear message', async () => {
    // On the embedded registry the CLI works on a copy: the service holds the original.
    const copy = t.config.databaseUrl ? undefined : await embeddedDataDir();
    const env = {
      ...process.env, REDIS_URL: '', LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json' as const,
      DATABASE_URL: t.config.databaseUrl ?? '', CCPOR_DATA_DIR: copy ?? t.config.dataDir,
    };
    // 'password123' is on the list; its case does not save it.
    const r = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'user', 'add', '--name', 'clerk9', '--role', 'CLERK', '--ori', 'CA019015J', '--password', 'Password123'], { env, timeout: 60_000 },
        (err, out, errOut) => resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errOut })));
    assert.equal(r.code, 1);
    assert.equal(r.err, 'ccpor: password is on the list of commonly used passwords\n');
    assert.equal(r.out, '');
    // Nothing was created (on the embedded registry the copy goes unread: opening PGlite again costs seconds).
    if (!copy) assert.deepEqual((await t.service.registry.db.query(`SELECT name FROM users WHERE name = 'CLERK9'`)).rows, [], 'the refused user was created');
  });

  test('IA-5: passwords found at the top of public breach lists, and their usual variants, are refused', () => {
    const common = ['Password123!', 'P@ssword1', 'P@55w0rd', 'Qwerty123!', 'Qwerty1!', 'Welcome@123', 'Admin@123', 'abc123456', '123qweasd', 'Summer2025!', 'michael1', 'shadow12'];
    const accepted = common.filter((p) => passwordProblem(p, 'CLERK9') === undefined);
    assert.deepEqual(accepted, []);
    assert.match(passwordProblem('Summer2025!', 'CLERK9')!, /too easy to guess/);
    // Not a refuse-everything rule: passwords of unrelated words pass.
    const fine = ['Correct-Horse-7', 'Granite-Otter-Lamp-31', 'Bench-Clerk-Terminal-7'];
    assert.deepEqual(fine.filter((p) => passwordProblem(p, 'CLERK9') !== undefined), []);
  });

  test('AU-3, AU-9: no password or one-time code reaches a log line, the audit trail or any table (TCP and SSH, right and wrong, with and without a code)', async () => {
    const db = t.service.registry.db;
    await addUser(db, { name: 'SECRETIVE', role: 'OFFICER', ori: POLICE, password: PASSWORD, totpSecret: OTP_SECRET });
    const rightCode = totpAt(OTP_SECRET, t.clock.now());
    const staleCode = totpAt(OTP_SECRET, new Date(t.clock.now().getTime() - 3_600_000));
    const codes = [rightCode];
    const lineCode = () => {
      codes.push(totpAt(OTP_SECRET, t.clock.now()));
      return codes.at(-1)!;
    };
    const wrong = ['Wrong-Secret-41', 'Typo-Secret-77', 'Ssh-Wrong-Secret-5', 'Long-Secret-88', 'Broken-Frame-Secret-3'];
    const usr = `SON.${POLICE}.USR/SECRETIVE`;

    const term = await TestTerminal.connect(t.tcp);
    const line = await TestTerminal.connect(t.tcp, { mode: 'line' });
    try {
      assert.equal((await term.send(`${usr}.PWD/${wrong[0]}.OTP/${rightCode}`)).body[0], 'REJ/AUT SIGN-ON FAILED');
      assert.equal((await term.send(`${usr}.PWD/${PASSWORD}`)).body[0], 'REJ/AUT SIGN-ON FAILED'); // code missing
      assert.equal((await term.send(`${usr}.PWD/${PASSWORD}.OTP/${staleCode}`)).body[0], 'REJ/AUT SIGN-ON FAILED');
      assert.equal((await term.send(`${usr}.PWD/${PASSWORD}.OTP/${rightCode}`)).status, 'ACK');
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
      // Refused by the parser or the framer with the password in the text.
      assert.equal((await term.send(`${usr}.PWD/${wrong[1]}.XYZ/1`)).body[0], 'REJ/FLD XYZ UNKNOWN TAG');
      term.writeRaw(`\x02${usr}.PWD/${wrong[3]}.MIS/${'X'.repeat(4_100)}\x03`);
      assert.match((await term.next()).body[0]!, /^REJ\/LEN /);
      term.writeRaw(`\x02${usr}.PWD/${wrong[4]}\x02SOF.${POLICE}\x03`);
      assert.match((await term.next()).body[0]!, /^REJ\/FRM /);
      await term.next();
      // Line mode, lower case (PWD and OTP values are taken as sent). A code counts once (IA-2(8)):
      // the next sign-on needs the next one.
      t.clock.advance(30_000);
      assert.equal((await line.send(`son.${POLICE.toLowerCase()}.usr/secretive.pwd/${PASSWORD}.otp/${lineCode()}`)).status, 'ACK');
    } finally {
      term.close();
      line.close();
    }
    const ssh = t.service.ports.ssh!;
    t.clock.advance(30_000);
    const sshCode = totpAt(OTP_SECRET, t.clock.now());
    assert.equal(await signOnOverSsh(ssh, { username: 'secretive', password: PASSWORD, otp: sshCode }), true, 'SSH: password, then code');
    assert.equal(await signOnOverSsh(ssh, { username: 'secretive', password: PASSWORD, otp: staleCode, keyboard: true }), false, 'SSH: stale code');
    assert.equal(await signOnOverSsh(ssh, { username: 'secretive', password: wrong[2]! }), false, 'SSH: wrong password');
    assert.equal(await signOnOverSsh(ssh, { username: 'nosuchuser9', password: wrong[2]! }), false, 'SSH: unknown user');

    await t.service.audit.flush();
    const audit = JSON.stringify((await db.query(`SELECT * FROM audit_log ORDER BY id`)).rows);
    const logs = captured.lines().map((l) => JSON.stringify(l)).join('\n');
    const tables = (await everyRow(db)).replaceAll(OTP_SECRET, ''); // the secret itself is kept in users, by design
    assert.match(audit, /"outcome":"REJ AUT"[\s\S]*"outcome":"ACK"[\s\S]*"VIA":"SSH"/, 'the attempts are not on the audit trail');
    for (const secret of [PASSWORD, ...wrong, ...codes, sshCode, staleCode]) {
      for (const [where, text] of [['a log line', logs], ['the audit trail', audit], ['a table', tables]] as const) {
        assert.ok(!occurs(text, secret), `${secret} is in ${where}`);
      }
    }
    assert.ok(!occurs(logs, OTP_SECRET), 'the one-time code secret is in a log line');
  });

  test('AU-3: a SON that the parser refuses keeps its password out of the audit trail, however it was typed', async () => {
    const leaks = ['Lower-Case-Tag-1', 'Mixed-Case-Tag-2', 'After-A-Dot-3', 'No-Slash-4', 'Otp-Lower-5'];
    const term = await TestTerminal.connect(t.tcp);
    try {
      for (const text of [
        `son.${POLICE}.usr/secretive.pwd/${leaks[0]}.xyz/1`, // lower case: a valid way to write the tag
        `SON.${POLICE}.USR/SECRETIVE.PwD/${leaks[1]}.XYZ/1`,
        `SON.${POLICE}.USR/SECRETIVE.PWD/Typed.${leaks[2]}`, // a dot typed in the password
        `SON.${POLICE}.USR/SECRETIVE.PWD ${leaks[3]}`, // the slash forgotten
        `${son('OFFICER')}.otp/${leaks[4]}`,
      ]) assert.equal((await term.send(text)).status, 'REJ', text);
    } finally {
      term.close();
    }
    await t.service.audit.flush();
    const audit = JSON.stringify((await t.service.registry.db.query(`SELECT fields FROM audit_log ORDER BY id`)).rows);
    assert.deepEqual(leaks.filter((s) => audit.includes(s)), []);
  });
});
