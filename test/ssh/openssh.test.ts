// The SSH listener with a real OpenSSH client (ICD 1, 6): public-key and password sign-on,
// `exec clets` answering a HIT in line mode, the lockout over SSH, the one-time code as a second
// step, only strong algorithms, terminal names outside the allow-list refused, the host key kept.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import { addSshKey } from '../../db/ssh-keys.ts';
import { silentLogger } from '../../src/log.ts';
import { loadHostKey } from '../../src/ssh/host-key.ts';
import { totpAt } from '../../src/session/totp.ts';
import { backends } from '../support/backends.ts';
import { CLERK, entry, POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { PASSWORD, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const hasSsh = spawnSync('ssh', ['-V']).status === 0;
const backend = backends().at(-1)!;
// The login grace time of the service under test: short enough for its own test, long enough that
// six wrong passwords (each a full-cost scrypt of the dummy hash) fit in it on a loaded machine —
// at 2 s the grace time cut the six-attempt test short when files ran side by side.
const GRACE_S = 6;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(`ssh with OpenSSH on ${backend.name}`, { skip: !hasSsh && 'no OpenSSH client (.ci/run installs openssh-client)' }, () => {
  let t: TestService;
  let dir: string;
  let key: string;
  let pno: string;

  const ssh = (user: string, args: string[], o: { input?: string; password?: string; env?: Record<string, string> } = {}): Promise<Run> => {
    const auth = o.password !== undefined
      ? ['-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1']
      : ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey', '-o', 'BatchMode=yes'];
    let env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, ...o.env };
    if (o.password !== undefined) {
      const askpass = join(dir, `askpass-${Math.random().toString(36).slice(2)}`);
      writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${o.password.replace(/'/g, `'\\''`)}'\n`, { mode: 0o700 });
      env = { ...env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
    }
    const argv = [
      '-p', String(t.service.ports.ssh), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
      '-o', 'ConnectTimeout=10', ...auth, `${user}@127.0.0.1`, ...args,
    ];
    return new Promise((resolve) => {
      const child = execFile('ssh', argv, { env, timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end(o.input ?? '');
    });
  };

  before(async () => {
    t = await startTestService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()), CCPOR_SSH_LOGIN_GRACE_SECONDS: String(GRACE_S) } });
    dir = mkdtempSync(join(tmpdir(), 'ccpor-ssh-'));
    key = join(dir, 'id_ed25519');
    assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'officer1@mdt', '-f', key]).status, 0);
    await addSshKey(t.service.registry.db, 'officer1', readFileSync(`${key}.pub`, 'utf8'));
    const e = await t.service.registry.enterOrder(entry({ restrained: { name: 'SSHTEST, KEYED', dob: '19810203' } }), CLERK);
    pno = e.pno;
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('exec clets with a registered key: line mode, signed on as the SSH user, a HIT for a QPO', async () => {
    const r = await ssh('officer1', ['clets'], { input: `QPO.${POLICE}.PNO/${pno}.CTL/K1\nQPO.${POLICE}.NAM/SSHTEST, KEYED.DOB/19810203\n` });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\r\n');
    assert.match(lines[0]!, new RegExp(`^QPO  HIT  ${POLICE} 000001 \\d{14} K1$`));
    assert.match(lines[1]!, /^DO NOT ARREST OR DETAIN ON THIS RECORD ALONE/);
    assert.match(r.stdout, new RegExp(`01 PNO/${pno} `));
    assert.match(r.stdout, /QPO  HIT  CA0194200 000002 .*\r\n[\s\S]*MAT\/E/, 'the second inquiry answered too, in order');
    assert.ok(!r.stdout.includes('\x02'), 'line mode: no STX/ETX');
  });

  test('exec clets with a password; a role rule still applies (REJ PRM), and only clets is offered', async () => {
    const r = await ssh('officer1', ['clets'], { password: PASSWORD, input: `ULK.${POLICE}.USR/DISPATCH1\nQPO.${POLICE}.PNO/${pno}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ULK  REJ  CA0194200 000001 \d{14}\s*\r\nREJ\/PRM ULK NOT PERMITTED FOR ROLE OFFICER\r\n/);
    assert.match(r.stdout, /QPO  HIT  CA0194200 000002/);
    const other = await ssh('officer1', ['ls', '-la'], { password: PASSWORD });
    assert.equal(other.code, 127);
    assert.match(other.stderr, /the only command is 'clets'/);
  });

  test('the key of another user, or a wrong password, gets nowhere', async () => {
    const wrongUser = await ssh('clerk1', ['clets'], { input: `QPO.${POLICE}.PNO/${pno}\n` });
    assert.equal(wrongUser.code, 255);
    assert.match(wrongUser.stderr, /Permission denied/);
    assert.equal(wrongUser.stdout, '', 'nothing of the registry before sign-on');
    const wrongPassword = await ssh('dispatch1', ['clets'], { password: 'not-the-password', input: `QPO.${POLICE}.PNO/${pno}\n` });
    assert.equal(wrongPassword.code, 255);
    assert.equal(wrongPassword.stdout, '');
  });

  test('lockout over SSH: five wrong passwords lock the user everywhere; the right one then fails too', async () => {
    await addUser(t.service.registry.db, { name: 'SSHLOCK', role: 'DISPATCHER', ori: POLICE, password: PASSWORD });
    for (let i = 0; i < 5; i++) assert.equal((await ssh('sshlock', ['clets'], { password: `Wrong-Pass-${i}` })).code, 255);
    const right = await ssh('sshlock', ['clets'], { password: PASSWORD, input: `QPO.${POLICE}.PNO/${pno}\n` });
    assert.equal(right.code, 255, 'a locked user is let in');
    assert.equal(right.stdout, '');
    const term = await TestTerminal.connect(t.tcp);
    try {
      const r = await term.send(`SON.${POLICE}.USR/SSHLOCK.PWD/${PASSWORD}`);
      assert.deepEqual(r.body, ['REJ/LCK ACCOUNT LOCKED - CONTACT YOUR ADMINISTRATOR']);
    } finally {
      term.close();
    }
    await t.service.audit.flush();
    const audited = await t.service.registry.db.query<{ outcome: string; fields: Record<string, string> }>(
      `SELECT outcome, fields FROM audit_log WHERE user_name = 'SSHLOCK' ORDER BY id`,
    );
    const ssh6 = audited.rows.filter((r) => r.fields.VIA === 'SSH').map((r) => r.outcome);
    assert.deepEqual(ssh6, ['REJ AUT', 'REJ AUT', 'REJ AUT', 'REJ AUT', 'REJ AUT', 'REJ LCK']);
    assert.ok(!JSON.stringify(audited.rows).includes(PASSWORD), 'a password reached the audit trail');
  });

  test('a user with a one-time code secret needs it after the password (keyboard-interactive)', async () => {
    const secret = 'JBSWY3DPEHPK3PXP';
    await addUser(t.service.registry.db, { name: 'SSHOTP', role: 'OFFICER', ori: POLICE, password: PASSWORD, totpSecret: secret });
    const code = totpAt(secret, t.clock.now());
    // The askpass program answers every prompt: the password, then the code, by prompt text.
    const askpass = join(dir, 'askpass-otp');
    writeFileSync(askpass, `#!/bin/sh\ncase "$1" in *ne-time*) echo ${code};; *) echo '${PASSWORD}';; esac\n`, { mode: 0o700 });
    const run = (script: string) =>
      new Promise<Run>((resolve) => {
        const child = execFile('ssh', [
          '-p', String(t.service.ports.ssh), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
          '-o', 'PreferredAuthentications=keyboard-interactive,password', '-o', 'PubkeyAuthentication=no', 'sshotp@127.0.0.1', 'clets',
        ], { env: { PATH: process.env.PATH ?? '', HOME: dir, SSH_ASKPASS: script, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? 255 : 0, stdout, stderr }));
        child.stdin!.end(`QPO.${POLICE}.PNO/${pno}\n`);
      });
    const ok = await run(askpass);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /QPO  HIT/);
    const noCode = join(dir, 'askpass-nocode');
    writeFileSync(noCode, `#!/bin/sh\ncase "$1" in *ne-time*) echo 000000;; *) echo '${PASSWORD}';; esac\n`, { mode: 0o700 });
    const refused = await run(noCode);
    assert.equal(refused.code, 255);
    assert.equal(refused.stdout, '');
  });

  test('only strong algorithms: CBC ciphers, SHA-1 key exchange and RSA host keys are refused', async () => {
    for (const opt of ['Ciphers=aes128-cbc', 'KexAlgorithms=diffie-hellman-group14-sha1', 'HostKeyAlgorithms=rsa-sha2-256', 'MACs=hmac-sha1']) {
      const probe = await new Promise<Run>((resolve) =>
        execFile('ssh', ['-p', String(t.service.ports.ssh), '-o', opt, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
          '-i', key, '-o', 'IdentitiesOnly=yes', 'officer1@127.0.0.1', 'clets'], { env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 20_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? 255 : 0, stdout, stderr })),
      );
      assert.equal(probe.code, 255, `${opt} was accepted`);
      assert.match(probe.stderr, /no matching|Unable to negotiate/i, `${opt}: ${probe.stderr}`);
    }
    const strong = await ssh('officer1', ['-o', 'Ciphers=aes256-gcm@openssh.com', '-o', 'KexAlgorithms=curve25519-sha256', 'clets'], { input: `QPO.${POLICE}.PNO/${pno}\n` });
    assert.equal(strong.code, 0, strong.stderr);
  });

  test('a terminal name outside the allow-list never reaches the console; no pty → told to use -t', async () => {
    const bad = await ssh('officer1', ['-tt'], { env: { TERM: '../../tmp/evil' }, input: '' });
    assert.match(bad.stdout + bad.stderr, /terminal type '\.\.\/\.\.\/tmp\/evil' is not supported/);
    const noPty = await ssh('officer1', ['-T'], { input: '' });
    assert.match(noPty.stderr, /needs a terminal/);
  });

  test('a client that does not authenticate within the grace time is disconnected', async () => {
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(t.service.ports.ssh!, '127.0.0.1', () => s.write('SSH-2.0-Idle_1.0\r\n'));
      s.on('data', () => {});
      s.on('error', () => {});
      s.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    assert.ok(closed, 'still connected after 10 s');
    assert.ok(Date.now() - started >= GRACE_S * 1000 - 500, 'cut before the grace time');
  });

  test('a connection is cut after six failed attempts (ssh2 would allow any number)', async () => {
    await t.service.audit.flush();
    const before = await t.service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'NOSUCHUSER'`);
    const r = await ssh('nosuchuser', ['clets'], { password: 'Wrong-Every-Time', env: {} }).then(async () =>
      // One client, up to ten prompts: the server hangs up after the sixth failure.
      new Promise<Run>((resolve) => {
        const askpass = join(dir, 'askpass-wrong');
        writeFileSync(askpass, `#!/bin/sh\necho Wrong-Every-Time\n`, { mode: 0o700 });
        execFile('ssh', ['-p', String(t.service.ports.ssh), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
          '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=10', 'nosuchuser@127.0.0.1', 'clets'],
        { env: { PATH: process.env.PATH ?? '', HOME: dir, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? 255 : 0, stdout, stderr }));
      }));
    assert.equal(r.code, 255);
    await t.service.audit.flush();
    const after = await t.service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'NOSUCHUSER'`);
    assert.equal(after.rows[0]!.n - before.rows[0]!.n, 1 + 6, 'one attempt by the first client, six by the second, then cut');
  });

  test('the host key is made once (mode 0600) and kept across starts', () => {
    const d = mkdtempSync(join(tmpdir(), 'ccpor-hostkey-'));
    try {
      const first = loadHostKey(d, silentLogger);
      const file = join(d, 'ssh', 'ssh_host_ed25519_key');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(first, /BEGIN OPENSSH PRIVATE KEY/);
      assert.equal(loadHostKey(d, silentLogger), first);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
