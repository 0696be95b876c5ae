// The CARPOS gateway's delivery worker against DOJ's API as msw plays it (msw intercepts the global
// fetch), on the real registry: what a court user would notice — the FCN in QPO replies, changes
// reaching DOJ in order, retries that back off, rejections held and told to the court.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { delay } from 'msw';
import { setupServer } from 'msw/node';
import type { Registry } from '../../db/registry.ts';
import { hitBody } from '../../protocol/format.ts';
import { retryDelay } from '../../src/carpos/backoff.ts';
import { CarposClient } from '../../src/carpos/client.ts';
import { startCarposGateway } from '../../src/carpos/index.ts';
import { rejectionNotice, wrap } from '../../src/carpos/notice.ts';
import { resendOrder } from '../../src/carpos/outbox.ts';
import { carposStatus, formatCarposStatus } from '../../src/carpos/status.ts';
import { CarposWorker, type WorkerOptions } from '../../src/carpos/worker.ts';
import { loadConfig } from '../../src/config.ts';
import { orderView } from '../../src/handlers/views.ts';
import { silentLogger } from '../../src/log.ts';
import { Switchboard, type Reachable } from '../../src/session/switchboard.ts';
import { backends, freshRegistry } from '../support/backends.ts';
import { addTestAgencies, CLERK, COURT, entry, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { captureLog } from '../support/log-capture.ts';
import { FakeDoj, json, text } from './fake-doj.ts';

const BASE = 'http://localhost:18999';
const TIMEOUT_MS = 300;
const msw = setupServer();

before(() => msw.listen({ onUnhandledRequest: 'error' }));
after(() => msw.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

interface Row {
  id: number;
  action: string;
  state: string;
  attempts: number;
  last_error: string | null;
  key: string;
  delay_ms: number | null;
  locked_until: Date | null;
}

const SERVICE = { sdt: '202606150900', shw: 'PERSONAL' as const, svb: 'DEP R LEE #88' };

for (const backend of backends()) {
  describe(`CARPOS gateway on ${backend.name}`, () => {
    let registry: Registry;
    let doj: FakeDoj;
    const workers: CarposWorker[] = [];

    const rows = async (pno: string): Promise<Row[]> =>
      (
        await registry.db.query<Row>(
          `SELECT c.id::int AS id, c.action, c.state, c.attempts, c.last_error, c.idempotency_key::text AS key, c.locked_until,
                  (extract(epoch FROM c.next_attempt_at - c.last_attempt_at) * 1000)::int AS delay_ms
             FROM carpos_outbox c JOIN orders o ON o.id = c.order_id WHERE o.pno = $1 ORDER BY c.id`,
          [pno],
        )
      ).rows;
    const states = async (pno: string) => (await rows(pno)).map((r) => `${r.action}:${r.state}`);
    const fcnOf = async (pno: string) => (await registry.findOrderByPno(pno, { includeInactive: true }))[0]?.fcn ?? null;
    const worker = (o: Partial<WorkerOptions> = {}) => {
      const w = new CarposWorker({
        registry,
        client: new CarposClient({ url: BASE, timeoutMs: TIMEOUT_MS }),
        log: silentLogger,
        pollMs: 5,
        leaseMs: 2_000,
        retry: { baseMs: 10, capMs: 40 },
        ...o,
      });
      workers.push(w);
      return w;
    };
    const enter = async (o: Parameters<typeof entry>[0] = {}) => (await registry.enterOrder(entry(o), CLERK)).pno;

    before(async () => {
      registry = await freshRegistry(backend);
      await addTestAgencies(registry.db);
    });
    after(async () => {
      await registry.cache.close();
      await backend.cleanup();
    });
    beforeEach(async () => {
      // Each test starts from an empty outbox; orders of earlier tests stay, inert.
      await registry.db.query(`DELETE FROM carpos_outbox`);
      doj = new FakeDoj(BASE);
      msw.resetHandlers(...doj.handlers());
    });
    afterEach(async () => {
      for (const w of workers.splice(0)) await w.kill();
    });

    test('an ENTER gets its FCN from DOJ, stored and shown in the QPO reply', async () => {
      const pno = await enter();
      assert.equal(await fcnOf(pno), null, 'no FCN before DOJ answers');
      const w = worker();
      w.start();
      await until('ENTER delivered', async () => (await states(pno))[0] === 'ENTER:DELIVERED');

      const fcn = await fcnOf(pno);
      assert.match(fcn ?? '', /^190[0-9]{10}$/, 'the FCN begins with the court’s CARPOS code');
      const [order] = await registry.findOrderByPno(pno);
      const reply = hitBody([orderView(order!)]);
      assert.ok(reply.some((l) => l.includes(`PNO/${pno} FCN/${fcn} `)), reply.join('\n'));
      assert.equal((await registry.findOrderByFcn(fcn!))[0]?.pno, pno, 'QPO by FCN finds it');

      const [req] = doj.requests;
      const [row] = await rows(pno);
      assert.equal(req!.key, row!.key, 'sent under the row’s Idempotency-Key');
      assert.equal(req!.body.agencyCode, '190');
      assert.equal(req!.body.ori, COURT);
      assert.equal((req!.body.order as { pno: string }).pno, pno);
      const history = await registry.orderHistory(pno);
      assert.deepEqual(history.map((h) => h.action), ['ENTER', 'FCN']);
      assert.equal(history[1]!.user, 'CARPOS');
    });

    test('changes reach DOJ in order per order, each after its ENTER has an FCN', async () => {
      const pnos: string[] = [];
      for (let i = 0; i < 4; i++) {
        const pno = await enter();
        await registry.recordService(pno, SERVICE, CLERK);
        await registry.endOrder(pno, i % 2 ? 'CLEARED' : 'CANCELLED', CLERK, 'VACATED');
        pnos.push(pno);
      }
      // Answers come back in random order and time: a worker that did not wait would be caught.
      doj.always = async () => {
        await delay(Math.floor(Math.random() * 15));
        return undefined;
      };
      const w1 = worker();
      const w2 = worker();
      w1.start();
      w2.start();
      await until('all delivered', async () => {
        for (const p of pnos) if ((await states(p)).some((s) => !s.endsWith(':DELIVERED'))) return false;
        return true;
      });
      for (const [i, pno] of pnos.entries()) {
        const seen = doj.requests.filter((r) => r.pno === pno);
        assert.deepEqual(seen.map((r) => r.action), ['ENTER', 'SERVE', i % 2 ? 'CLEAR' : 'CANCEL'], `order ${pno}`);
        const fcn = await fcnOf(pno);
        assert.deepEqual(seen.slice(1).map((r) => r.fcn), [fcn, fcn], 'changes name the FCN DOJ gave');
        assert.deepEqual(doj.records.get(fcn!)?.actions, seen.map((r) => r.action));
      }
      assert.equal(doj.requests.length, 12, 'two workers, and still each row sent once');
      assert.deepEqual((doj.requests[0]!.body as { order: unknown }).order !== undefined, true);
      const serve = doj.requests.find((r) => r.action === 'SERVE')!;
      assert.deepEqual(serve.body, { action: 'SERVE', pno: serve.pno, service: SERVICE });
      const cancel = doj.requests.find((r) => r.action === 'CANCEL')!;
      assert.deepEqual(cancel.body, { action: 'CANCEL', pno: cancel.pno, reason: 'VACATED' });
    });

    test('a modification (MPO) is sent as the new values of the changed fields, after the ENTER', async () => {
      const pno = await enter();
      const { version } = (await registry.findOrderByPno(pno))[0]!;
      await registry.modifyOrder(pno, { exp: '20300101', dst: 150, pco: ['01', '04'] }, CLERK, version);
      const w = worker();
      w.start();
      await until('delivered', async () => (await states(pno)).every((s) => s.endsWith('DELIVERED')));
      const [enterReq, modify] = doj.requests;
      assert.equal(enterReq!.action, 'ENTER');
      assert.equal(modify!.fcn, await fcnOf(pno));
      assert.deepEqual(modify!.body, { action: 'MODIFY', pno, changes: { exp: '20300101', dst: 150, pco: ['01', '04'] } });
    });

    test('an entering agency without a CARPOS code: the ENTER waits with the reason, nothing is sent', async () => {
      const { pno } = await registry.enterOrder(entry(), { user: 'OFFICER1', ori: POLICE });
      const w = worker();
      await until('tried', async () => (await w.runOnce()) > 0);
      const [row] = await rows(pno);
      assert.equal(row!.state, 'PENDING');
      assert.equal(row!.last_error, `AGENCY ${POLICE} HAS NO CARPOS CODE`);
      assert.equal(doj.requests.length, 0);
      await registry.db.query(`UPDATE agencies SET carpos_code = '194' WHERE ori = $1`, [POLICE]);
      await until('sent once the code is known', async () => (await w.runOnce()) > 0 && (await states(pno))[0] === 'ENTER:DELIVERED');
      assert.match((await fcnOf(pno)) ?? '', /^194[0-9]{10}$/);
    });

    test('a change waits while its order’s ENTER is undelivered; other orders go on', async () => {
      const stuck = await enter();
      await registry.recordService(stuck, SERVICE, CLERK);
      const other = await enter();
      await registry.recordService(other, SERVICE, CLERK);
      doj.always = (c) => (c.pno === stuck ? json({ error: 'UNAVAILABLE' }, 503) : undefined);
      const w = worker();
      w.start();
      await until('the other order delivered', async () => (await states(other)).every((s) => s.endsWith('DELIVERED')));
      await sleep(100);
      const [enterRow, serveRow] = await rows(stuck);
      assert.equal(enterRow!.state, 'PENDING');
      assert.ok(enterRow!.attempts >= 2, 'the ENTER is being retried');
      assert.equal(enterRow!.last_error, 'HTTP 503');
      assert.equal(serveRow!.attempts, 0, 'the SERVE was never tried');
      assert.ok(!doj.requests.some((r) => r.pno === stuck && r.action === 'SERVE'));

      doj.always = undefined; // DOJ is back
      await until('the stuck order delivered', async () => (await states(stuck)).every((s) => s.endsWith('DELIVERED')));
      assert.deepEqual(doj.applied().filter((r) => r.pno === stuck).map((r) => r.action), ['ENTER', 'SERVE']);
    });

    test('5xx and timeouts are retried with growing delays (exponential, capped), recorded on the row', async () => {
      const pno = await enter();
      const slow = async () => {
        await delay(TIMEOUT_MS + 200);
        return json({ fcn: '1900000000000', transaction: 'T', receivedAt: '' }, 201);
      };
      doj.once.push(() => json({ error: 'X' }, 500), () => json({ error: 'X' }, 503), slow, () => text('<html>bad gateway</html>', 502));
      // random() = 1: each delay is the top of its jitter range, base 10 ms doubling, cap 40 ms.
      const w = worker({ random: () => 1, retry: { baseMs: 10, capMs: 40 } });
      const seen: { attempts: number; error: string | null; delay: number | null }[] = [];
      for (let i = 0; i < 10 && (await rows(pno))[0]!.state === 'PENDING'; i++) {
        await until('due', async () => (await w.runOnce()) > 0, 3_000);
        const [r] = await rows(pno);
        if (r!.state === 'PENDING') seen.push({ attempts: r!.attempts, error: r!.last_error, delay: r!.delay_ms });
      }
      assert.deepEqual(seen, [
        { attempts: 1, error: 'HTTP 500', delay: 10 },
        { attempts: 2, error: 'HTTP 503', delay: 20 },
        { attempts: 3, error: `NO ANSWER WITHIN ${TIMEOUT_MS} MS`, delay: 40 },
        { attempts: 4, error: 'HTTP 502', delay: 40 },
      ]);
      const [done] = await rows(pno);
      assert.equal(done!.state, 'DELIVERED');
      assert.equal(done!.attempts, 5);
      assert.equal(done!.last_error, null);
      assert.match((await fcnOf(pno)) ?? '', /^190/);

      // Driven by its own loop, the worker keeps to the schedule: the gaps between attempts grow.
      const pno2 = await enter();
      const before = doj.requests.length;
      for (let i = 0; i < 4; i++) doj.once.push(() => json({ error: 'X' }, 500));
      const w2 = worker({ random: () => 1, retry: { baseMs: 40, capMs: 1_000 } });
      w2.start();
      await until('delivered', async () => (await states(pno2))[0] === 'ENTER:DELIVERED');
      const at = doj.requests.slice(before).map((r) => r.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      assert.equal(gaps.length, 4);
      [40, 80, 160, 320].forEach((min, i) => assert.ok(gaps[i]! >= min - 5, `gap ${i} ${gaps[i]} ms >= ${min} ms (${gaps.join(', ')})`));
    });

    test('full jitter: a delay is anywhere in [0, min(cap, base * 2^(n-1)))', () => {
      const p = { baseMs: 1_000, capMs: 300_000 };
      assert.equal(retryDelay(1, p, () => 0), 0);
      assert.equal(retryDelay(1, p, () => 0.5), 500);
      assert.equal(retryDelay(3, p, () => 0.5), 2_000);
      assert.equal(retryDelay(20, p, () => 0.999999), 299_999);
      assert.equal(retryDelay(10_000, p, () => 1), 300_000);
      for (let n = 1; n < 30; n++) {
        const d = retryDelay(n, p);
        assert.ok(d >= 0 && d < Math.min(300_000, 1_000 * 2 ** (n - 1)));
      }
    });

    test('malformed answers are retried and never stored: not JSON, no FCN, an FCN of the wrong form', async () => {
      const pno = await enter();
      const ok = { transaction: 'T1', receivedAt: '2026-06-15T19:00:00Z' };
      doj.once.push(
        () => text('<html>maintenance</html>', 200),
        () => json(ok, 201),
        () => json({ ...ok, fcn: '19012345' }, 201),
        () => json({ ...ok, fcn: '3700000000001' }, 201), // another agency’s code
        () => text('no such path', 404), // a 4xx without DOJ's reason is no rejection
      );
      const w = worker();
      const errors: string[] = [];
      for (let i = 0; i < 5; i++) {
        await until('due', async () => (await w.runOnce()) > 0, 3_000);
        const [r] = await rows(pno);
        assert.equal(r!.state, 'PENDING');
        errors.push(r!.last_error!);
        assert.equal(await fcnOf(pno), null, 'nothing stored from a malformed answer');
      }
      assert.match(errors[0]!, /^MALFORMED ANSWER \(HTTP 200\): NOT JSON$/);
      assert.match(errors[1]!, /^MALFORMED ANSWER \(HTTP 201\)/);
      assert.match(errors[2]!, /^MALFORMED ANSWER \(HTTP 201\): AN FCN IS 13 DIGITS$/);
      assert.equal(errors[3], 'MALFORMED ANSWER: FCN 3700000000001 DOES NOT BEGIN WITH AGENCY CODE 190');
      assert.equal(errors[4], 'HTTP 404 WITHOUT A REASON');
      await until('due', async () => (await w.runOnce()) > 0, 3_000);
      assert.equal((await rows(pno))[0]!.state, 'DELIVERED');
      assert.match((await fcnOf(pno)) ?? '', /^190[0-9]{10}$/);
    });

    test('a lost answer: the retry under the same Idempotency-Key is replayed, and takes effect once', async () => {
      const pno = await enter();
      await registry.recordService(pno, SERVICE, CLERK);
      // DOJ takes the ENTER but the answer is lost (503 after the fact), then the SERVE times out
      // after it took effect.
      doj.once.push((c) => (c.apply(), json({ error: 'UNAVAILABLE' }, 503)));
      doj.always = async (c) => {
        if (c.action !== 'SERVE' || doj.requests.filter((r) => r.action === 'SERVE').length > 1) return undefined;
        c.apply();
        await delay(TIMEOUT_MS + 200);
        return undefined;
      };
      const w = worker();
      w.start();
      await until('both delivered', async () => (await states(pno)).every((s) => s.endsWith('DELIVERED')));
      const [enterRow, serveRow] = await rows(pno);
      const sent = (key: string) => doj.requests.filter((r) => r.key === key).length;
      assert.equal(sent(enterRow!.key), 2, 'the ENTER was sent twice');
      assert.equal(sent(serveRow!.key), 2, 'the SERVE was sent twice');
      assert.equal(doj.effects.get(enterRow!.key), 1, 'and took effect once');
      assert.equal(doj.effects.get(serveRow!.key), 1);
      const fcn = await fcnOf(pno);
      assert.deepEqual(doj.records.get(fcn!)?.actions, ['ENTER', 'SERVE']);
      assert.deepEqual((await registry.orderHistory(pno)).map((h) => h.action), ['ENTER', 'SERVE', 'FCN']);
    });

    test('duplicate answers: a replayed FCN already stored is not stored again; one FCN for two orders is refused', async () => {
      const a = await enter();
      const w = worker();
      await until('A delivered', async () => (await w.runOnce()) > 0);
      const fcnA = await fcnOf(a);
      const version = (await registry.findOrderByPno(a))[0]!.version;
      // As if the worker died between storing the FCN and marking the row: sent again, replayed.
      await registry.db.query(`UPDATE carpos_outbox SET state = 'PENDING', delivered_at = NULL WHERE state = 'DELIVERED'`);
      await until('A again', async () => (await w.runOnce()) > 0);
      assert.equal((await states(a))[0], 'ENTER:DELIVERED');
      assert.equal(await fcnOf(a), fcnA);
      assert.equal((await registry.findOrderByPno(a))[0]!.version, version, 'the FCN is not recorded twice');
      assert.equal((await registry.orderHistory(a)).filter((h) => h.action === 'FCN').length, 1);

      // DOJ answers order B's ENTER with A's FCN: never two orders with one FCN.
      const b = await enter();
      doj.nextFcn.push(fcnA!);
      await until('B tried', async () => (await w.runOnce()) > 0);
      const [rowB] = await rows(b);
      assert.equal(rowB!.state, 'PENDING');
      assert.equal(rowB!.last_error, `CARPOS ANSWERED FCN ${fcnA}, ALREADY THE FCN OF ${a}`);
      assert.equal(await fcnOf(b), null);
      assert.equal(await fcnOf(a), fcnA);
    });

    test('a rejection: REJECTED, later changes BLOCKED, a NOTE to the court’s terminals, then resent once corrected', async () => {
      const switchboard = new Switchboard();
      const notes: { status: string; body: string[]; mke?: string }[] = [];
      const courtTerminal: Reachable = { terminal: 'test-court', notify: (status, body, mke) => void notes.push({ status, body, mke }) };
      const otherTerminal: Reachable = { terminal: 'test-other', notify: () => assert.fail('a terminal of another court got the NOTE') };
      switchboard.join(COURT, courtTerminal);
      switchboard.join(OTHER_COURT, otherTerminal);

      const pno = await enter();
      const untouched = await enter();
      const w = worker({ switchboard });
      w.start();
      await until('entered', async () => (await fcnOf(pno)) !== null && (await fcnOf(untouched)) !== null);
      doj.always = (c) =>
        c.action === 'SERVE' && c.pno === pno
          ? json({ error: 'REJECTED', reason: 'Service date 202606150900 is before the issue date — check SDT' }, 422)
          : undefined;
      await registry.recordService(pno, SERVICE, CLERK);
      await until('rejected', async () => (await states(pno)).includes('SERVE:REJECTED'));
      // Queued after the rejection: held by the database at once.
      await registry.endOrder(pno, 'CLEARED', CLERK);
      await registry.recordService(untouched, SERVICE, CLERK);
      await until('the other order goes on', async () => (await states(untouched)).every((s) => s.endsWith('DELIVERED')));
      assert.deepEqual(await states(pno), ['ENTER:DELIVERED', 'SERVE:REJECTED', 'CLEAR:BLOCKED']);
      const [, rejected, blocked] = await rows(pno);
      assert.equal(rejected!.last_error, 'Service date 202606150900 is before the issue date — check SDT');
      assert.equal(blocked!.last_error, 'HELD BEHIND THE REJECTED SERVE OF THIS ORDER');
      assert.ok(!doj.requests.some((r) => r.action === 'CLEAR'), 'nothing of the order is sent past a rejection');

      assert.equal(notes.length, 1);
      const note = notes[0]!;
      assert.equal(note.status, 'NOTE');
      assert.equal(note.mke, 'NOTE');
      assert.equal(note.body.length, 4);
      assert.equal(
        note.body.slice(0, 2).join(' ').replace(/ +/g, ' '),
        `CARPOS REJECTED SERVE OF PNO/${pno} - SERVICE DATE 202606150900 IS BEFORE THE ISSUE DATE CHECK SDT`,
      );
      assert.match(note.body[1]!, /^   \S/, 'a continuation line is indented');
      assert.deepEqual(note.body.slice(2), [
        `CTI/${COURT} CARPOS DOES NOT SHOW THIS SERVE UNTIL IT IS SENT AGAIN`,
        'LATER CHANGES OF THIS ORDER ARE HELD UNTIL THEN',
      ]);
      for (const l of note.body) {
        assert.match(l, /^[\x20-\x7e]{1,80}$/);
        assert.equal(l, l.toUpperCase());
      }

      // What `ccpor carpos status` shows the court.
      const s = await carposStatus(registry.db);
      assert.deepEqual(s.counts, { PENDING: 0, DELIVERED: 3, REJECTED: 1, BLOCKED: 1 });
      assert.deepEqual(s.held.map((h) => [h.pno, h.action, h.state]), [[pno, 'SERVE', 'REJECTED'], [pno, 'CLEAR', 'BLOCKED']]);
      const printed = formatCarposStatus(s, { timeZone: 'America/Los_Angeles', gateway: 'test' }).join('\n');
      assert.match(printed, /REJECTED +1 /);
      assert.match(printed, new RegExp(`${pno} +${COURT} +SERVE +REJECTED +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +Service date`));
      assert.match(printed, /Nothing pending\./);

      // The clerk corrected it with DOJ; the operator resends: a new key for the rejected row.
      doj.always = undefined;
      assert.deepEqual(await resendOrder(registry.db, pno), { found: true, released: 2 });
      await until('resent', async () => (await states(pno)).every((s) => s.endsWith('DELIVERED')));
      const [, resent] = await rows(pno);
      assert.notEqual(resent!.key, rejected!.key, 'sent again under a new Idempotency-Key');
      assert.deepEqual(doj.records.get((await fcnOf(pno))!)?.actions, ['ENTER', 'SERVE', 'CLEAR']);
      assert.equal(notes.length, 1);
    });

    test('a rejected ENTER holds the order’s changes; a court with nobody signed on is still on the status', async () => {
      const clerk9 = { user: 'CLERK9', ori: OTHER_COURT };
      const { pno } = await registry.enterOrder(entry({ cti: OTHER_COURT }), clerk9);
      await registry.recordService(pno, SERVICE, clerk9);
      doj.always = () => json({ error: 'REJECTED', reason: 'RESTRAINED PERSON DOB IS IN THE FUTURE' }, 422);
      const log = captureLog();
      const w = worker({ switchboard: new Switchboard(), log: log.log });
      await until('tried', async () => (await w.runOnce()) > 0);
      assert.deepEqual(await states(pno), ['ENTER:REJECTED', 'SERVE:BLOCKED']);
      assert.equal(await fcnOf(pno), null);
      const warn = log.lines().find((l) => l.level === 40);
      assert.equal(warn?.court, OTHER_COURT);
      assert.equal(warn?.terminals, 0);
      assert.match(String(warn?.msg), /no terminal of the court is signed on/);
      assert.deepEqual(
        rejectionNotice({ action: 'ENTER', pno, reason: 'x', held: 1, cti: OTHER_COURT }).slice(1),
        [`CTI/${OTHER_COURT} THE ORDER IS NOT IN CARPOS UNTIL IT IS CORRECTED AND SENT AGAIN`, '1 LATER CHANGE OF THIS ORDER HELD UNTIL THEN'],
      );
    });

    test('stop() lets a request in flight finish; stop with no grace abandons it safely, for the next worker', async () => {
      const a = await enter();
      doj.once.push(async () => (await delay(150), undefined));
      const w = worker();
      w.start();
      await until('in flight', () => doj.requests.length === 1);
      await w.stop({ graceMs: 2_000 });
      assert.equal((await states(a))[0], 'ENTER:DELIVERED', 'stop waited for the answer');

      const b = await enter();
      doj.once.push(async (c) => (c.apply(), await delay(2_000), undefined));
      w.start(); // restartable
      await until('in flight', () => doj.requests.length === 2);
      const t0 = Date.now();
      await w.stop({ graceMs: 0 });
      assert.ok(Date.now() - t0 < 1_000, 'stop did not wait for DOJ');
      const [row] = await rows(b);
      assert.equal(row!.state, 'PENDING');
      assert.equal(row!.locked_until, null, 'the lease is given back at once');
      assert.equal(row!.last_error, 'ABANDONED AT SHUTDOWN - SENT AGAIN LATER');
      const next = worker();
      next.start();
      await until('delivered by the next worker', async () => (await states(b))[0] === 'ENTER:DELIVERED');
      assert.equal(doj.effects.get(row!.key), 1, 'it took effect once');
      assert.ok(await fcnOf(b));
    });

    test('without CARPOS_URL the gateway is off: one info line, and rows wait in the outbox', async () => {
      const log = captureLog();
      const config = loadConfig({});
      assert.equal(config.carpos.url, undefined);
      assert.equal(config.carpos.timeoutMs, 10_000);
      assert.equal(startCarposGateway(config, registry, new Switchboard(), log.log), undefined);
      const lines = log.lines();
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, 30);
      assert.match(String(lines[0]!.msg), /CARPOS_URL is not set/);
      const pno = await enter();
      await sleep(50);
      assert.deepEqual(await states(pno), ['ENTER:PENDING']);
      assert.throws(() => loadConfig({ CARPOS_URL: 'http://carpos.doj.example/' }), /https only/);
      assert.equal(loadConfig({ CARPOS_URL: 'https://carpos.doj.example/api' }).carpos.url, 'https://carpos.doj.example/api');
    });

    test('NOTE lines: at most 80 columns, printable upper case', () => {
      for (const l of wrap('A'.repeat(200) + ' B C')) assert.ok(l.length <= 80);
      const lines = rejectionNotice({ action: 'MODIFY', pno: 'PO0000000018', reason: 'bad\u0007 value\n é '.repeat(20), held: 3, cti: COURT });
      for (const l of lines) assert.match(l, /^[\x20-\x7e]{1,80}$/);
      assert.equal(lines.at(-1), '3 LATER CHANGES OF THIS ORDER HELD UNTIL THEN');
    });
  });
}
