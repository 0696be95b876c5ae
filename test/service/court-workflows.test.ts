// Court workflows over the wire (issue 5): MPO by the issuing court's clerk with the rules applied
// to the changed order, history under HST/Y, conflicting orders in ACKs and HITs with the order
// that prevails, conflicts ending with the order, and the expiry job — on each backend.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import { backends } from '../support/backends.ts';
import { COURT, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { PASSWORD, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal, type ReplyLines } from '../support/terminal.ts';

const TODAY = '20260615'; // the test clock: noon in California on 15 June 2026
const field = (r: ReplyLines, tag: string) => new RegExp(`(?:^| )${tag}/(\\S+)`).exec(r.body.join('\n'))?.[1];
const records = (r: ReplyLines) => r.body.filter((l) => /^\d\d /.test(l)).map((l) => /PNO\/(\S+)/.exec(l)![1]!);

for (const backend of backends()) {
  describe(`court workflows on ${backend.name}`, () => {
    let t: TestService;
    let clerk: TestTerminal;
    let otherClerk: TestTerminal;
    let officer: TestTerminal;
    let n = 0;
    const epo = (o: { nam?: string; dob?: string; typ?: string; isd?: string; exp?: string; pco?: string; extra?: string; ppn?: string } = {}) =>
      `EPO.${COURT}.NAM/${o.nam ?? 'RIVERA, CARLOS'}.SEX/M.RAC/W.DOB/${o.dob ?? '19790304'}.TYP/${o.typ ?? 'DVRO'}.OCA/26FL${String(++n).padStart(4, '0')}` +
      `.ISD/${o.isd ?? TODAY}.EXP/${o.exp ?? '20270615'}.PCO/${o.pco ?? '01 05'}${o.extra ?? ''}.PPN/${o.ppn ?? 'RIVERA, ANA'}.PSX/F.PPB/19850707`;
    const enter = async (term: TestTerminal, text: string) => {
      const r = await term.send(text);
      assert.equal(r.status, 'ACK', r.lines.join('\n'));
      return { pno: field(r, 'PNO')!, reply: r };
    };

    before(async () => {
      t = await startTestService(backend, { redis: true });
      await addUser(t.service.registry.db, { name: 'CLERK2', role: 'CLERK', ori: OTHER_COURT, password: PASSWORD });
      clerk = await TestTerminal.connect(t.tcp);
      otherClerk = await TestTerminal.connect(t.tcp);
      officer = await TestTerminal.connect(t.tcp);
      assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
      assert.equal((await otherClerk.send(`SON.${OTHER_COURT}.USR/CLERK2.PWD/${PASSWORD}`)).status, 'ACK');
      assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
    });
    after(async () => {
      for (const term of [clerk, otherClerk, officer]) term?.close();
      await t.stop();
      await backend.cleanup();
    });

    test('MPO: the issuing court changes an order; the rules hold for the changed order; HST/Y shows each version', async () => {
      const { pno } = await enter(clerk, epo({ nam: 'MODIFY, MARK', typ: 'DVTRO', exp: '20260705', pco: '01' }));
      const tooLong = await clerk.send(`MPO.${COURT}.PNO/${pno}.EXP/20260801`);
      assert.deepEqual(tooLong.body, ['REJ/FLD EXP LATER THAN 20260710 (TYP DVTRO: AT MOST 25 DAYS AFTER ISD)']);
      const noDst = await clerk.send(`MPO.${COURT}.PNO/${pno}.PCO/01 04`);
      assert.deepEqual(noDst.body, ['REJ/FLD DST REQUIRED WHEN PCO HAS 04']);
      const notOurs = await otherClerk.send(`MPO.${OTHER_COURT}.PNO/${pno}.BRD/Y`);
      assert.deepEqual(notOurs.body, [`REJ/PRM ONLY THE ISSUING COURT ${COURT} MAY CHANGE ${pno}`]);
      const ok = await clerk.send(`MPO.${COURT}.PNO/${pno}.TYP/DVRO.EXP/20290615.PCO/01 04.DST/100.BRD/Y`);
      assert.equal(ok.status, 'ACK', ok.lines.join('\n'));
      assert.deepEqual(ok.body, [`PNO/${pno}`]);
      const hit = await officer.send(`QPO.${POLICE}.PNO/${pno}`);
      assert.equal(field(hit, 'TYP'), 'DVRO');
      assert.equal(field(hit, 'EXP'), '20290615');
      assert.equal(field(hit, 'DST'), '100');
      assert.ok(!hit.body.some((l) => l.includes('HST/')), 'history only with HST/Y');
      const hst = await clerk.send(`QPO.${COURT}.PNO/${pno}.HST/Y`);
      const versions = hst.body.filter((l) => l.includes('HST/')).map((l) => l.trim());
      assert.equal(versions.length, 2);
      assert.match(versions[0]!, /^HST\/1 \d{14} CLERK1 CA019015J ENTER$/);
      assert.match(versions[1]!, /^HST\/2 20260615190000 CLERK1 CA019015J MODIFY BRD,DST,EXP,PCO,TYP$/);
      const history = await t.service.registry.orderHistory(pno);
      assert.deepEqual((history[1]!.changes as Record<string, unknown>).exp, ['20260705', '20290615'], 'the value before and after');
    });

    test('MPO on a cleared order, or one nobody entered, changes nothing', async () => {
      const { pno } = await enter(clerk, epo({ nam: 'CLEARED, CARL' }));
      assert.equal((await clerk.send(`CPO.${COURT}.PNO/${pno}.MIS/VACATED`)).status, 'ACK');
      const r = await clerk.send(`MPO.${COURT}.PNO/${pno}.BRD/Y`);
      assert.deepEqual(r.body, [`REJ/FLD PNO ${pno} IS CLEARED - ONLY AN ACTIVE ORDER IS MODIFIED`]);
      assert.equal((await clerk.send(`MPO.${COURT}.PNO/PO9999999999.BRD/Y`)).body[0]!.slice(0, 7), 'REJ/NFD');
      assert.equal((await t.service.registry.orderHistory(pno)).length, 2, 'entry and clear only');
    });

    test('conflicting orders across courts: the ACK names them, every HIT marks them and puts the prevailing order first', async () => {
      // A civil no-contact order, then a criminal order from another court that allows contact.
      const civil = await enter(clerk, epo({ nam: 'CONFLICT, CONRAD', dob: '19800808', typ: 'DVRO', pco: '01 05' }));
      assert.deepEqual(civil.reply.body, [`PNO/${civil.pno}`], 'nothing to conflict with yet');
      const criminal = await enter(otherClerk, epo({ nam: 'CONFLICT, CONRAD', dob: '19800808', typ: 'CPO', pco: '01' }).replace(`EPO.${COURT}`, `EPO.${OTHER_COURT}`));
      assert.deepEqual(criminal.reply.body, [`PNO/${criminal.pno}`, `CFL/${civil.pno} PRV/${civil.pno}`], 'no-contact prevails over a criminal order allowing contact');

      const hit = await officer.send(`QPO.${POLICE}.NAM/CONFLICT, CONRAD.DOB/19800808`);
      assert.equal(hit.status, 'HIT');
      assert.deepEqual(records(hit), [civil.pno, criminal.pno], 'the prevailing order first');
      assert.equal(hit.body.filter((l) => l.includes(`CFL/Y PRV/${civil.pno}`)).length, 2, 'both records say which prevails');
      // A sound-alike spelling finds the same person, and the same conflict.
      const phonetic = await officer.send(`QPO.${POLICE}.NAM/KONFLIKT, CONRAD.DOB/19800808`);
      assert.deepEqual(records(phonetic), [civil.pno, criminal.pno]);
      assert.match(phonetic.body.join('\n'), /MAT\/P CFL\/Y/);

      // Then an emergency protective order from the field that allows contact: it conflicts with the
      // civil no-contact order (not with the criminal one, whose terms it shares) and prevails.
      const cached = await officer.send(`QPO.${POLICE}.PNO/${civil.pno}`);
      assert.match(cached.body.join('\n'), new RegExp(`CFL/Y PRV/${civil.pno}`));
      const emergency = await enter(clerk, epo({ nam: 'CONFLICT, CONRAD', dob: '19800808', typ: 'EPO', exp: '20260619', pco: '01' }));
      assert.deepEqual(emergency.reply.body, [`PNO/${emergency.pno}`, `CFL/${civil.pno} PRV/${emergency.pno}`]);
      const civilNow = await officer.send(`QPO.${POLICE}.PNO/${civil.pno}`);
      assert.match(civilNow.body.join('\n'), new RegExp(`CFL/Y PRV/${emergency.pno}`), 'a cached answer kept the old conflict');
      const criminalNow = await officer.send(`QPO.${POLICE}.PNO/${criminal.pno}`);
      assert.match(criminalNow.body.join('\n'), new RegExp(`CFL/Y PRV/${civil.pno}`));
      const all = await officer.send(`QPO.${POLICE}.NAM/CONFLICT, CONRAD.DOB/19800808`);
      assert.deepEqual(records(all), [emergency.pno, civil.pno, criminal.pno], 'in the order an officer enforces them');

      // The judges see each court's open conflicts, each pair once.
      const open = await t.service.registry.openConflicts(OTHER_COURT);
      assert.deepEqual(open.map((c) => [c.orders.map((o) => o.pno).sort(), c.prevails, c.kinds]), [[[civil.pno, criminal.pno].sort(), civil.pno, ['CONTACT']]]);
      assert.equal((await t.service.registry.openConflicts(COURT)).length, 2);

      // Clearing the criminal order ends its conflicts; the others remain as they are.
      assert.equal((await otherClerk.send(`CPO.${OTHER_COURT}.PNO/${criminal.pno}`)).status, 'ACK');
      const civilAfter = await officer.send(`QPO.${POLICE}.PNO/${civil.pno}`);
      assert.match(civilAfter.body.join('\n'), new RegExp(`CFL/Y PRV/${emergency.pno}`));
      assert.equal((await t.service.registry.openConflicts(OTHER_COURT)).length, 0);
      assert.equal((await t.service.registry.openConflicts(COURT)).length, 1);
    });

    test('a conflict ends the moment one order expires, before any job runs', async () => {
      const a = await enter(clerk, epo({ nam: 'EXPIRY, EDWARD', dob: '19700101', typ: 'DVTRO', exp: '20260620', pco: '01 04', extra: '.DST/100' }));
      const b = await enter(clerk, epo({ nam: 'EXPIRY, EDWARD', dob: '19700101', typ: 'CHRO', exp: '20290101', pco: '01 04', extra: '.DST/50' }));
      // Different stay-away distances; both civil, issued the same day: the one entered last prevails.
      assert.deepEqual(b.reply.body, [`PNO/${b.pno}`, `CFL/${a.pno} PRV/${b.pno}`]);
      const before = await officer.send(`QPO.${POLICE}.NAM/EXPIRY, EDWARD.DOB/19700101`);
      assert.equal(records(before).length, 2);
      assert.ok(before.body.some((l) => l.includes('CFL/Y')));
      t.clock.advance(6 * 24 * 3600_000); // 21 June: the DVTRO expired at the end of 20 June
      try {
        const after = await officer.send(`QPO.${POLICE}.NAM/EXPIRY, EDWARD.DOB/19700101`);
        assert.deepEqual(records(after), [b.pno]);
        assert.ok(!after.body.some((l) => l.includes('CFL/')), 'an expired order conflicts with nothing');
        // The expiry job then records what answers already said.
        const expired = await t.service.expiry.runOnce();
        assert.ok(expired >= 1);
        const history = await t.service.registry.orderHistory(a.pno);
        assert.equal(history.at(-1)!.action, 'EXPIRE');
        const { rows } = await t.service.registry.db.query<{ status: string }>(`SELECT status FROM orders WHERE pno = $1`, [a.pno]);
        assert.equal(rows[0]!.status, 'EXPIRED');
        assert.equal(await t.service.expiry.runOnce(), 0, 'nothing twice');
        const hst = await clerk.send(`QPO.${COURT}.PNO/${a.pno}.HST/Y`);
        assert.equal(field(hst, 'STS'), 'EXPIRED');
        assert.match(hst.body.join('\n'), /HST\/2 20260621190000 SYSTEM - EXPIRE EXP,STS/);
      } finally {
        t.clock.advance(-6 * 24 * 3600_000);
      }
    });
  });
}
