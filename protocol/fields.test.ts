import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, isRealDate, isRealDateTime, isWellFormedPno, type Tag, TAGS, validateField } from './fields.ts';

const TODAY = '20250601';

function ok(tag: Tag, value: string, expected?: unknown) {
  const r = validateField(tag, value, TODAY);
  assert.ok(r.ok, `${tag}/${value}: ${r.ok ? '' : r.text}`);
  if (expected !== undefined) assert.deepEqual(r.value, expected);
}

function bad(tag: Tag, value: string, text?: string) {
  const r = validateField(tag, value, TODAY);
  assert.ok(!r.ok, `${tag}/${value} should be refused`);
  assert.ok(r.text.startsWith(`${tag} `), `the text names the tag first: ${r.text}`);
  if (text !== undefined) assert.equal(r.text, text);
}

describe('fields (ICD 3.1)', () => {
  it('NAM, PPN, AKA: LAST, FIRST MIDDLE SUFFIX in letters, space, hyphen, apostrophe, one comma, at most 30', () => {
    for (const tag of ['NAM', 'PPN', 'AKA'] as const) {
      for (const v of ['SMITH, JOHN', 'SMITH,JOHN', "O'BRIEN, MARY-KATE ANN", 'DE LA CRUZ, MARIA', 'PRINCE', 'SMITH, JOHN PAUL JR']) ok(tag, v);
      for (const v of ['SMITH, JOHN, PAUL', 'SMITH1, JOHN', 'SMITH ,JOHN', ' SMITH', 'SMITH  JOHN', ', JOHN', 'SMITH, ', '-SMITH']) bad(tag, v);
      ok(tag, 'A'.repeat(30));
      bad(tag, 'A'.repeat(31), `${tag} LONGER THAN 30 CHARACTERS`);
      bad(tag, '', `${tag} MUST NOT BE EMPTY`);
    }
  });

  it('DOB, PPB: a real CCYYMMDD date, not after today', () => {
    for (const tag of ['DOB', 'PPB'] as const) {
      ok(tag, '19800229'.replace('1980', '1984'));
      ok(tag, TODAY);
      bad(tag, '19810229', `${tag} NOT A REAL DATE`);
      bad(tag, '20251301', `${tag} NOT A REAL DATE`);
      bad(tag, '20250602', `${tag} IN THE FUTURE`);
      bad(tag, '1980-01-01', `${tag} MUST BE CCYYMMDD`);
      bad(tag, '18991231', `${tag} NOT A REAL DATE`);
    }
  });

  it('SEX, PSX, RAC, PPR', () => {
    for (const v of ['M', 'F', 'X', 'U']) ok('SEX', v), ok('PSX', v);
    bad('SEX', 'Q', 'SEX MUST BE M, F, X OR U');
    for (const v of ['A', 'B', 'I', 'W', 'U']) ok('RAC', v), ok('PPR', v);
    bad('RAC', 'H', 'RAC MUST BE A, B, I, W OR U');
  });

  it('HGT FII, WGT 1-3 digits, EYE and HAI codes', () => {
    ok('HGT', '510');
    ok('HGT', '600');
    ok('HGT', '411');
    for (const v of ['512', '5100', '51', '010', '5-10']) bad('HGT', v);
    ok('WGT', '180', 180);
    ok('WGT', '070', 70);
    for (const v of ['0', '1800', 'ABC', '']) bad('WGT', v);
    for (const v of ['BRO', 'BLK', 'BLU', 'GRN', 'HAZ', 'GRY', 'RED', 'SDY', 'WHI', 'BLN', 'XXX']) ok('EYE', v), ok('HAI', v);
    bad('EYE', 'BROWN');
    bad('HAI', 'PNK');
  });

  it('OLN up to 20 letters or digits, OLS 2 letters', () => {
    ok('OLN', 'D1234567');
    ok('OLN', 'A'.repeat(20));
    bad('OLN', 'A'.repeat(21));
    bad('OLN', 'D123-456');
    ok('OLS', 'CA');
    bad('OLS', 'C1');
    bad('OLS', 'CAL');
  });

  it('PNO: PO, nine digits and a Luhn check digit', () => {
    for (const v of ['PO0000000018', 'PO0000000026', 'PO1234567897', 'PO9999999999']) ok('PNO', v);
    bad('PNO', 'PO0000000017', 'PNO CHECK DIGIT WRONG');
    bad('PNO', 'PO000000001', 'PNO MUST BE PO AND 10 DIGITS');
    bad('PNO', 'XX0000000018', 'PNO MUST BE PO AND 10 DIGITS');
    assert.equal(isWellFormedPno('PO0000000422'), true);
    assert.equal(isWellFormedPno('PO0000000423'), false);
  });

  it('FCN 13 digits, OCA up to 20, CTI and DES in ORI form', () => {
    ok('FCN', '1901234567890');
    bad('FCN', '190123456789');
    bad('FCN', '190123456789A');
    ok('OCA', '24FL001234');
    ok('OCA', 'BA-123456');
    bad('OCA', 'A'.repeat(21));
    bad('OCA', '24 FL 1234');
    for (const tag of ['CTI', 'DES'] as const) {
      ok(tag, 'CA0194200');
      ok(tag, 'CA019015J');
      for (const v of ['C10194200', 'CA019420', 'CA01942000', 'CA019420-']) bad(tag, v, `${tag} MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS`);
    }
  });

  it('TYP: the order types of ICD 3.2', () => {
    for (const v of ['EPO', 'DVTRO', 'DVRO', 'CHTRO', 'CHRO', 'EATRO', 'EARO', 'WVTRO', 'WVRO', 'SVTRO', 'SVRO', 'GVEPO', 'GVTRO', 'GVRO', 'CPO', 'JVRO', 'OOS']) {
      ok('TYP', v);
    }
    bad('TYP', 'TRO');
  });

  it('ISD a real date; EXP a real date or NONEXP', () => {
    ok('ISD', '20250101');
    ok('ISD', '20300101');
    bad('ISD', '20250230', 'ISD NOT A REAL DATE');
    ok('EXP', '20991231');
    ok('EXP', 'NONEXP');
    bad('EXP', 'NEVER', 'EXP MUST BE CCYYMMDD OR NONEXP');
    bad('EXP', '20250431', 'EXP NOT A REAL DATE');
  });

  it('PCO: codes 01-09, space separated, no repeats', () => {
    ok('PCO', '01', ['01']);
    ok('PCO', '01 04 05 07', ['01', '04', '05', '07']);
    ok('PCO', '09 01', ['09', '01']);
    bad('PCO', '01 01', 'PCO CODE REPEATED');
    bad('PCO', '10', 'PCO CODES MUST BE 01 TO 09');
    bad('PCO', '00', 'PCO CODES MUST BE 01 TO 09');
    bad('PCO', '01,04', 'PCO MUST BE CODES 01-09 SEPARATED BY SPACES');
    bad('PCO', '01  04');
    bad('PCO', '1 4');
  });

  it('DST 1-4 digits, BRD, SRV', () => {
    ok('DST', '100', 100);
    ok('DST', '9999', 9999);
    bad('DST', '10000');
    bad('DST', '0');
    for (const v of ['Y', 'N', 'U']) ok('BRD', v);
    bad('BRD', 'X');
    ok('SRV', 'Y');
    ok('SRV', 'N');
    bad('SRV', 'U');
  });

  it('SDT: a real CCYYMMDDHHMM not after today; SHW; SVB up to 30', () => {
    ok('SDT', '202506011159');
    ok('SDT', '202501012359');
    bad('SDT', '202501012400', 'SDT NOT A REAL DATE AND TIME');
    bad('SDT', '202502301200', 'SDT NOT A REAL DATE AND TIME');
    bad('SDT', '202506021200', 'SDT IN THE FUTURE');
    bad('SDT', '20250101', 'SDT MUST BE CCYYMMDDHHMM');
    for (const v of ['PERSONAL', 'VERBAL', 'COURT', 'MAIL']) ok('SHW', v);
    bad('SHW', 'EMAIL');
    ok('SVB', "OFC J O'NEIL #1234, LAPD");
    ok('SVB', 'A'.repeat(30));
    bad('SVB', 'A'.repeat(31));
    bad('SVB', 'OFC SMITH/1234');
  });

  it('USR, PWD, OTP', () => {
    ok('USR', 'CLERK_7');
    bad('USR', 'A'.repeat(31));
    bad('USR', 'CLERK 7');
    ok('PWD', 'S3cret Pass!', 'S3cret Pass!');
    bad('PWD', '');
    bad('PWD', 'x'.repeat(129));
    ok('OTP', '123456');
    ok('OTP', '12345678');
    bad('OTP', '12345');
    bad('OTP', '12345a');
  });

  it('RTY, RNO, PRI, CNF, TIM', () => {
    ok('RTY', 'PO');
    bad('RTY', 'PX', 'RTY MUST BE PO');
    ok('RNO', '1', 1);
    ok('RNO', '3', 3);
    bad('RNO', '4', 'RNO MUST BE 1, 2 OR 3');
    ok('PRI', 'U');
    ok('PRI', 'R');
    bad('PRI', 'X');
    for (const v of ['Y', 'N', 'T']) ok('CNF', v);
    bad('CNF', 'M');
    ok('TIM', '0000');
    ok('TIM', '2359');
    bad('TIM', '2400', 'TIM NOT A REAL TIME');
    bad('TIM', '1260', 'TIM NOT A REAL TIME');
    bad('TIM', '930', 'TIM MUST BE HHMM');
  });

  it('CTL 1-10 characters, HST Y, MIS up to 500', () => {
    ok('CTL', 'A');
    ok('CTL', 'MDT7-0042/');
    ok('CTL', 'A B');
    bad('CTL', 'ABCDEFGHIJK');
    bad('CTL', ' A');
    bad('CTL', 'A ');
    ok('HST', 'Y', true);
    bad('HST', 'N', 'HST MUST BE Y');
    ok('MIS', 'ANY TEXT. WITH / DOTS.');
    ok('MIS', 'M'.repeat(500));
    bad('MIS', 'M'.repeat(501), 'MIS LONGER THAN 500 CHARACTERS');
    bad('MIS', '', 'MIS MUST NOT BE EMPTY');
  });

  it('has a schema for every tag, and refuses an empty value for each', () => {
    for (const tag of TAGS) bad(tag, '');
  });

  it('date helpers', () => {
    assert.equal(isRealDate('20240229'), true);
    assert.equal(isRealDate('20230229'), false);
    assert.equal(isRealDateTime('202402292359'), true);
    assert.equal(isRealDateTime('202402292360'), false);
    assert.equal(addDays('20250226', 7), '20250305');
  });
});
