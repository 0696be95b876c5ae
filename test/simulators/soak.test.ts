// The soak tool (simulators/soak) through its real command line, for a few seconds against a
// whole service: terminals drop and rejoin many times, every reply is as expected, latency is
// reported per interval, and the run ends without an error. A link that hangs up on the
// terminals makes the run fail.
//
// The service runs in this process (on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set,
// else embedded), the tool in a child process, as a user runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SoakReport } from '../../simulators/soak/run.ts';
import { backends } from '../support/backends.ts';
import { followRealTime, PASSWORD, startTestService, USERS, type TestService } from '../support/service.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const backend = backends().at(-1)!;

const soak = (args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators/soak/main.ts'), ...args], { cwd: ROOT, timeout: 40_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });

describe(`soak tool against a service on ${backend.name}`, () => {
  let t: TestService;
  let dir: string;
  let creds: string;

  before(async () => {
    t = await startTestService(backend);
    // The test clock stands still unless moved: move it with real time, as the demo's does.
    followRealTime(t);
    dir = mkdtempSync(join(tmpdir(), 'soak-test-'));
    creds = join(dir, 'DEMO-CREDENTIALS.txt');
    writeFileSync(creds, `${Object.entries(USERS).map(([role, u]) => `${role.padEnd(10)} ${u.name.padEnd(10)} ORI ${u.ori}  password ${PASSWORD}`).join('\n')}\n`);
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const args = (json: string) => ['--port', String(t.tcp), '--tls-port', String(t.tls), '--credentials', creds, '--terminals', '8', '--rate', '40/s', '--interval', '1s', '--json', json];

  test('a few seconds of mixed load, terminals dropping and rejoining: no error, latency per interval', async () => {
    const json = join(dir, 'soak.json');
    const run = await soak([...args(json), '--duration', '3s', '--churn', '0.15']);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const r = JSON.parse(readFileSync(json, 'utf8')) as SoakReport;
    assert.equal(r.errorsTotal, 0, JSON.stringify(r.errors));
    assert.ok(r.replies > 30, `only ${r.replies} replies`);
    assert.equal(r.replies, r.sent, 'every message answered');
    // Dropped on purpose in every way, and signed on again each time.
    for (const how of ['sign-off-and-close', 'close', 'destroy']) assert.ok((r.drops[how] ?? 0) > 0, `no '${how}' drop: ${JSON.stringify(r.drops)}`);
    assert.ok(r.rejoins >= 5, `${r.rejoins} rejoins`);
    assert.equal(r.droppedByService, 0);
    // Every kind got the reply it should (an inquiry of a known order a HIT, an entry an ACK ...).
    for (const [kind, k] of Object.entries(r.byKind)) assert.equal(k.asExpected, k.sent, `${kind}: ${JSON.stringify(k.statuses)}`);
    assert.ok(r.intervals.length >= 2, `${r.intervals.length} interval lines`);
    assert.ok(r.intervals.every((i) => i.replies === 0 || (i.p50 > 0 && i.p99 >= i.p50)), JSON.stringify(r.intervals));
    assert.match(run.stdout, /^\[ +\d+s\] +\d+ replies \([\d.]+\/s\) +p50 [\d.]+ ms +p99 [\d.]+ ms/m);
    assert.equal(r.serviceUp.ok, true, r.serviceUp.detail);
    assert.match(run.stdout, /^errors: 0$/m);
    assert.ok(!run.stdout.includes(PASSWORD));
  });

  test('a service that hangs up on its terminals fails the run', async () => {
    // Between the terminals and the service, a link that cuts every connection after a second.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(t.tcp, '127.0.0.1');
      for (const s of [client, upstream]) s.on('error', () => {});
      client.pipe(upstream).pipe(client);
      const cut = setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 1_000);
      client.on('close', () => {
        clearTimeout(cut);
        upstream.destroy();
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const json = join(dir, 'hangup.json');
      const port = (proxy.address() as net.AddressInfo).port;
      const run = await soak(['--port', String(port), '--credentials', creds, '--terminals', '4', '--rate', '20/s', '--interval', '1s', '--duration', '3s', '--churn', '0', '--json', json]);
      assert.equal(run.status, 1, run.stdout);
      const r = JSON.parse(readFileSync(json, 'utf8')) as SoakReport;
      // Requests lost with the connections, and connections lost under signed-on terminals.
      assert.ok(r.errorsTotal > 0 && (r.errors['connection-lost'] ?? 0) + r.droppedByService > 0, JSON.stringify({ errors: r.errors, dropped: r.droppedByService }));
      assert.match(run.stdout, /^errors: [1-9]\d* \(.*(connection-lost|dropped by the service)/m);
      assert.match(run.stdout, /^soak: FAILED$/m);
    } finally {
      proxy.close();
    }
  });
});
