// The console over SSH as a dispatcher meets it: a real OpenSSH client in tmux, keys in with
// send-keys, the screen back with capture-pane. Key sign-on, banner, acknowledgement (which signs
// the protocol session on), a HIT with the caveat, an AM while typing, a resize, and F10 ending
// the SSH session with status 0.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { addSshKey } from '../../db/ssh-keys.ts';
import { CAVEAT } from '../../protocol/index.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, entry, POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const run = promisify(execFile);
const SOCKET = `ccpor-ssh-console-${process.pid}`;
const backend = backends().at(-1)!;
const usable = spawnSync('ssh', ['-V']).status === 0 && spawnSync('tmux', ['-V']).status === 0;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'TMUX' && k !== 'TMUX_PANE'));
const tmux = async (...args: string[]) => (await run('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { env })).stdout;
const screen = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const type = (s: string, text: string) => tmux('send-keys', '-t', s, '-l', text);

async function waitFor(s: string, want: RegExp, ms = 15_000): Promise<string> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    last = await screen(s);
    if (want.test(last)) return last;
    await sleep(100);
  }
  assert.fail(`screen never matched ${String(want)}; it shows:\n${last}`);
}

describe(`the console over SSH in tmux on ${backend.name}`, { skip: !usable && 'needs OpenSSH and tmux (.ci/run installs them)' }, () => {
  let t: TestService;
  let dir: string;
  let key: string;
  let pno: string;

  before(async () => {
    t = await startTestService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    dir = mkdtempSync(join(tmpdir(), 'ccpor-ssh-console-'));
    key = join(dir, 'id_ed25519');
    assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status, 0);
    await addSshKey(t.service.registry.db, 'DISPATCH1', readFileSync(`${key}.pub`, 'utf8'));
    pno = (await t.service.registry.enterOrder(entry({ restrained: { name: 'OVERSSH, OSCAR', dob: '19830303' } }), CLERK)).pno;
  });
  after(async () => {
    await tmux('kill-server').catch(() => {});
    await t?.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('banner → acknowledge → HIT with the caveat; an AM while typing; resize; F10 ends ssh with 0', async () => {
    const s = 'dispatch';
    const status = join(dir, 'status');
    const ssh = `ssh -tt -p ${t.service.ports.ssh} -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no ` +
      `-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR dispatch1@127.0.0.1; echo $? > ${status}`;
    await tmux('new-session', '-d', '-s', s, '-x', '100', '-y', '30', '-e', 'TERM=xterm-256color', ssh, ';', 'set-option', '-w', '-t', s, 'remain-on-exit', 'on');
    const banner = await waitFor(s, /I ACKNOWLEDGE/);
    assert.match(banner, /MONITORED, RECORDED AND/);
    assert.equal(t.service.sessions.size, 1);
    await keys(s, 'y');
    // Authenticated by key: no sign-on form, the session is signed on after the acknowledgement.
    await waitFor(s, /^ DISPATCH1 DISPATCHER CA0194200 .* ssh 127\.0\.0\.1:\d+$/m);

    await type(s, 'overssh, oscar');
    await keys(s, 'Tab');
    await type(s, '19830303');
    await keys(s, 'Enter');
    const hit = await waitFor(s, /QPO HIT - 1 RECORD/);
    assert.equal(hit.split('\n')[2], CAVEAT);
    assert.match(hit, new RegExp(`01 ${pno} DVRO  ACTIVE    OVERSSH, OSCAR`));

    // An administrative message arrives while the dispatcher is typing the next inquiry.
    await keys(s, 'F2');
    await keys(s, 'C-u'); // the form keeps the last inquiry's values: clear the name
    await type(s, 'SMITH, JO');
    await waitFor(s, /NAM \[SMITH, JO_/);
    const clerk = await TestTerminal.connect(t.tcp);
    try {
      assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
      assert.equal((await clerk.send(`AM.${COURT}.DES/${POLICE}.MIS/CALL THE COURT ABOUT ${pno}`)).status, 'ACK');
    } finally {
      clerk.close();
    }
    const arrived = await waitFor(s, /MSG 1 /);
    assert.match(arrived, /NAM \[SMITH, JO_/, 'the half-typed name survives the message');

    await tmux('resize-window', '-t', s, '-x', '120', '-y', '40');
    await waitFor(s, /F10 SIGN OFF\s*$/);
    assert.match((await screen(s)).split('\n')[0]!, /^ DISPATCH1 DISPATCHER/);

    await keys(s, 'F10');
    const until = Date.now() + 15_000;
    let code = '';
    while (Date.now() < until && code === '') {
      try {
        code = readFileSync(status, 'utf8').trim();
      } catch {
        await sleep(100);
      }
    }
    assert.equal(code, '0', await screen(s));
    for (let i = 0; i < 50 && t.service.sessions.size > 0; i++) await sleep(100);
    assert.equal(t.service.sessions.size, 0, 'the protocol session ended with the SSH session');
  });
});
