// Twenty SSH console sessions at once (issue 4): every one shows the banner, signs on after the
// acknowledgement and sees its status line; when the clients go, every session, screen and
// connection is released, nothing is logged at warning level, and no listener is left behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ssh2, { type ClientChannel } from 'ssh2';

const { Client, utils } = ssh2;
import { addSshKey } from '../../db/ssh-keys.ts';
import { backends } from '../support/backends.ts';
import { captureLog } from '../support/log-capture.ts';
import { freePort } from '../support/redis-server.ts';
import { startTestService, type TestService } from '../support/service.ts';

const backend = backends().at(-1)!;
const SESSIONS = 20;

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`${SESSIONS} concurrent SSH console sessions on ${backend.name}`, () => {
  let t: TestService;
  const captured = captureLog();
  const pair = utils.generateKeyPairSync('ed25519');

  before(async () => {
    t = await startTestService(backend, { log: captured.log, redis: true, env: { CCPOR_SSH_PORT: String(await freePort()) } });
    await addSshKey(t.service.registry.db, 'DISPATCH1', pair.public);
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  test('all sign on, and all is released when they disconnect', async () => {
    const processListeners = () => ['SIGTERM', 'SIGINT', 'exit', 'uncaughtException'].map((e) => process.listenerCount(e));
    const listenersBefore = processListeners();
    const logBefore = captured.lines().length; // start-up lines are not this test's business
    const clients: { client: InstanceType<typeof Client>; stream: ClientChannel; screen: () => string }[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const client = new Client();
      const stream = await new Promise<ClientChannel>((resolve, reject) => {
        client.on('error', reject);
        client.on('ready', () =>
          client.shell({ term: 'xterm-256color', cols: 80, rows: 24 }, (err, s) => (err ? reject(err) : resolve(s))),
        );
        client.connect({ host: '127.0.0.1', port: t.service.ports.ssh!, username: 'dispatch1', privateKey: pair.private });
      });
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString('latin1')));
      clients.push({ client, stream, screen: () => out });
    }
    await until('every banner', () => clients.every((c) => /ACKNOWLEDGE/.test(c.screen())));
    assert.equal(t.service.sessions.size, SESSIONS, 'one protocol session per console');
    for (const c of clients) c.stream.write('Y');
    await until('every sign-on', () => clients.every((c) => /DISPATCH1/.test(c.screen()) && /DISPATCHER/.test(c.screen())));
    for (const c of clients) c.client.end();
    await until('every SSH connection released', () => t.service.ssh!.connections() === 0);
    await until('every protocol session released', () => t.service.sessions.size === 0);
    assert.deepEqual(processListeners(), listenersBefore, 'consoles left listeners on process');
    const warnings = captured.lines().slice(logBefore).filter((l) => (l.level as number) >= 40);
    assert.deepEqual(warnings, [], 'warnings were logged');
    // Twenty SON entries via SSH, each after the banner was acknowledged.
    await t.service.audit.flush();
    const { rows } = await t.service.registry.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE user_name = 'DISPATCH1' AND mke = 'SON' AND fields->>'METHOD' LIKE '%BANNER ACKNOWLEDGED'`,
    );
    assert.equal(rows[0]!.n, SESSIONS);
  });
});
