// The registry's inquiries and writes, on every backend: what an officer or clerk would see.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Registry } from '../../db/registry.ts';
import { backends, freshRegistry, TEST_NOW } from '../support/backends.ts';
import { addTestAgencies, CLERK, COURT, entry, OTHER_COURT } from '../support/fixtures.ts';

for (const backend of backends()) {
  describe(`registry on ${backend.name}`, () => {
    const clock = { now: TEST_NOW };
    let reg: Registry;
    before(async () => {
      reg = await freshRegistry(backend, clock);
      await addTestAgencies(reg.db);
    });
    after(async () => {
      await reg.cache.close();
      await backend.cleanup();
    });

    test('an entered order is found by every inquiry form of ICD 4', async () => {
      const e = entry({
        restrained: { name: 'GARCIA, MARIA ELENA', dob: '19791231', sex: 'F', oln: 'D1234567', ols: 'CA' },
        protected: [
          { name: 'GARCIA, LUIS', dob: '20100304', sex: 'M', race: 'W' },
          { name: 'GARCIA, ANA', dob: '20120506', sex: 'F' },
        ],
        oca: 'FL-2026-0001',
      });
      const { pno } = await reg.enterOrder(e, CLERK);
      const forms: [string, Promise<readonly { pno: string }[]>][] = [
        ['name + DOB', reg.findOrdersForRestrainedPerson({ name: 'GARCIA, MARIA', dob: '19791231' })],
        ['protected person', reg.findOrdersForProtectedPerson({ name: 'GARCIA, ANA', dob: '20120506' })],
        ['PNO', reg.findOrderByPno(pno)],
        ['licence', reg.findOrdersByLicence('D1234567', 'CA')],
        ['case + court', reg.findOrdersByCase('FL-2026-0001', COURT)],
      ];
      for (const [form, found] of forms) assert.deepEqual((await found).map((o) => o.pno), [pno], form);
      assert.deepEqual(await reg.findOrdersByCase('FL-2026-0001', OTHER_COURT), [], 'same case number, other court');
      assert.deepEqual(await reg.findOrderByFcn('1900000000001'), []);

      const [o] = await reg.findOrderByPno(pno);
      assert.equal(o!.status, 'ACTIVE');
      assert.equal(o!.restrained.name, 'GARCIA, MARIA ELENA');
      assert.deepEqual(o!.protected.map((p) => p.name), ['GARCIA, LUIS', 'GARCIA, ANA']);
      assert.deepEqual(o!.pco, ['01', '05']);
      assert.equal(o!.exp, '20290101');
    });

    test('an order is found by FCN once DOJ has assigned one', async () => {
      const { pno } = await reg.enterOrder(entry(), CLERK);
      assert.deepEqual(await reg.findOrderByFcn('1900000000123'), []); // cached as "none" now
      await reg.recordFcn(pno, '1900000000123', { user: 'CARPOS', ori: COURT });
      assert.equal((await reg.findOrderByPno(pno))[0]!.fcn, '1900000000123');
      assert.deepEqual((await reg.findOrderByFcn('1900000000123')).map((o) => o.pno), [pno]);
    });

    test('a sound-alike name with the same DOB is a phonetic match; another DOB is no match', async () => {
      const smith = await reg.enterOrder(entry({ restrained: { name: 'SMITH, JOHN', dob: '19700707' } }), CLERK);
      const stephens = await reg.enterOrder(entry({ restrained: { name: 'STEPHENS, JOHN', dob: '19700707' } }), CLERK);

      const smyth = await reg.findOrdersForRestrainedPerson({ name: 'SMYTH, JON', dob: '19700707' });
      assert.deepEqual(smyth.map((o) => [o.pno, o.match]), [[smith.pno, 'P']]);
      const stevens = await reg.findOrdersForRestrainedPerson({ name: 'STEVENS, J', dob: '19700707' });
      assert.deepEqual(stevens.map((o) => [o.pno, o.match]), [[stephens.pno, 'P']]);
      const exact = await reg.findOrdersForRestrainedPerson({ name: 'SMITH, JOHN', dob: '19700707' });
      assert.deepEqual(exact.map((o) => [o.pno, o.match]), [[smith.pno, 'E']]);

      assert.deepEqual(await reg.findOrdersForRestrainedPerson({ name: 'SMYTH, JON', dob: '19700708' }), []);
      assert.deepEqual(await reg.findOrdersForRestrainedPerson({ name: 'SMITH, PETER', dob: '19700707' }), [], 'other first initial');
      assert.deepEqual(await reg.findOrdersForRestrainedPerson({ name: 'JONES, JOHN', dob: '19700707' }), [], 'other surname');
    });

    test('a name search finds orders through the restrained person\'s aliases', async () => {
      const { pno } = await reg.enterOrder(
        entry({ restrained: { name: 'NGUYEN, TOMMY', dob: '19900909', aliases: [{ name: 'WIN, THOMAS' }, { name: 'NGUYEN, TAM', dob: '19900919' }] } }),
        CLERK,
      );
      assert.deepEqual((await reg.findOrdersForRestrainedPerson({ name: 'WIN, THOMAS', dob: '19900909' })).map((o) => [o.pno, o.match]), [[pno, 'E']]);
      assert.deepEqual((await reg.findOrdersForRestrainedPerson({ name: 'WYNN, T', dob: '19900909' })).map((o) => [o.pno, o.match]), [[pno, 'P']]);
      assert.deepEqual((await reg.findOrdersForRestrainedPerson({ name: 'NGUYEN, TAM', dob: '19900919' })).map((o) => o.pno), [pno], 'alias DOB');
      const [o] = await reg.findOrderByPno(pno);
      assert.deepEqual(o!.restrained.aliases, ['WIN, THOMAS', 'NGUYEN, TAM']);
    });

    test('SEX excludes records of another known sex, never unknown ones', async () => {
      const male = await reg.enterOrder(entry({ restrained: { name: 'LEE, ROBIN', dob: '19880808', sex: 'M' } }), CLERK);
      const unknown = await reg.enterOrder(entry({ restrained: { name: 'LEE, ROBIN', dob: '19880808', sex: 'U' } }), CLERK);
      const found = async (sex?: 'M' | 'F') => (await reg.findOrdersForRestrainedPerson({ name: 'LEE, ROBIN', dob: '19880808', sex })).map((o) => o.pno).sort();
      assert.deepEqual(await found('F'), [unknown.pno]);
      assert.deepEqual(await found('M'), [male.pno, unknown.pno].sort());
      assert.deepEqual(await found(), [male.pno, unknown.pno].sort());
    });

    test('expiry is computed at the boundary in California time, before any job runs', async () => {
      const { pno } = await reg.enterOrder(entry({ restrained: { name: 'BOUNDARY, BOB', dob: '19660606' }, isd: '20260601', exp: '20260615' }), CLERK);
      const look = () => reg.findOrdersForRestrainedPerson({ name: 'BOUNDARY, BOB', dob: '19660606' });
      const lookAll = () => reg.findOrdersForRestrainedPerson({ name: 'BOUNDARY, BOB', dob: '19660606', includeInactive: true });
      try {
        clock.now = new Date('2026-06-16T06:59:59Z'); // 23:59:59 on the 15th in California
        assert.deepEqual((await look()).map((o) => o.status), ['ACTIVE']);
        clock.now = new Date('2026-06-16T07:00:00Z'); // midnight starting the 16th in California
        assert.deepEqual(await look(), [], 'an expired order is not in an answer without HST');
        assert.deepEqual((await lookAll()).map((o) => [o.pno, o.status]), [[pno, 'EXPIRED']]);
        // The stored status was never touched: this is the computed answer, from the cache too.
        assert.deepEqual((await reg.findOrderByPno(pno, { includeInactive: true })).map((o) => o.status), ['EXPIRED']);
      } finally {
        clock.now = TEST_NOW;
      }
    });

    test('inactive orders appear only with HST, after the active ones', async () => {
      const active = await reg.enterOrder(entry({ restrained: { name: 'PAST, PAT', dob: '19550505' }, isd: '20260101' }), CLERK);
      const cleared = await reg.enterOrder(entry({ restrained: { name: 'PAST, PAT', dob: '19550505' }, isd: '20260301' }), CLERK);
      assert.equal((await reg.findOrdersForRestrainedPerson({ name: 'PAST, PAT', dob: '19550505' })).length, 2);
      await reg.endOrder(cleared.pno, 'CLEARED', CLERK, 'vacated at hearing');
      assert.deepEqual((await reg.findOrdersForRestrainedPerson({ name: 'PAST, PAT', dob: '19550505' })).map((o) => o.pno), [active.pno]);
      const all = await reg.findOrdersForRestrainedPerson({ name: 'PAST, PAT', dob: '19550505', includeInactive: true });
      assert.deepEqual(all.map((o) => [o.pno, o.status]), [[active.pno, 'ACTIVE'], [cleared.pno, 'CLEARED']]);
      assert.deepEqual((await reg.orderHistory(cleared.pno)).map((h) => h.action), ['ENTER', 'CLEAR']);
    });

    test('NONEXP orders never expire', async () => {
      const { pno } = await reg.enterOrder(entry({ typ: 'DVRO', exp: 'NONEXP', restrained: { name: 'FOREVER, FRED', dob: '19600101' } }), CLERK);
      clock.now = new Date('2099-01-01T00:00:00Z');
      try {
        const [o] = await reg.findOrderByPno(pno);
        assert.equal(o!.exp, 'NONEXP');
        assert.equal(o!.status, 'ACTIVE');
      } finally {
        clock.now = TEST_NOW;
      }
    });

    test('a failed entry leaves nothing behind', async () => {
      const before = await counts(reg);
      // The second protected person's DOB is not a date: the insert fails after the order,
      // the restrained person and the first rows were written inside the transaction.
      const bad = entry({ restrained: { name: 'HALFWAY, HANK', dob: '19770707' }, protected: [{ name: 'OK, ONE', dob: '20000101', sex: 'F' }, { name: 'BAD, TWO', dob: '20001399', sex: 'M' }] });
      await assert.rejects(reg.enterOrder(bad, CLERK));
      assert.deepEqual(await counts(reg), before);
      assert.deepEqual(await reg.findOrdersForRestrainedPerson({ name: 'HALFWAY, HANK', dob: '19770707' }), []);
    });

    test('service is recorded, shown, kept in the history and queued for CARPOS', async () => {
      const { pno } = await reg.enterOrder(entry({ restrained: { name: 'SERVED, SAM', dob: '19710203' } }), CLERK);
      assert.equal((await reg.findOrderByPno(pno))[0]!.service, null); // cached now: the write must invalidate it
      await reg.recordService(pno, { sdt: '202606151030', shw: 'VERBAL', svb: 'OFC REYES 4411' }, { user: 'OFFICER1', ori: 'CA0194200' });
      const [o] = await reg.findOrderByPno(pno);
      assert.deepEqual(o!.service, { sdt: '202606151030', shw: 'VERBAL', svb: 'OFC REYES 4411' });
      assert.equal(o!.version, 2);
      const history = await reg.orderHistory(pno);
      assert.deepEqual(history.map((h) => [h.version, h.action, h.user, h.ori]), [
        [1, 'ENTER', 'CLERK1', COURT],
        [2, 'SERVE', 'OFFICER1', 'CA0194200'],
      ]);
      const outbox = await reg.db.query<{ action: string }>(
        `SELECT b.action FROM carpos_outbox b JOIN orders o ON o.id = b.order_id WHERE o.pno = $1 ORDER BY b.id`, [pno]);
      assert.deepEqual(outbox.rows.map((r) => r.action), ['ENTER', 'SERVE']);
      await assert.rejects(reg.recordService('PO9999999990', { sdt: '202606151030', shw: 'MAIL' }, CLERK), /no order/);
    });

    test('the history and the audit trail refuse to be rewritten', async () => {
      await assert.rejects(reg.db.query(`UPDATE order_history SET actor_user = 'SOMEONE'`), /append-only/);
      await assert.rejects(reg.db.query(`DELETE FROM order_history`), /append-only/);
    });

    test('PNOs are unique and carry a valid check digit', async () => {
      const pnos = new Set<string>();
      for (let i = 0; i < 5; i++) pnos.add((await reg.enterOrder(entry(), CLERK)).pno);
      assert.equal(pnos.size, 5);
      for (const p of pnos) assert.match(p, /^PO\d{10}$/);
    });
  });
}

async function counts(reg: Registry) {
  const { rows } = await reg.db.query(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM persons)::int AS persons,
    (SELECT count(*) FROM protected_persons)::int AS protected, (SELECT count(*) FROM order_history)::int AS history,
    (SELECT count(*) FROM carpos_outbox)::int AS outbox`);
  return rows[0];
}
