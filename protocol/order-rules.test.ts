// The court's business rules on an order (issue 5, ICD 4.1, REFERENCE "California orders"): one
// case per rule with the reason text a clerk reads in REJ FLD, the court calendar behind EPOs,
// and the same rules applied to an order as an MPO would leave it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { courtHolidays, isCourtDay, nthCourtDayAfter } from './court-calendar.ts';
import type { OrderFields, OrderType } from './messages.ts';
import { addYears, checkOrder, latestExpiry, mergeOrder } from './order-rules.ts';
import { parseMessage } from './parser.ts';

const TODAY = '20260615';
const order = (o: Partial<OrderFields> = {}): OrderFields => ({
  nam: 'SMITH, JOHN', sex: 'M', rac: 'W', dob: '19800101', typ: 'DVRO', oca: '26FL1', cti: 'CA019015J',
  isd: '20260601', exp: '20290601', pco: ['01'], protected: [{ ppn: 'DOE, JANE', psx: 'F', ppb: '19850505' }], ...o,
});

describe('the court calendar', () => {
  it('knows the judicial holidays of a year, weekend ones observed on the nearest weekday', () => {
    assert.deepEqual([...courtHolidays(2025)].sort(), [
      '20250101', '20250120', '20250212', '20250217', '20250331', '20250526', '20250619', '20250704',
      '20250901', '20250926', '20251111', '20251127', '20251128', '20251225',
    ]);
    // 4 July 2026 is a Saturday: the courts close on Friday 3 July. 1 January 2028 (Saturday) → 31 Dec 2027.
    assert.ok(courtHolidays(2026).has('20260703'));
    assert.ok(!isCourtDay('20260703'));
    assert.ok(courtHolidays(2028).has('20271231'));
    // Sunday 11 November 2029 → Monday 12 November.
    assert.ok(courtHolidays(2029).has('20291112'));
  });

  it('counts court days after a date, skipping weekends and holidays', () => {
    assert.equal(nthCourtDayAfter('20250530', 5), '20250606'); // Friday → next Friday
    assert.equal(nthCourtDayAfter('20251124', 5), '20251203'); // over Thanksgiving and the day after
    assert.equal(nthCourtDayAfter('20250601', 1), '20250602');
  });
});

describe('durations by order type', () => {
  it('EPO: the earlier of the 5th court day and the 7th calendar day after issue', () => {
    assert.equal(latestExpiry('EPO', '20250601'), '20250606', 'issued on a Sunday: five court days end on Friday, before day 7');
    assert.equal(latestExpiry('EPO', '20250531'), '20250606', 'issued on a Saturday: day 6');
    assert.equal(latestExpiry('EPO', '20250530'), '20250606', 'issued on a Friday: both are day 7');
    assert.equal(latestExpiry('EPO', '20251124'), '20251201', 'over Thanksgiving: the 7th calendar day comes first');
    assert.equal(checkOrder(order({ typ: 'EPO', isd: '20250601', exp: '20250606' }), TODAY), null);
    assert.equal(checkOrder(order({ typ: 'EPO', isd: '20250601', exp: '20250607' }), TODAY), 'EXP LATER THAN 20250606 (TYP EPO: 5TH COURT DAY OR 7TH DAY AFTER ISD)');
  });

  const cases: [OrderType, string, string, string][] = [
    ['GVEPO', '20260601', '20260622', 'EXP LATER THAN 20260622 (TYP GVEPO: AT MOST 21 DAYS AFTER ISD)'],
    ['GVTRO', '20260601', '20260622', 'EXP LATER THAN 20260622 (TYP GVTRO: AT MOST 21 DAYS AFTER ISD)'],
    ['DVTRO', '20260601', '20260626', 'EXP LATER THAN 20260626 (TYP DVTRO: AT MOST 25 DAYS AFTER ISD)'],
    ['CHTRO', '20260601', '20260626', 'EXP LATER THAN 20260626 (TYP CHTRO: AT MOST 25 DAYS AFTER ISD)'],
    ['EATRO', '20260601', '20260626', 'EXP LATER THAN 20260626 (TYP EATRO: AT MOST 25 DAYS AFTER ISD)'],
    ['WVTRO', '20260601', '20260626', 'EXP LATER THAN 20260626 (TYP WVTRO: AT MOST 25 DAYS AFTER ISD)'],
    ['SVTRO', '20260601', '20260626', 'EXP LATER THAN 20260626 (TYP SVTRO: AT MOST 25 DAYS AFTER ISD)'],
    ['DVRO', '20260601', '20310601', 'EXP LATER THAN 20310601 (TYP DVRO: AT MOST 5 YEARS AFTER ISD)'],
    ['CHRO', '20260601', '20310601', 'EXP LATER THAN 20310601 (TYP CHRO: AT MOST 5 YEARS AFTER ISD)'],
    ['GVRO', '20260601', '20310601', 'EXP LATER THAN 20310601 (TYP GVRO: AT MOST 5 YEARS AFTER ISD)'],
    ['JVRO', '20260601', '20310601', 'EXP LATER THAN 20310601 (TYP JVRO: AT MOST 5 YEARS AFTER ISD)'],
    ['CPO', '20260601', '20360601', 'EXP LATER THAN 20360601 (TYP CPO: AT MOST 10 YEARS AFTER ISD)'],
  ];
  for (const [typ, isd, latest, text] of cases) {
    it(`${typ}: through ${latest} and not a day more`, () => {
      assert.equal(checkOrder(order({ typ, isd, exp: latest }), TODAY), null);
      const dayAfter = latest.slice(0, 6) + String(Number(latest.slice(6)) + 1).padStart(2, '0');
      assert.equal(checkOrder(order({ typ, isd, exp: dayAfter }), TODAY), text);
    });
  }

  it('an out-of-state or tribal order keeps its own terms', () => {
    assert.equal(checkOrder(order({ typ: 'OOS', exp: '20460601' }), TODAY), null);
    assert.equal(checkOrder(order({ typ: 'OOS', exp: 'NONEXP' }), TODAY), null);
  });

  it('NONEXP only where the law allows it (a renewed DVRO, an OOS order)', () => {
    assert.equal(checkOrder(order({ typ: 'DVRO', exp: 'NONEXP' }), TODAY), null);
    for (const typ of ['EPO', 'DVTRO', 'CHRO', 'CPO', 'GVRO'] as OrderType[]) {
      assert.equal(checkOrder(order({ typ, exp: 'NONEXP' }), TODAY), `EXP NONEXP NOT ALLOWED FOR TYP ${typ} - GIVE A DATE`);
    }
  });

  it('years end on the same calendar date; 29 February on 28 February', () => {
    assert.equal(addYears('20280229', 5), '20330228');
    assert.equal(addYears('20280229', 4), '20320229');
  });
});

describe('dates, conditions and people', () => {
  it('the issue date is not in the future; expiration comes after issue', () => {
    assert.equal(checkOrder(order({ isd: '20260616', exp: '20270101' }), TODAY), 'ISD 20260616 IS IN THE FUTURE');
    assert.equal(checkOrder(order({ isd: TODAY, exp: '20270101' }), TODAY), null, 'issued today is fine');
    assert.equal(checkOrder(order({ exp: '20260601' }), TODAY), 'EXP MUST BE AFTER ISD');
    assert.equal(checkOrder(order({ exp: '20260531' }), TODAY), 'EXP MUST BE AFTER ISD');
  });

  it('PCO 04 needs DST, 08 needs MIS, at least one protected person', () => {
    assert.equal(checkOrder(order({ pco: ['01', '04'] }), TODAY), 'DST REQUIRED WHEN PCO HAS 04');
    assert.equal(checkOrder(order({ pco: ['01', '04'], dst: 100 }), TODAY), null);
    assert.equal(checkOrder(order({ pco: ['08'] }), TODAY), 'MIS REQUIRED WHEN PCO HAS 08');
    assert.equal(checkOrder(order({ pco: ['08'], mis: 'SEE ATTACHMENT' }), TODAY), null);
    assert.equal(checkOrder(order({ protected: [] }), TODAY), 'PPN REQUIRED (AT LEAST ONE PROTECTED PERSON)');
  });

  it('the parser applies them to EPO with the service date as today', () => {
    const epo = 'EPO.CA019015J.NAM/SMITH, JOHN.SEX/M.RAC/W.DOB/19800101.TYP/DVTRO.OCA/1.ISD/20260610.EXP/20260710.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505';
    const r = parseMessage(epo, { today: TODAY });
    assert.ok(!r.ok);
    assert.equal(r.rejection.text, 'EXP LATER THAN 20260705 (TYP DVTRO: AT MOST 25 DAYS AFTER ISD)');
    assert.ok(parseMessage(epo.replace('EXP/20260710', 'EXP/20260705'), { today: TODAY }).ok);
    const future = parseMessage(epo.replace('ISD/20260610', 'ISD/20260620').replace('EXP/20260710', 'EXP/20260701'), { today: TODAY });
    assert.ok(!future.ok);
    assert.equal(future.rejection.text, 'ISD 20260620 IS IN THE FUTURE');
  });

  it('MPO: the rules hold for the order as the change leaves it', () => {
    const stored = order({ typ: 'DVTRO', isd: '20260601', exp: '20260620' });
    assert.equal(checkOrder(mergeOrder(stored, { exp: '20260626' }), TODAY), null);
    assert.equal(checkOrder(mergeOrder(stored, { exp: '20260627' }), TODAY), 'EXP LATER THAN 20260626 (TYP DVTRO: AT MOST 25 DAYS AFTER ISD)');
    // After the hearing the court turns the temporary order into a DVRO: the longer limit applies.
    assert.equal(checkOrder(mergeOrder(stored, { typ: 'DVRO', exp: '20310601' }), TODAY), null);
  });
});
