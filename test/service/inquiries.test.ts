// Each QPO form of ICD 4 against the real registry, over TCP, with the reply layout of ICD 5.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pnoFromSequence } from '../../protocol/fields.ts';
import { CAVEAT, fieldValue, parseReply } from '../../protocol/index.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const EPO = (oca: string, extra = '') =>
  `EPO.${COURT}.NAM/STEPHENS, JOHN PAUL.SEX/M.RAC/W.DOB/19750315.HGT/511.WGT/190.EYE/BRO.HAI/BLK.OLN/B7654321.OLS/CA` +
  `.TYP/DVRO.OCA/${oca}.ISD/20260501.EXP/20290501.PCO/01 04 05.DST/100.BRD/Y` +
  `.PPN/STEPHENS, MARY.PSX/F.PPR/W.PPB/19780704.PPN/STEPHENS, LILY.PSX/F.PPB/20150101${extra}`;

for (const backend of backends()) {
  describe(`QPO on ${backend.name}`, () => {
    let t: TestService;
    let clerk: TestTerminal;
    let officer: TestTerminal;
    let pno: string;
    before(async () => {
      t = await startTestService(backend, { redis: true });
      clerk = await TestTerminal.connect(t.tcp);
      officer = await TestTerminal.connect(t.tcp);
      await clerk.send(son('CLERK'));
      await officer.send(son('OFFICER'));
      const ack = await clerk.send(EPO('FL-77', '.MIS/RESPONDENT OWNS A RED TRUCK. SEE FILE'));
      assert.equal(ack.status, 'ACK', ack.lines.join('\n'));
      pno = ack.body[0]!.replace('PNO/', '');
      await t.service.registry.recordFcn(pno, '1901234567890', CLERK);
    });
    after(async () => {
      clerk.close();
      officer.close();
      await t.stop();
      await backend.cleanup();
    });

    const forms: [string, string][] = [
      ['NAM + DOB (phonetic)', `NAM/STEVENS, J.DOB/19750315`],
      ['NAM + DOB + SEX', `NAM/STEPHENS, JOHN.DOB/19750315.SEX/M`],
      ['PPN + PPB', `PPN/STEPHENS, LILY.PPB/20150101`],
      ['PNO', `PNO/{pno}`],
      ['FCN', `FCN/1901234567890`],
      ['OLN + OLS', `OLN/B7654321.OLS/CA`],
      ['OCA + CTI', `OCA/FL-77.CTI/${COURT}`],
    ];
    for (const [form, fields] of forms) {
      test(`${form} finds the order`, async () => {
        const r = await officer.send(`QPO.${POLICE}.${fields.replace('{pno}', pno)}.CTL/Q1`);
        assert.equal(r.status, 'HIT', r.lines.join('\n'));
        assert.equal(r.ctl, 'Q1');
        assert.equal(r.body[0], CAVEAT, 'the caveat comes first');
        assert.match(r.body[1]!, /^01 PNO\//);
        for (const line of r.lines) assert.ok(line.length <= 80, `line over 80 columns: ${line}`);
        const parsed = parseReply(r.lines);
        const tags = new Map(parsed.fields);
        assert.equal(tags.get('PNO'), pno);
        assert.equal(tags.get('FCN'), '1901234567890');
        assert.equal(tags.get('STS'), 'ACTIVE');
        assert.equal(tags.get('NAM'), 'STEPHENS, JOHN PAUL');
        assert.equal(tags.get('DST'), '100');
        assert.equal(tags.get('BRD'), 'Y');
        assert.deepEqual(parsed.fields.filter(([tag]) => tag === 'PPN').map(([, v]) => v), ['STEPHENS, MARY', 'STEPHENS, LILY']);
        assert.match(r.lines.at(-1)!, /MIS\//, 'MIS last');
      });
    }

    test('name searches say how the name matched', async () => {
      const exact = parseReply((await officer.send(`QPO.${POLICE}.NAM/STEPHENS, JOHN.DOB/19750315`)).lines);
      const sounds = parseReply((await officer.send(`QPO.${POLICE}.NAM/STEVENS, JON.DOB/19750315`)).lines);
      assert.equal(fieldValue(exact.fields, 'MAT'), 'E');
      assert.equal(fieldValue(sounds.fields, 'MAT'), 'P');
    });

    test('no match: NREC stating the criteria and nothing else', async () => {
      const r = await officer.send(`QPO.${POLICE}.NAM/STEPHENS, JOHN.DOB/19750316`);
      assert.equal(r.status, 'NREC');
      assert.ok(r.body.join(' ').includes('19750316'));
      assert.ok(!r.body.join(' ').includes(pno));
      assert.equal((await officer.send(`QPO.${POLICE}.OCA/FL-77.CTI/${OTHER_COURT}`)).status, 'NREC');
    });

    test('HST/Y shows inactive orders to court staff only', async () => {
      const ack = await clerk.send(EPO('FL-78').replace('DOB/19750315', 'DOB/19750316'));
      const old = ack.body[0]!.replace('PNO/', '');
      assert.equal((await clerk.send(`CPO.${COURT}.PNO/${old}`)).status, 'ACK');
      assert.equal((await officer.send(`QPO.${POLICE}.PNO/${old}`)).status, 'NREC');
      assert.equal((await officer.send(`QPO.${POLICE}.PNO/${old}.HST/Y`)).body[0]!.slice(0, 7), 'REJ/PRM');
      const judge = await TestTerminal.connect(t.tcp);
      await judge.send(son('JUDGE'));
      const r = await judge.send(`QPO.${COURT}.PNO/${old}.HST/Y`);
      judge.close();
      assert.equal(r.status, 'HIT');
      assert.equal(fieldValue(parseReply(r.lines).fields, 'STS'), 'CLEARED');
    });

    test('an order past its expiration date is gone from answers the moment it expires', async () => {
      const ack = await clerk.send(EPO('FL-79').replace('DOB/19750315', 'DOB/19750317').replace('EXP/20290501', 'EXP/20260615'));
      const short = ack.body[0]!.replace('PNO/', '');
      assert.equal((await officer.send(`QPO.${POLICE}.PNO/${short}`)).status, 'HIT');
      t.clock.set(new Date('2026-06-16T07:00:00Z')); // midnight in California
      try {
        assert.equal((await officer.send(`QPO.${POLICE}.PNO/${short}`)).status, 'NREC');
      } finally {
        t.clock.set(new Date('2026-06-15T19:00:00Z'));
      }
    });

    test('a second EPO for the same court, case and type is REJ DUP and enters nothing', async () => {
      const r = await clerk.send(EPO('FL-77'));
      assert.equal(r.body[0]!.slice(0, 7), 'REJ/DUP');
      assert.equal((await t.service.registry.findOrdersByCase('FL-77', COURT)).length, 1);
    });

    test('service recorded by an officer shows in the next answer', async () => {
      const r = await officer.send(`SPO.${POLICE}.PNO/${pno}.SDT/202606151130.SHW/VERBAL.SVB/OFC REYES 4411`);
      assert.equal(r.status, 'ACK', r.lines.join('\n'));
      const hit = parseReply((await officer.send(`QPO.${POLICE}.PNO/${pno}`)).lines);
      const tags = new Map(hit.fields);
      assert.equal(tags.get('SRV'), 'Y');
      assert.equal(tags.get('SHW'), 'VERBAL');
      assert.equal((await officer.send(`SPO.${POLICE}.PNO/${pnoFromSequence(999_999)}.SDT/202606151130.SHW/VERBAL`)).body[0]!.slice(0, 7), 'REJ/NFD');
    });
  });
}
