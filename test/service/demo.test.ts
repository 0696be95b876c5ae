// `npm start` on a fresh machine: a demo registry with one user per role, whose printed
// credentials work; never on a real server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { DEMO_USERS } from '../../src/demo.ts';
import { silentLogger } from '../../src/log.ts';
import { startService } from '../../src/service.ts';
import { backends } from '../support/backends.ts';
import { freePort } from '../support/redis-server.ts';
import { TestTerminal } from '../support/terminal.ts';

const quietStdout = async <T>(fn: () => Promise<T>): Promise<T> => {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
};

test('a fresh embedded registry gets demo users whose printed passwords sign on, and orders to find', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccpor-demo-'));
  const config = loadConfig({ CCPOR_DATA_DIR: dataDir, CCPOR_TCP_PORT: String(await freePort()), CCPOR_TLS_PORT: '0', CCPOR_RATE_BURST: '1000' });
  const service = await quietStdout(() => startService(config, silentLogger, { demo: true, clock: new ManualClock(new Date()) }));
  try {
    const file = join(dataDir, 'DEMO-CREDENTIALS.txt');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'credentials readable by their owner only');
    const creds = readFileSync(file, 'utf8');
    for (const u of DEMO_USERS) {
      const password = new RegExp(`${u.name}\\s+ORI ${u.ori}\\s+password (\\S+)`).exec(creds)?.[1];
      assert.ok(password, `${u.name} listed`);
      const term = await TestTerminal.connect(service.ports.tcp!);
      assert.equal((await term.send(`SON.${u.ori}.USR/${u.name}.PWD/${password}`)).status, 'ACK', u.name);
      term.close();
    }
    const { rows } = await service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`);
    assert.equal(rows[0]!.n, 2_000);
  } finally {
    await service.stop();
  }
});

const pg = backends().find((b) => b.name === 'postgres');
test('with DATABASE_URL set, no demo data is ever created', { skip: !pg && 'needs DATABASE_URL' }, async () => {
  const config = loadConfig({ DATABASE_URL: await pg!.freshDatabaseUrl!(), CCPOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccpor-demo-')), CCPOR_TCP_PORT: '0', CCPOR_TLS_PORT: '0' });
  const service = await startService(config, silentLogger, { demo: true });
  try {
    const { rows } = await service.registry.db.query<{ users: number; orders: number }>(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM orders)::int AS orders`,
    );
    assert.deepEqual(rows[0], { users: 0, orders: 0 });
  } finally {
    await service.stop();
    await pg!.cleanup();
  }
});
