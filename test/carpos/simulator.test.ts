// The CARPOS simulator (simulators/carpos) as a real HTTP(S) server, and the gateway against it:
// the API and its control switches, idempotency across a restart, delivery over TLS with a private
// CA, and workers killed mid-delivery — every change still takes effect exactly once, in order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { noCache } from '../../db/cache/cache.ts';
import { Registry } from '../../db/registry.ts';
import { PATHS, type ReceivedEntry } from '../../simulators/carpos/api.ts';
import { startCarposSimulator, type CarposSimulator } from '../../simulators/carpos/server.ts';
import { selfSignedPair } from '../../simulators/carpos/tls.ts';
import { CarposClient } from '../../src/carpos/client.ts';
import { CarposWorker, type WorkerOptions } from '../../src/carpos/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { backends, freshRegistry } from '../support/backends.ts';
import { addTestAgencies, CLERK, entry } from '../support/fixtures.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SERVICE = { sdt: '202606150900', shw: 'PERSONAL' as const };

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

const ENTER_BODY = (pno: string) => ({
  agencyCode: '370',
  ori: 'CA037015J',
  order: {
    pno, typ: 'DVRO', cti: 'CA037015J', oca: 'SIM1', isd: '20260101', exp: '20290101', pco: ['01'],
    restrained: { name: 'SMITH, JOHN', dob: '19800101', sex: 'M', race: 'W' },
    protected: [{ name: 'DOE, JANE', dob: '19850505', sex: 'F' }],
  },
});

async function post(sim: CarposSimulator, path: string, body: unknown, key?: string) {
  const res = await fetch(sim.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as Record<string, string> };
}

/** Each idempotency key took effect once; per order, the transactions took effect in this order. */
function appliedByPno(received: readonly ReceivedEntry[]): Map<string, string[]> {
  const byKey = new Map<string, number>();
  const byPno = new Map<string, string[]>();
  for (const e of received) {
    if (e.outcome !== 'applied') continue;
    byKey.set(e.idempotencyKey!, (byKey.get(e.idempotencyKey!) ?? 0) + 1);
    byPno.set(e.pno!, [...(byPno.get(e.pno!) ?? []), e.action!]);
  }
  for (const [key, n] of byKey) assert.equal(n, 1, `key ${key} took effect ${n} times`);
  return byPno;
}

describe('the CARPOS simulator', () => {
  let sim: CarposSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'carpos-sim-'));
  before(async () => {
    sim = await startCarposSimulator({ dataFile: join(dir, 'carpos.json') });
  });
  after(async () => {
    await sim.close();
  });

  test('assigns FCNs from the agency code; the same key gets the same answer and takes effect once', async () => {
    const first = await post(sim, PATHS.enter, ENTER_BODY('PO0000000026'), 'k-enter-1');
    assert.equal(first.status, 201);
    assert.match(first.body.fcn!, /^370[0-9]{10}$/);
    const again = await post(sim, PATHS.enter, ENTER_BODY('PO0000000026'), 'k-enter-1');
    assert.deepEqual(again, { ...first, replayed: true });
    const other = await post(sim, PATHS.enter, { ...ENTER_BODY('PO0000000026') }, 'k-enter-2');
    assert.equal(other.status, 409);
    assert.equal(other.body.error, 'DUPLICATE');
    const reused = await post(sim, PATHS.enter, ENTER_BODY('PO0000000034'), 'k-enter-1');
    assert.equal(reused.status, 409);
    assert.equal(reused.body.error, 'KEY_REUSED');

    const fcn = first.body.fcn!;
    const serve = await post(sim, PATHS.change(fcn), { action: 'SERVE', pno: 'PO0000000026', service: SERVICE }, 'k-serve');
    assert.equal(serve.status, 200);
    assert.equal(serve.body.fcn, fcn);
    assert.equal((await post(sim, PATHS.change('1234567890123'), { action: 'CLEAR', pno: 'X' }, 'k-x')).status, 404);
    assert.equal((await post(sim, PATHS.change(fcn), { action: 'CLEAR', pno: 'PO0000000034' }, 'k-y')).body.error, 'REJECTED');
    const bad = await post(sim, PATHS.enter, { agencyCode: '19', order: {} }, 'k-bad');
    assert.equal(bad.status, 400);
    assert.match(bad.body.reason!, /^AGENCYCODE/);
    assert.equal((await post(sim, PATHS.enter, ENTER_BODY('PO0000000042'))).status, 400, 'no Idempotency-Key');
    const rec = (await (await fetch(sim.url + PATHS.record(fcn))).json()) as { transactions: { action: string }[] };
    assert.deepEqual(rec.transactions.map((t) => t.action), ['ENTER', 'SERVE']);
  });

  test('the control API: fail (nothing kept), reject (kept for the key), slow (takes effect, answers late)', async () => {
    const ctl = async (c: object) => (await post(sim, '/_control', c)).status;
    assert.equal(await ctl({ mode: 'fail', count: 2, status: 503 }), 200);
    assert.equal((await post(sim, PATHS.enter, ENTER_BODY('PO0000000059'), 'k-f')).status, 503);
    assert.equal((await post(sim, PATHS.enter, ENTER_BODY('PO0000000059'), 'k-f')).status, 503);
    assert.equal((await post(sim, PATHS.enter, ENTER_BODY('PO0000000059'), 'k-f')).status, 201, 'count spent: back to ok');

    assert.equal(await ctl({ mode: 'reject', count: 1, reason: 'DOB IN THE FUTURE' }), 200);
    const r = await post(sim, PATHS.enter, ENTER_BODY('PO0000000067'), 'k-r');
    assert.deepEqual([r.status, r.body], [422, { error: 'REJECTED', reason: 'DOB IN THE FUTURE' }]);
    const r2 = await post(sim, PATHS.enter, ENTER_BODY('PO0000000067'), 'k-r');
    assert.deepEqual([r2.status, r2.replayed], [422, true], 'the same key gets the same refusal');

    assert.equal(await ctl({ mode: 'slow', count: 1, delayMs: 300 }), 200);
    const t0 = Date.now();
    const s = await post(sim, PATHS.enter, ENTER_BODY('PO0000000075'), 'k-s');
    assert.equal(s.status, 201);
    assert.ok(Date.now() - t0 >= 290);
    assert.equal((await post(sim, '/_control', { mode: 'sideways' })).status, 400);

    const log = (await (await fetch(`${sim.url}/_received`)).json()) as { received: ReceivedEntry[] };
    const outcomes = log.received.filter((e) => e.idempotencyKey === 'k-f' || e.idempotencyKey === 'k-r').map((e) => e.outcome);
    assert.deepEqual(outcomes, ['failed', 'failed', 'applied', 'rejected', 'replayed']);
  });

  test('with --data, records and answers survive a restart: a replay after it gets the same FCN', async () => {
    const first = await post(sim, PATHS.enter, ENTER_BODY('PO0000000083'), 'k-persist');
    await sim.close();
    sim = await startCarposSimulator({ dataFile: join(dir, 'carpos.json') });
    const again = await post(sim, PATHS.enter, ENTER_BODY('PO0000000083'), 'k-persist');
    assert.deepEqual(again, { ...first, replayed: true });
    assert.equal(sim.store.record(first.body.fcn!)?.pno, 'PO0000000083');
  });
});

for (const backend of backends()) {
  describe(`the gateway against the simulator on ${backend.name}`, () => {
    let registry: Registry;
    let sim: CarposSimulator;
    const workers: CarposWorker[] = [];
    const worker = (url: string, o: Partial<WorkerOptions> & { ca?: string } = {}) => {
      const w = new CarposWorker({
        registry,
        client: new CarposClient({ url, timeoutMs: 15_000, ca: o.ca }),
        log: silentLogger,
        pollMs: 10,
        leaseMs: 300,
        retry: { baseMs: 10, capMs: 50 },
        ...o,
      });
      workers.push(w);
      return w;
    };
    const undelivered = async () =>
      (await registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM carpos_outbox WHERE state <> 'DELIVERED'`)).rows[0]!.n;
    const fcnOf = async (pno: string) =>
      (await registry.db.query<{ fcn: string | null }>(`SELECT fcn FROM orders WHERE pno = $1`, [pno])).rows[0]?.fcn ?? null;

    before(async () => {
      registry = await freshRegistry(backend);
      await addTestAgencies(registry.db);
      sim = await startCarposSimulator();
    });
    afterEach(async () => {
      // A worker left running would take the next test's rows.
      for (const w of workers.splice(0)) await w.kill();
    });
    after(async () => {
      await sim.close();
      await registry.cache.close();
      await backend.cleanup();
    });

    test('workers killed mid-delivery: every change is delivered exactly once, in order', async () => {
      await registry.db.query(`DELETE FROM carpos_outbox`);
      const pnos: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { pno } = await registry.enterOrder(entry(), CLERK);
        await registry.recordService(pno, SERVICE, CLERK);
        await registry.endOrder(pno, 'CLEARED', CLERK, 'TERMINATED');
        pnos.push(pno);
      }
      // Three ENTERs take effect at DOJ but their answers are held; the worker dies waiting.
      sim.control({ mode: 'slow', action: 'ENTER', count: 3, delayMs: 30_000 });
      const w1 = worker(sim.url);
      w1.start();
      await until('three held', () => sim.received().filter((e) => e.outcome === 'applied').length >= 5);
      await w1.kill();
      const afterFirst = await undelivered();
      assert.ok(afterFirst >= 9, `the held orders and their changes are undelivered (${afterFirst})`);

      // A new worker takes over once the leases run out; this time two CLEARs are held.
      const clears = () => sim.received().filter((e) => e.outcome === 'applied' && e.action === 'CLEAR').length;
      const before = clears();
      sim.control({ mode: 'slow', action: 'CLEAR', count: 2, delayMs: 30_000 });
      const w2 = worker(sim.url);
      w2.start();
      await until('two CLEARs held', () => clears() >= before + 2);
      await w2.kill();
      assert.ok((await undelivered()) >= 2);

      const w3 = worker(sim.url);
      w3.start();
      await until('all delivered', async () => (await undelivered()) === 0);

      const received = sim.received();
      const byPno = appliedByPno(received);
      for (const pno of pnos) {
        assert.deepEqual(byPno.get(pno), ['ENTER', 'SERVE', 'CLEAR'], `order ${pno} at DOJ`);
        const fcn = (await fcnOf(pno))!;
        const rec = sim.store.record(fcn)!;
        assert.equal(rec.pno, pno, 'the registry’s FCN is DOJ’s record of this order');
        assert.equal(rec.status, 'CLEARED');
        assert.deepEqual(rec.transactions.map((t) => t.action), ['ENTER', 'SERVE', 'CLEAR']);
        assert.equal((await registry.orderHistory(pno)).filter((h) => h.action === 'FCN').length, 1);
      }
      const replayed = received.filter((e) => e.outcome === 'replayed').length;
      assert.ok(replayed >= 5, `the cut-off requests were sent again and replayed (${replayed})`);
      const keys = (await registry.db.query<{ key: string }>(`SELECT idempotency_key::text AS key FROM carpos_outbox`)).rows.map((r) => r.key);
      assert.equal(keys.length, 15);
      for (const k of keys) assert.equal(received.filter((e) => e.idempotencyKey === k && e.outcome === 'applied').length, 1);
    });

    test('over HTTPS with a private CA (CARPOS_CA_FILE); without it the certificate is refused and the row waits', async () => {
      await registry.db.query(`DELETE FROM carpos_outbox`);
      const pair = await selfSignedPair(mkdtempSync(join(tmpdir(), 'carpos-tls-')));
      const tlsSim = await startCarposSimulator({ tls: pair });
      try {
        assert.match(tlsSim.url, /^https:/);
        const { pno } = await registry.enterOrder(entry(), CLERK);
        const untrusting = worker(tlsSim.url);
        await until('tried', async () => (await untrusting.runOnce()) > 0);
        const row = (await registry.db.query<{ state: string; last_error: string }>(`SELECT state, last_error FROM carpos_outbox`)).rows[0]!;
        assert.equal(row.state, 'PENDING');
        assert.match(row.last_error, /CERT/);
        assert.equal(tlsSim.received().length, 0);

        const trusting = worker(tlsSim.url, { ca: pair.cert });
        trusting.start();
        await until('delivered over TLS', async () => (await undelivered()) === 0);
        assert.match((await fcnOf(pno)) ?? '', /^190[0-9]{10}$/);
        await trusting.stop();
      } finally {
        await tlsSim.close();
      }
    });

    test(
      'a service process SIGKILLed mid-delivery: the next worker finishes, each change once, in order',
      { skip: backend.name !== 'postgres' && 'needs a PostgreSQL server: the embedded registry belongs to one process' },
      async () => {
        await registry.db.query(`DELETE FROM carpos_outbox`);
        const url = await backend.freshDatabaseUrl!();
        const db = backend.connectAgain!();
        // The test's registry on the child's database: no cache, so every read is the database's.
        const shared = new Registry({ db, cache: noCache });
        const { migrate } = await import('../../db/migrate.ts');
        await migrate(db);
        await addTestAgencies(db);
        const pnos: string[] = [];
        for (let i = 0; i < 3; i++) {
          const { pno } = await shared.enterOrder(entry(), CLERK);
          await shared.recordService(pno, SERVICE, CLERK);
          pnos.push(pno);
        }
        const childSim = await startCarposSimulator();
        try {
          childSim.control({ mode: 'slow', count: 1, delayMs: 60_000 });
          const child = spawn(process.execPath, [BIN, 'serve'], {
            env: {
              ...process.env, DATABASE_URL: url, REDIS_URL: '', CARPOS_URL: childSim.url, CARPOS_POLL_MS: '20',
              CCPOR_TCP_PORT: '0', CCPOR_TLS_PORT: '0', CCPOR_SSH_PORT: '0', CCPOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccpor-kill-')),
              LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json',
            },
            stdio: 'ignore',
          });
          const exited = new Promise((r) => child.once('exit', r));
          // One ENTER took effect and its answer is held; the other two orders went through.
          await until('one answer held, the rest delivered', () => childSim.received().filter((e) => e.outcome === 'applied').length >= 5, 20_000);
          // ... and recorded as delivered: only the held row is still leased when the process dies.
          await until('the rest recorded', async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM carpos_outbox WHERE state = 'DELIVERED'`)).rows[0]!.n === 4, 20_000);
          child.kill('SIGKILL');
          await exited;
          const held = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM carpos_outbox WHERE locked_until > now()`)).rows[0]!.n;
          assert.equal(held, 1, 'the dead process still holds the lease of the row it was sending');
          // Stands in for waiting out the 60-second lease the service uses.
          await db.query(`UPDATE carpos_outbox SET locked_until = now() WHERE locked_until > now()`);
          const next = new CarposWorker({ registry: shared, client: new CarposClient({ url: childSim.url, timeoutMs: 5_000 }), log: silentLogger, pollMs: 10 });
          next.start();
          await until('all delivered', async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM carpos_outbox WHERE state <> 'DELIVERED'`)).rows[0]!.n === 0);
          await next.stop();
          const byPno = appliedByPno(childSim.received());
          for (const pno of pnos) assert.deepEqual(byPno.get(pno), ['ENTER', 'SERVE']);
          assert.equal(childSim.received().filter((e) => e.outcome === 'replayed').length, 1);
        } finally {
          await childSim.close();
        }
      },
    );
  });
}
