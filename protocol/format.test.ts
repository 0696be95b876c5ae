import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ackBody,
  bodyValue,
  CAVEAT,
  conflictLine,
  fieldValue,
  formatHeader,
  formatReply,
  hitBody,
  MAX_LINE,
  nrecBody,
  parseReply,
  rejectBody,
  tagLines,
  wrapLine,
} from './format.ts';
import { REJECT_CODES, type OrderView, type RejectCode, type Reply } from './messages.ts';

const T = new Date('2025-06-01T17:04:09.123Z');
const reply = (r: Partial<Reply>): Reply => ({ mke: 'QPO', status: 'HIT', ori: 'CA0194200', seq: 1, time: T, body: [], ...r });

const order = (o: Partial<OrderView> = {}): OrderView => ({
  pno: 'PO0000000018',
  fcn: '1901234567890',
  typ: 'DVRO',
  status: 'ACTIVE',
  isd: '20250101',
  exp: '20260101',
  cti: 'CA019015J',
  oca: '24FL001234',
  restrained: {
    name: 'SMITH, JOHN', sex: 'M', race: 'W', dob: '19800101', height: '510', weight: 180, eyes: 'BRO', hair: 'BLK',
  },
  protected: [{ name: 'DOE, JANE', sex: 'F', race: null, dob: '19850505' }],
  pco: ['01', '04'],
  dst: 100,
  brady: 'Y',
  service: null,
  images: 0,
  mis: null,
  ...o,
});

describe('formatHeader (ICD 5 columns)', () => {
  it('puts every field in its columns, character by character', () => {
    const h = formatHeader(reply({ ctl: 'MDT7-0042' }));
    const expected = 'QPO  HIT  CA0194200 000001 20250601170409 MDT7-0042';
    assert.equal(h, expected);
    const col = (from: number, to: number) => h.slice(from - 1, to);
    assert.equal(col(1, 4), 'QPO ');
    assert.equal(col(5, 5), ' ');
    assert.equal(col(6, 9), 'HIT ');
    assert.equal(col(10, 10), ' ');
    assert.equal(col(11, 19), 'CA0194200');
    assert.equal(col(20, 20), ' ');
    assert.equal(col(21, 26), '000001');
    assert.equal(col(27, 27), ' ');
    assert.equal(col(28, 41), '20250601170409');
    assert.equal(col(42, 42), ' ');
    assert.equal(col(43, 52), 'MDT7-0042');
    for (let i = 0; i < expected.length; i++) assert.equal(h[i], expected[i], `column ${i + 1}`);
  });

  it('writes every status in columns 6-9', () => {
    const statuses = { HIT: 'HIT ', NREC: 'NREC', ACK: 'ACK ', REJ: 'REJ ', MSG: 'MSG ', NOTE: 'NOTE' } as const;
    for (const [status, text] of Object.entries(statuses)) {
      assert.equal(formatHeader(reply({ status: status as Reply['status'] })).slice(5, 9), text);
    }
  });

  it('trims trailing blanks: 41 characters without CTL, 52 with a 10-character CTL', () => {
    assert.equal(formatHeader(reply({})), 'QPO  HIT  CA0194200 000001 20250601170409');
    assert.equal(formatHeader(reply({ ctl: 'ABCDEFGHIJ' })).length, 52);
  });

  it('leaves columns 1-4 blank when the key could not be read, and 11-19 before sign-on', () => {
    assert.equal(formatHeader(reply({ mke: '', status: 'REJ', ori: '' })), '     REJ            000001 20250601170409');
    assert.equal(formatHeader(reply({ mke: 'YQ', status: 'MSG' })).slice(0, 10), 'YQ   MSG  ');
  });

  it('writes the sequence in six digits and wraps after 999999 to 000001', () => {
    const seq = (n: number) => formatHeader(reply({ seq: n })).slice(20, 26);
    assert.equal(seq(42), '000042');
    assert.equal(seq(999_999), '999999');
    assert.equal(seq(1_000_000), '000001');
  });
});

describe('formatReply', () => {
  it('is the header and the body, upper case, every line at most 80, no empty line, no trailing blank', () => {
    const lines = formatReply(reply({ status: 'ACK', mke: 'AM', body: ['pno/x  ', '', 'A'.repeat(100), 'caf\u00e9'] }));
    assert.equal(lines[1], 'PNO/X');
    assert.ok(lines.every((l) => l.length <= MAX_LINE && l !== '' && l === l.trimEnd() && l === l.toUpperCase()));
    assert.equal(lines.at(-1), 'CAF?');
    assert.equal(lines.length, 5);
  });

  it('splits body text at CR and LF', () => {
    assert.deepEqual(formatReply(reply({ body: ['A\r\nB\nC'] })).slice(1), ['A', 'B', 'C']);
  });
});

describe('body builders', () => {
  it('HIT: the caveat is the first body line', () => {
    const body = hitBody([order(), order({ pno: 'PO0000000026' })]);
    assert.equal(body[0], CAVEAT);
    assert.ok(CAVEAT.length <= MAX_LINE);
    assert.match(CAVEAT, /NOT ARREST/);
    assert.match(CAVEAT, /YQ/);
    assert.equal(formatReply(reply({ body })).at(1), CAVEAT);
  });

  it('HIT: each order is a block whose first line starts with a two-digit record number', () => {
    const body = hitBody([order(), order({ pno: 'PO0000000026', service: { sdt: '202501021200', shw: 'PERSONAL', svb: 'OFC J SMITH #1234' } })]);
    assert.deepEqual(body.slice(1), [
      '01 PNO/PO0000000018 FCN/1901234567890 TYP/DVRO STS/ACTIVE',
      '   ISD/20250101 EXP/20260101 CTI/CA019015J OCA/24FL001234',
      '   NAM/SMITH, JOHN SEX/M RAC/W DOB/19800101 HGT/510 WGT/180 EYE/BRO HAI/BLK',
      '   PPN/DOE, JANE PSX/F PPB/19850505',
      '   PCO/01 04 DST/100 BRD/Y',
      '   SRV/N',
      '   IMG/0',
      '02 PNO/PO0000000026 FCN/1901234567890 TYP/DVRO STS/ACTIVE',
      '   ISD/20250101 EXP/20260101 CTI/CA019015J OCA/24FL001234',
      '   NAM/SMITH, JOHN SEX/M RAC/W DOB/19800101 HGT/510 WGT/180 EYE/BRO HAI/BLK',
      '   PPN/DOE, JANE PSX/F PPB/19850505',
      '   PCO/01 04 DST/100 BRD/Y',
      '   SRV/Y SDT/202501021200 SHW/PERSONAL SVB/OFC J SMITH #1234',
      '   IMG/0',
    ]);
  });

  it('HIT: OLN/OLS, aliases, PPR, MAT, CFL/PRV, IMG and MIS last', () => {
    const body = hitBody([
      order({
        fcn: null,
        restrained: { ...order().restrained, oln: 'D1234567', ols: 'CA', aliases: ['SMYTHE, JON'] },
        protected: [{ name: 'DOE, JANE', sex: 'F', race: 'W', dob: '19850505' }, { name: 'DOE, JIM', sex: null, race: null, dob: '20150101' }],
        images: 2,
        match: 'P',
        conflict: { prevails: 'PO0000000026' },
        mis: 'SEE ATTACHMENT',
      }),
    ]);
    assert.deepEqual(body.slice(1), [
      '01 PNO/PO0000000018 TYP/DVRO STS/ACTIVE',
      '   ISD/20250101 EXP/20260101 CTI/CA019015J OCA/24FL001234',
      '   NAM/SMITH, JOHN SEX/M RAC/W DOB/19800101 HGT/510 WGT/180 EYE/BRO HAI/BLK',
      '   OLN/D1234567 OLS/CA AKA/SMYTHE, JON',
      '   PPN/DOE, JANE PSX/F PPR/W PPB/19850505',
      '   PPN/DOE, JIM PPB/20150101',
      '   PCO/01 04 DST/100 BRD/Y',
      '   SRV/N',
      '   IMG/2 MAT/P CFL/Y PRV/PO0000000026',
      '   MIS/SEE ATTACHMENT',
    ]);
  });

  it('HIT: keeps every line within 80 columns on a record with long values, and reads back', () => {
    const mis = `${'NO CONTACT WITH THE PROTECTED PERSONS OR THEIR CHILDREN AT 1234 VERY LONG STREET NAME AVE. '.repeat(5)}X`.slice(0, 500);
    const long = order({
      restrained: {
        name: 'WOLFESCHLEGELSTEINHAUSEN, HUBERT', sex: 'M', race: 'W', dob: '19800101', height: '600', weight: 999,
        eyes: 'HAZ', hair: 'GRY', oln: 'ABCDEFGHIJ0123456789', ols: 'NY',
        aliases: ['WOLFE, HUBERT BLAINE', "O'NEIL-MCDONALD, HUBERT JAMES", 'WOLFESCHLEGEL, H'],
      },
      protected: [{ name: 'VANDERBILT-ASTOR, PENELOPE ANNE', sex: 'F', race: 'W', dob: '19850505' }],
      pco: ['01', '02', '03', '04', '05', '06', '07', '08', '09'],
      dst: 9999,
      service: { sdt: '202501021200', shw: 'PERSONAL', svb: "DEP O'CONNOR-WHITFIELD #12345" },
      oca: 'ABCDEFGHIJ-123456789',
      images: 12,
      mis,
      match: 'E',
      conflict: { prevails: 'PO0000000026' },
    });
    const lines = formatReply(reply({ body: hitBody([long]) }));
    for (const l of lines) assert.ok(l.length <= MAX_LINE, `${l.length}: ${l}`);
    const r = parseReply(lines);
    const rec = r.records[0]!;
    assert.equal(fieldValue(rec.fields, 'MIS'), mis.trimEnd());
    assert.equal(fieldValue(rec.fields, 'NAM'), 'WOLFESCHLEGELSTEINHAUSEN, HUBERT');
    assert.equal(fieldValue(rec.fields, 'SVB'), "DEP O'CONNOR-WHITFIELD #12345");
    assert.deepEqual(rec.fields.filter(([t]) => t === 'AKA').map(([, v]) => v), long.restrained.aliases);
    assert.equal(fieldValue(rec.fields, 'PCO'), '01 02 03 04 05 06 07 08 09');
  });

  it('HIT: a value containing " XXX/" cannot be misread as a tag', () => {
    const lines = formatReply(reply({ body: hitBody([order({ mis: 'SEE ATT/A AND PNO/PO0000000026. DATE 1/2/2025' })]) }));
    const mis = fieldValue(parseReply(lines).records[0]!.fields, 'MIS');
    assert.equal(mis, 'SEE ATT-A AND PNO-PO0000000026. DATE 1/2/2025');
    assert.equal(bodyValue('ABC/DEF/GHI X/Y LONG/Z'), 'ABC-DEF/GHI X/Y LONG/Z');
  });

  it('HIT: at most 99 records, and says how many there were', () => {
    const body = hitBody(Array.from({ length: 120 }, () => order()));
    assert.equal(body[1], 'RECORDS SHOWN: 99 OF 120 - NARROW THE INQUIRY');
    const r = parseReply(formatReply(reply({ body })));
    assert.equal(r.records.length, 99);
    assert.equal(r.records.at(-1)!.no, 99);
    assert.equal(hitBody([order()], { total: 30 })[1], 'RECORDS SHOWN: 1 OF 30 - NARROW THE INQUIRY');
  });

  it('NREC: the searched criteria and nothing else', () => {
    assert.deepEqual(nrecBody({ form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101', sex: 'M' }), ['NAM/SMITH, JOHN DOB/19800101 SEX/M']);
    assert.deepEqual(nrecBody({ form: 'PROTECTED', ppn: 'DOE, JANE', ppb: '19850505' }, true), ['PPN/DOE, JANE PPB/19850505 HST/Y']);
    assert.deepEqual(nrecBody({ form: 'PNO', pno: 'PO0000000018' }), ['PNO/PO0000000018']);
    assert.deepEqual(nrecBody({ form: 'FCN', fcn: '1901234567890' }), ['FCN/1901234567890']);
    assert.deepEqual(nrecBody({ form: 'LICENCE', oln: 'D1', ols: 'CA' }), ['OLN/D1 OLS/CA']);
    assert.deepEqual(nrecBody({ form: 'CASE', oca: '24FL1', cti: 'CA019015J' }), ['OCA/24FL1 CTI/CA019015J']);
  });

  it('ACK: the PNO, then CFL lines', () => {
    assert.deepEqual(ackBody('PO0000000034'), ['PNO/PO0000000034']);
    assert.deepEqual(ackBody('PO0000000034', [conflictLine('PO0000000018', 'PO0000000034')]), [
      'PNO/PO0000000034',
      'CFL/PO0000000018 PRV/PO0000000034',
    ]);
  });

  it('REJ: one line REJ/<code> <text> for every code', () => {
    for (const code of Object.keys(REJECT_CODES) as RejectCode[]) {
      const [line, ...rest] = rejectBody(code);
      assert.deepEqual(rest, []);
      assert.equal(line, `REJ/${code} ${REJECT_CODES[code]}`);
      assert.ok(line!.length <= MAX_LINE);
      assert.deepEqual(parseReply(formatReply(reply({ status: 'REJ', body: rejectBody(code) }))).reject, { code, text: REJECT_CODES[code] });
    }
    assert.deepEqual(rejectBody('FLD', 'dob not a real date'), ['REJ/FLD DOB NOT A REAL DATE']);
    assert.equal(rejectBody('FLD', 'X'.repeat(200))[0]!.length, MAX_LINE);
  });
});

describe('layout helpers', () => {
  it('tagLines wraps groups to 80 columns, continuation lines indented', () => {
    const lines = tagLines(Array.from({ length: 12 }, (_, i) => [`T${String.fromCharCode(65 + i)}X`, 'VALUE-1234'] as const), '01 ');
    assert.ok(lines.every((l) => l.length <= MAX_LINE));
    assert.ok(lines[0]!.startsWith('01 TAX/'));
    assert.ok(lines.slice(1).every((l) => l.startsWith('   T')));
  });

  it('wrapLine cuts a word longer than a line without starting a piece with TAG/', () => {
    const word = `${'A'.repeat(76)}BCD/EFG`;
    const pieces = wrapLine(`   MIS/${word}`);
    assert.ok(pieces.every((p) => p.length <= MAX_LINE));
    assert.ok(pieces.slice(1).every((p) => !/^ *[A-Z]{3}\//.test(p)), pieces.join('|'));
  });
});

describe('parseReply', () => {
  it('reads the header, the body lines and the tag/value pairs', () => {
    const lines = formatReply(reply({ mke: 'EPO', status: 'ACK', ctl: 'E1', seq: 12, body: ackBody('PO0000000034', [conflictLine('PO0000000018', 'PO0000000034')]) }));
    const r = parseReply(lines);
    assert.deepEqual(
      { mke: r.mke, status: r.status, ori: r.ori, seq: r.seq, time: r.time, ctl: r.ctl },
      { mke: 'EPO', status: 'ACK', ori: 'CA0194200', seq: 12, time: '20250601170409', ctl: 'E1' },
    );
    assert.deepEqual(r.body, ['PNO/PO0000000034', 'CFL/PO0000000018 PRV/PO0000000034']);
    assert.deepEqual(r.fields, [['PNO', 'PO0000000034'], ['CFL', 'PO0000000018'], ['PRV', 'PO0000000034']]);
    assert.deepEqual(r.records, []);
  });

  it('reads a HIT into records', () => {
    const r = parseReply(formatReply(reply({ body: hitBody([order(), order({ pno: 'PO0000000026', status: 'EXPIRED' })]) })));
    assert.equal(r.records.length, 2);
    assert.deepEqual(r.records.map((x) => [x.no, fieldValue(x.fields, 'PNO'), fieldValue(x.fields, 'STS')]), [
      [1, 'PO0000000018', 'ACTIVE'],
      [2, 'PO0000000026', 'EXPIRED'],
    ]);
    assert.equal(fieldValue(r.records[0]!.fields, 'NAM'), 'SMITH, JOHN');
  });

  it('reads a REJ line whole, slashes included', () => {
    const r = parseReply(formatReply(reply({ status: 'REJ', mke: 'YR', body: rejectBody('FLD', 'TIM REQUIRED WITH CNF/T') })));
    assert.deepEqual(r.reject, { code: 'FLD', text: 'TIM REQUIRED WITH CNF/T' });
  });

  it('refuses a line that is not a header', () => {
    assert.throws(() => parseReply(['HELLO']));
    assert.throws(() => parseReply(['QPO  XXX  CA0194200 000001 20250601170409']));
  });
});
