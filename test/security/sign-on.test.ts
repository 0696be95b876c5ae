// Sign-on controls (ICD 6; CJIS AC-7, AC-8, AC-11, AC-12, SC-10, IA-2): lockout and its release, replies
// that do not tell a bad user name from a bad password, idle lock and close, and the system-use
// banner that the SSH console must have acknowledged before anything of the registry is reachable.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import ssh2 from 'ssh2';
import { after, afterEach, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import { DUMMY_HASH } from '../../db/passwords.ts';
import { addSshKey } from '../../db/ssh-keys.ts';
import { totpAt } from '../../src/session/totp.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { startSecurityService } from '../support/security-service.ts';
import { PASSWORD, SHERIFF_ORI, son, startTestService, type TestService } from '../support/service.ts';
import { openConsole, passwordAttempt } from '../support/ssh-client.ts';
import { TestTerminal } from '../support/terminal.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;
const backend = backends().at(-1)!; // PostgreSQL when DATABASE_URL is set, else the embedded registry
const MINUTE = 60_000;
const FAILED = ['REJ/AUT SIGN-ON FAILED'];
const LOCKED = ['REJ/LCK ACCOUNT LOCKED - CONTACT YOUR ADMINISTRATOR'];

/** Every byte a raw connection receives until `replies` replies have ended (ETX, or CR LF CR LF in line mode). */
function rawReplies(port: number, wire: string, replies: number, mode: 'framed' | 'line'): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from(wire, 'latin1')));
    let got = Buffer.alloc(0);
    const end = mode === 'framed' ? Buffer.from([0x03]) : Buffer.from('\r\n\r\n');
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`only ${got.length} bytes: ${got.toString('latin1')}`))), 10_000);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const out: Buffer[] = [];
      let from = 0;
      for (let i = got.indexOf(end, from); i >= 0; i = got.indexOf(end, from)) {
        out.push(got.subarray(from, i + end.length));
        from = i + end.length;
      }
      if (out.length >= replies) {
        clearTimeout(timer);
        s.destroy();
        resolve(out);
      }
    });
  });
}

/** A reply with its sequence number (columns 21-26) and time (28-41) blanked: all else must match byte for byte. */
function withoutSeqAndTime(reply: Buffer, mode: 'framed' | 'line'): Buffer {
  const b = Buffer.from(reply);
  const col1 = mode === 'framed' ? 1 : 0; // after the STX
  b.fill('#', col1 + 20, col1 + 26);
  b.fill('#', col1 + 27, col1 + 41);
  return b;
}

describe(`sign-on controls on ${backend.name}`, () => {
  let t: TestService;
  const terminals: TestTerminal[] = [];
  const connect = async () => {
    const term = await TestTerminal.connect(t.tcp);
    terminals.push(term);
    return term;
  };
  const sheriffKey = ssh2.utils.generateKeyPairSync('ed25519'); // consoles sign in by key: no scrypt to wait for

  before(async () => {
    t = await startSecurityService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    await addSshKey(t.service.registry.db, 'SHERIFF1', sheriffKey.public);
    await addUser(t.service.registry.db, { name: 'ADMIN2', role: 'ADMIN', ori: COURT, password: PASSWORD });
  });
  // Terminals left signed on would take the traffic and the idle sweeps of later tests.
  afterEach(() => {
    for (const term of terminals.splice(0)) term.close();
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  test('AC-7: five consecutive failures in 15 minutes lock the user on every transport, past any time, until an ADMIN of its agency sends ULK', async () => {
    const db = t.service.registry.db;
    await addUser(db, { name: 'LOCKME1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    let term = await connect();
    for (let i = 1; i <= 5; i++) {
      t.clock.advance(3 * MINUTE); // five failures over 12 minutes
      assert.deepEqual((await term.send(`SON.${POLICE}.USR/LOCKME1.PWD/Guess-Number-${i}`)).body, FAILED, `failure ${i} answers AUT`);
    }
    assert.deepEqual((await term.send(`SON.${POLICE}.USR/LOCKME1.PWD/${PASSWORD}`)).body, LOCKED, 'the right password after five failures');
    assert.equal((await passwordAttempt(t.service.ports.ssh!, 'lockme1', PASSWORD)).accepted, false, 'SSH let a locked user in');

    t.clock.advance(24 * 60 * MINUTE); // CJIS v6.0 AC-7: no release by time
    term = await connect(); // the idle sweep closes the first one now
    assert.deepEqual((await term.send(`SON.${POLICE}.USR/LOCKME1.PWD/${PASSWORD}`)).body, LOCKED, 'released by time');

    const otherAgency = await connect();
    assert.equal((await otherAgency.send(`SON.${COURT}.USR/ADMIN2.PWD/${PASSWORD}`)).status, 'ACK');
    assert.match((await otherAgency.send(`ULK.${COURT}.USR/LOCKME1`)).body[0]!, /^REJ\/PRM /, 'an ADMIN of another agency released the user');
    assert.deepEqual((await term.send(`SON.${POLICE}.USR/LOCKME1.PWD/${PASSWORD}`)).body, LOCKED);

    const admin = await connect();
    assert.equal((await admin.send(son('ADMIN'))).status, 'ACK');
    assert.deepEqual((await admin.send(`ULK.${POLICE}.USR/LOCKME1`)).body, ['USR/LOCKME1 UNLOCKED']);
    assert.equal((await term.send(`SON.${POLICE}.USR/LOCKME1.PWD/${PASSWORD}`)).status, 'ACK', 'released user cannot sign on');

    // What an auditor reads: every attempt, the lock and the release.
    await t.service.audit.flush();
    const { rows } = await db.query<{ user_name: string; mke: string; outcome: string }>(
      `SELECT user_name, mke, outcome FROM audit_log WHERE user_name = 'LOCKME1' OR fields->>'USR' = 'LOCKME1' ORDER BY id`,
    );
    assert.deepEqual(rows.map((r) => `${r.user_name} ${r.mke} ${r.outcome}`), [
      ...Array(5).fill('LOCKME1 SON REJ AUT'),
      'LOCKME1 SON REJ LCK',
      'LOCKME1 SON REJ LCK', // over SSH
      'LOCKME1 SON REJ LCK',
      'ADMIN2 ULK REJ PRM',
      'LOCKME1 SON REJ LCK',
      'ADMIN1 ULK ACK',
      'LOCKME1 SON ACK',
    ]);
  });

  test('AC-7: only consecutive failures within 15 minutes count: older ones and a success end the run', async () => {
    await addUser(t.service.registry.db, { name: 'SLOWTYPE1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    const term = await connect();
    const fail = async (n: number) => {
      for (let i = 0; i < n; i++) {
        t.clock.advance(1_000); // the test clock stands still otherwise; people take a moment to retype
        assert.deepEqual((await term.send(`SON.${POLICE}.USR/SLOWTYPE1.PWD/Not-It-${i}`)).body, FAILED);
      }
    };
    await fail(4);
    t.clock.advance(15 * MINUTE + 1_000); // the four are now older than 15 minutes
    await fail(1);
    assert.equal((await term.send(`SON.${POLICE}.USR/SLOWTYPE1.PWD/${PASSWORD}`)).status, 'ACK', 'failures older than 15 minutes counted');
    await fail(4); // 1, a success, 4: never five in a row
    assert.equal((await term.send(`SON.${POLICE}.USR/SLOWTYPE1.PWD/${PASSWORD}`)).status, 'ACK', 'a success did not end the run');
  });

  test('ICD 6: an unknown user and a wrong password (or code) get byte-identical replies, over TCP and SSH', async () => {
    const db = t.service.registry.db;
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await addUser(db, { name: 'SAMEREPLY1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    await addUser(db, { name: 'SAMEREPLY2', role: 'OFFICER', ori: POLICE, password: PASSWORD, totpSecret: secret });
    const wrongCode = totpAt(secret, new Date(t.clock.now().getTime() - 10 * MINUTE));
    const attempts = [
      `SON.${POLICE}.USR/NOSUCHUSER7.PWD/${PASSWORD}.CTL/X1`, // unknown user
      `SON.${POLICE}.USR/SAMEREPLY1.PWD/Wrong-Horse-7.CTL/X1`, // wrong password
      `SON.${POLICE}.USR/SAMEREPLY2.PWD/${PASSWORD}.CTL/X1`, // right password, code missing
      `SON.${POLICE}.USR/SAMEREPLY2.PWD/${PASSWORD}.OTP/${wrongCode}.CTL/X1`, // right password, stale code
    ];
    for (const mode of ['framed', 'line'] as const) {
      const wire = attempts.map((a) => (mode === 'framed' ? `\x02${a}\x03` : `${a}\r\n`)).join('');
      const replies = (await rawReplies(t.tcp, wire, attempts.length, mode)).map((r) => withoutSeqAndTime(r, mode));
      const first = replies[0]!.toString('latin1');
      assert.match(first, /^\x02?SON  REJ            ###### ############## X1\r\nREJ\/AUT SIGN-ON FAILED(\x03|\r\n\r\n)$/, mode);
      for (const [i, r] of replies.entries()) assert.equal(r.toString('latin1'), first, `${mode}: attempt ${i + 1} differs from an unknown user's`);
    }
    // SSH: the same USERAUTH_FAILURE (methods offered, no partial success) for both.
    const unknown = await passwordAttempt(t.service.ports.ssh!, 'nosuchuser7', PASSWORD);
    const wrong = await passwordAttempt(t.service.ports.ssh!, 'samereply1', 'Wrong-Horse-7');
    assert.equal(unknown.accepted, false);
    assert.deepEqual(unknown, wrong);
    // The same work (not timed here): an unknown user is checked against a hash of the real cost.
    const { rows } = await db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE name = 'SAMEREPLY1'`);
    const cost = (h: string) => h.split('$').slice(0, 4).join('$') + `$${Buffer.from(h.split('$')[5]!, 'base64').length}`;
    assert.equal(cost(DUMMY_HASH), cost(rows[0]!.password_hash), 'unknown users are checked against a cheaper hash');
  });

  test('IA-2(8): a one-time code signs on once; the same code again is refused (replay)', async () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    await addUser(t.service.registry.db, { name: 'REPLAYED1', role: 'OFFICER', ori: POLICE, password: PASSWORD, totpSecret: secret });
    const code = totpAt(secret, t.clock.now());
    const first = await connect();
    assert.equal((await first.send(`SON.${POLICE}.USR/REPLAYED1.PWD/${PASSWORD}.OTP/${code}`)).status, 'ACK');
    const eavesdropper = await connect(); // saw the password and the code go by
    t.clock.advance(10_000); // the same 30-second step
    assert.deepEqual((await eavesdropper.send(`SON.${POLICE}.USR/REPLAYED1.PWD/${PASSWORD}.OTP/${code}`)).body, FAILED);
  });

  test('AC-11, AC-12, SC-10: 30 idle minutes lock the session (only SON, nothing shown); 60 close the connection', async () => {
    const a = await connect(); // will be woken by the user after the lock
    const b = await connect(); // left alone
    assert.equal((await a.send(son('OFFICER'))).status, 'ACK');
    assert.equal((await b.send(son('DISPATCHER'))).status, 'ACK');
    const quiet = async (...terms: TestTerminal[]) => {
      await new Promise((r) => setTimeout(r, 150));
      for (const x of terms) if (x.unread) assert.fail(`something arrived: ${(await x.next()).lines.join(' | ')}`);
    };

    t.clock.advance(30 * MINUTE - 1_000);
    t.service.sessions.sweep();
    await quiet(a, b);
    t.clock.advance(1_000);
    t.service.sessions.sweep();
    for (const x of [a, b]) assert.deepEqual((await x.next()).lines.slice(1), ['SESSION LOCKED AFTER INACTIVITY - SIGN ON AGAIN (SON)']);
    assert.deepEqual((await a.send(`QPO.${POLICE}.PNO/PO0000000018`)).body, ['REJ/AUT SESSION LOCKED - SIGN ON AGAIN']);

    // Traffic for the ORI does not show on a locked screen; it waits for the SON that unlocks.
    const clerk = await connect();
    await clerk.send(son('CLERK'));
    assert.deepEqual((await clerk.send(`AM.${COURT}.DES/${POLICE}.MIS/FOR THE LOCKED TERMINAL`)).body, [`DES/${POLICE} KEPT FOR THE NEXT TERMINAL OF THAT ORI`]);
    await quiet(a, b);
    assert.equal((await a.send(son('OFFICER'))).status, 'ACK');
    assert.match((await a.next()).lines.join('\n'), /^AM   MSG  CA0194200[\s\S]*MIS\/FOR THE LOCKED TERMINAL/);

    t.clock.advance(30 * MINUTE - 1_000); // b: 60 minutes less a second without traffic
    t.service.sessions.sweep();
    await quiet(b);
    assert.equal(b.closed, false);
    t.clock.advance(1_000);
    t.service.sessions.sweep();
    assert.deepEqual((await b.next()).lines.slice(1), ['CONNECTION CLOSED AFTER INACTIVITY']);
    await b.closedPromise;
    assert.match((await a.next()).lines[1]!, /SESSION LOCKED/, 'a, active 30 minutes ago, is locked again, not closed');
    assert.equal(a.closed, false);
  });

  test('AC-8: the system-use notification comes before authentication; the console reaches nothing until it is acknowledged', async () => {
    const db = t.service.registry.db;
    const acknowledged = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'SHERIFF1' AND mke = 'SON' AND fields->>'METHOD' LIKE '%BANNER ACKNOWLEDGED'`)).rows[0]!.n;
    const ssh = t.service.ports.ssh!;
    const screen = await openConsole(ssh, { username: 'sheriff1', privateKey: sheriffKey.private, term: 'xterm' });
    try {
      assert.ok(screen.banner?.beforeReady, 'no banner before authentication');
      const banner = screen.banner!.text.replace(/\s+/g, ' ');
      for (const part of ['RESTRICTED', 'MONITORED, RECORDED AND AUDITED', 'UNAUTHORIZED USE IS PROHIBITED', 'CRIMINAL AND CIVIL PENALTIES', 'CONSENT']) {
        assert.ok(banner.includes(part), `the SSH banner lacks "${part}": ${banner}`);
      }
      await screen.waitFor(/I ACKNOWLEDGE/);
      assert.match(screen.text(), /MONITORED, RECORDED AND AUDITED/);
      // Keys that do things on a signed-on console: inquiry (F2), messages (F4), sign-off (F10), typing.
      screen.write('\x1bOQ');
      screen.write('\x1b[14~');
      screen.write('\x1b[21~');
      screen.write('QPO\t19800101');
      await new Promise((r) => setTimeout(r, 300));
      const officer = await connect();
      await officer.send(son('OFFICER'));
      assert.deepEqual((await officer.send(`AM.${POLICE}.DES/${SHERIFF_ORI}.MIS/WHO IS THERE`)).body, [`DES/${SHERIFF_ORI} KEPT FOR THE NEXT TERMINAL OF THAT ORI`],
        'the console was signed on for its ORI before the banner was acknowledged');
      await t.service.audit.flush();
      assert.equal(await acknowledged(), 0);
      assert.doesNotMatch(screen.text(), /SIGNED ON SHERIFF1|NEW AM|QPO|19800101/, 'keys before the acknowledgement reached the console');

      screen.write('Y');
      await screen.waitFor(/SIGNED ON SHERIFF1 SHERIFF/);
      await screen.waitFor(/NEW AM MSG/); // the message kept for the ORI arrives only now
      await t.service.audit.flush();
      assert.equal(await acknowledged(), 1);
    } finally {
      screen.end();
    }

    // Declining the banner ends the session without a sign-on.
    const declined = await openConsole(ssh, { username: 'sheriff1', privateKey: sheriffKey.private, term: 'vt220' });
    await declined.waitFor(/I ACKNOWLEDGE/);
    declined.write('N');
    await declined.exit;
    await t.service.audit.flush();
    assert.equal(await acknowledged(), 1, 'a declined banner signed the console on');
  });

  // Last: on the embedded registry the service stops so that the CLI can open it.
  test('AC-7: an operator releases a locked user with `ccpor user unlock`', async () => {
    await addUser(t.service.registry.db, { name: 'LOCKME2', role: 'DISPATCHER', ori: POLICE, password: PASSWORD });
    const term = await connect();
    for (let i = 0; i < 5; i++) await term.send(`SON.${POLICE}.USR/LOCKME2.PWD/Guess-${i}`);
    assert.deepEqual((await term.send(`SON.${POLICE}.USR/LOCKME2.PWD/${PASSWORD}`)).body, LOCKED);

    const embedded = !t.config.databaseUrl;
    if (embedded) await t.stop(); // one process at a time on an embedded registry
    const env = { ...process.env, DATABASE_URL: t.config.databaseUrl ?? '', REDIS_URL: '', CCPOR_DATA_DIR: t.config.dataDir, LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json' as const };
    const r = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'user', 'unlock', '--name', 'lockme2'], { env, timeout: 60_000 }, (err, out, errOut) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, out, err: errOut })),
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'user LOCKME2 unlocked\n');
    if (embedded) t = await startTestService(backend, { registryOf: t });
    const again = await connect();
    assert.equal((await again.send(`SON.${POLICE}.USR/LOCKME2.PWD/${PASSWORD}`)).status, 'ACK');
  });
});
