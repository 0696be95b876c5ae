// REJ DUP under concurrency: the same order sent by two clerk terminals at the same moment (a
// double submit, a retry while the first is still in flight) is entered once. The other gets
// REJ DUP naming the order that was entered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';
import { COURT } from '../support/fixtures.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const EPO = (oca: string, typ = 'DVRO') =>
  `EPO.${COURT}.NAM/WALKER, DENNIS.SEX/M.RAC/W.DOB/19790202.TYP/${typ}.OCA/${oca}.ISD/20260501.EXP/20290501.PCO/01 05` +
  `.PPN/WALKER, ANNE.PSX/F.PPB/19810303`;

for (const backend of backends()) {
  describe(`duplicate entries on ${backend.name}`, () => {
    let t: TestService;
    const clerks: TestTerminal[] = [];
    before(async () => {
      t = await startTestService(backend, { redis: true });
      for (let i = 0; i < 3; i++) {
        const c = await TestTerminal.connect(t.tcp);
        await c.send(son('CLERK'));
        clerks.push(c);
      }
    });
    after(async () => {
      clerks.forEach((c) => c.close());
      await t.stop();
      await backend.cleanup();
    });

    test('the same EPO from three terminals at once: one ACK, two REJ DUP naming it, one order', async () => {
      for (let round = 0; round < 8; round++) {
        const oca = `RACE-${round}`;
        const replies = await Promise.all(clerks.map((c) => c.send(EPO(oca))));
        const acks = replies.filter((r) => r.status === 'ACK');
        assert.equal(acks.length, 1, `round ${round}: ${replies.map((r) => r.lines.join(' | ')).join(' // ')}`);
        const pno = acks[0]!.body[0]!.replace('PNO/', '');
        for (const r of replies.filter((x) => x !== acks[0])) {
          assert.equal(r.body[0], `REJ/DUP ACTIVE DVRO ${pno} ALREADY ENTERED FOR OCA ${oca}`);
        }
        assert.equal((await t.service.registry.findOrdersByCase(oca, COURT)).length, 1);
      }
    });

    test('an MPO moving an order into a case while an EPO enters the same order there: one ACK, one REJ DUP', async () => {
      for (let round = 0; round < 8; round++) {
        const moved = await clerks[0]!.send(EPO(`MOVE-A-${round}`));
        assert.equal(moved.status, 'ACK', moved.lines.join(' | '));
        const pno = moved.body[0]!.replace('PNO/', '');
        const target = `MOVE-B-${round}`;
        // Alternate who is first on the wire: the check must not depend on the order of arrival.
        const [change, entry] = round % 2
          ? await Promise.all([clerks[1]!.send(`MPO.${COURT}.PNO/${pno}.OCA/${target}`), clerks[2]!.send(EPO(target))])
          : await Promise.all([clerks[2]!.send(EPO(target)), clerks[1]!.send(`MPO.${COURT}.PNO/${pno}.OCA/${target}`)]).then(([e, c]) => [c, e] as const);
        const statuses = [change!.status, entry!.status].sort();
        assert.deepEqual(statuses, ['ACK', 'REJ'], `round ${round}: MPO ${change!.lines.join(' | ')} // EPO ${entry!.lines.join(' | ')}`);
        const refused = change!.status === 'REJ' ? change! : entry!;
        assert.match(refused.body[0]!, new RegExp(`^REJ/DUP ACTIVE DVRO \\S+ ALREADY ENTERED FOR OCA ${target}$`));
        const inCase = await t.service.registry.findOrdersByCase(target, COURT);
        assert.equal(inCase.filter((o) => o.typ === 'DVRO' && o.status === 'ACTIVE').length, 1, `round ${round}: ${inCase.map((o) => o.pno).join(', ')}`);
      }
    });

    test('an MPO that changes TYP into a type already in force for the case is REJ DUP and changes nothing', async () => {
      const first = await clerks[0]!.send(EPO('RETYPE-1', 'DVRO'));
      const second = await clerks[0]!.send(EPO('RETYPE-1', 'CHRO'));
      const pno = second.body[0]!.replace('PNO/', '');
      const r = await clerks[1]!.send(`MPO.${COURT}.PNO/${pno}.TYP/DVRO`);
      assert.equal(r.body[0], `REJ/DUP ACTIVE DVRO ${first.body[0]!.replace('PNO/', '')} ALREADY ENTERED FOR OCA RETYPE-1`);
      assert.equal((await t.service.registry.findOrderByPno(pno))[0]!.typ, 'CHRO');
      // Its own type is not a duplicate of itself.
      assert.equal((await clerks[1]!.send(`MPO.${COURT}.PNO/${pno}.TYP/CHRO.BRD/Y`)).status, 'ACK');
    });

    test('another type for the same case is not a duplicate', async () => {
      const replies = await Promise.all([clerks[0]!.send(EPO('MIXED-1', 'DVRO')), clerks[1]!.send(EPO('MIXED-1', 'CHRO'))]);
      assert.deepEqual(replies.map((r) => r.status), ['ACK', 'ACK'], replies.map((r) => r.lines.join(' | ')).join(' // '));
    });
  });
}
