import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TEXT } from './framing.ts';
import type { InboundMessage, OrderFields, Rejection } from './messages.ts';
import { checkOrder, mergeOrder } from './order-rules.ts';
import { formatMessage, frameProblemRejection, parseMessage, readEchoFields, tooLongRejection } from './parser.ts';

const ctx = { today: '20250601' };
const TODAY = ctx.today;
const ORI = 'CA0194200';

function parsed(text: string): InboundMessage {
  const r = parseMessage(text, ctx);
  assert.ok(r.ok, `${text}\n  → ${r.ok ? '' : `${r.rejection.code} ${r.rejection.text}`}`);
  return r.message;
}

function rejected(text: string): Rejection {
  const r = parseMessage(text, ctx);
  assert.ok(!r.ok, `${text} should be rejected`);
  return r.rejection;
}

/** Asserts the code and text (or text prefix, when it ends in `*`) of the rejection. */
function rejects(text: string, code: string, reason?: string) {
  const r = rejected(text);
  assert.equal(r.code, code, `${text}: ${r.code} ${r.text}`);
  if (reason?.endsWith('*')) assert.ok(r.text.startsWith(reason.slice(0, -1)), `${text}: ${r.text}`);
  else if (reason !== undefined) assert.equal(r.text, reason, text);
  return r;
}

const PERSON = 'NAM/SMITH, JOHN.SEX/M.RAC/W.DOB/19800101';
const ORDER = 'TYP/DVRO.OCA/24FL001234.ISD/20250101.EXP/20260101.PCO/01 05';
const PROTECTED = 'PPN/DOE, JANE.PSX/F.PPB/19850505';
const EPO = `EPO.${ORI}.${PERSON}.${ORDER}.${PROTECTED}`;

describe('parseMessage: reject codes the parser produces', () => {
  it('FRM: empty text, no key, no ORI, empty field, field without TAG/', () => {
    rejects('', 'FRM', 'EMPTY MESSAGE');
    rejects('    ', 'FRM', 'EMPTY MESSAGE');
    rejects(`.${ORI}.PNO/PO0000000018`, 'FRM', 'MESSAGE KEY MISSING');
    rejects('NAM/SMITH, JOHN', 'FRM', 'MESSAGE KEY MISSING');
    rejects('QPO', 'FRM', 'ORI MISSING AFTER THE MESSAGE KEY');
    rejects('QPO.', 'FRM', 'ORI MISSING AFTER THE MESSAGE KEY');
    rejects('QPO.PNO/PO0000000018', 'FRM', 'ORI MISSING AFTER THE MESSAGE KEY');
    rejects(`QPO.${ORI}..PNO/PO0000000018`, 'FRM', 'FIELD 1 IS EMPTY (TWO PERIODS IN A ROW)');
    rejects(`QPO.${ORI}.PNO/PO0000000018..`, 'FRM', 'FIELD 2 IS EMPTY (TWO PERIODS IN A ROW)');
    rejects(`QPO.${ORI}.PNO PO0000000018`, 'FRM', 'FIELD 1 HAS NO TAG/');
    rejects(`QPO.${ORI}./PO0000000018`, 'FRM', 'FIELD 1 HAS NO TAG BEFORE /');
  });

  it('FRM from the framer: bytes outside a frame, an interrupted frame, an unterminated frame', () => {
    assert.deepEqual(frameProblemRejection({ reason: 'outside-frame', text: 'HELLO' }), {
      code: 'FRM',
      text: 'BYTES OUTSIDE A FRAME (NOT BETWEEN STX AND ETX)',
    });
    assert.deepEqual(frameProblemRejection({ reason: 'interrupted', text: `QPO.${ORI}.CTL/A1.NAM/SMI` }), {
      code: 'FRM',
      text: 'FRAME INTERRUPTED BY STX BEFORE ITS ETX',
      mke: 'QPO',
      ctl: 'A1',
    });
    assert.deepEqual(frameProblemRejection({ reason: 'unterminated', text: 'QP' }), { code: 'FRM', text: 'FRAME NOT TERMINATED BY ETX' });
  });

  it('LEN: a text longer than 4096 bytes, echoing MKE and CTL', () => {
    const long = `AM.${ORI}.CTL/T1.DES/CA0194201.MIS/${'X'.repeat(MAX_TEXT)}`;
    assert.deepEqual(rejects(long, 'LEN', 'MESSAGE TOO LONG - 4134 BYTES, AT MOST 4096'), {
      code: 'LEN',
      text: 'MESSAGE TOO LONG - 4134 BYTES, AT MOST 4096',
      mke: 'AM',
      ctl: 'T1',
    });
    parsed(`AM.${ORI}.DES/CA0194201.MIS/${'X'.repeat(500)}${' '.repeat(MAX_TEXT - 536)}`);
  });

  it('LEN from the framer: MKE and CTL read from the first 4096 bytes, a CTL that may be cut is not', () => {
    assert.deepEqual(tooLongRejection(`EPO.${ORI}.CTL/E1.${PERSON}.MIS/AAAA`), {
      code: 'LEN',
      text: 'MESSAGE TOO LONG - MORE THAN 4096 BYTES',
      mke: 'EPO',
      ctl: 'E1',
    });
    assert.deepEqual(tooLongRejection(`EPO.${ORI}.${PERSON}.CTL/E12`), { code: 'LEN', text: 'MESSAGE TOO LONG - MORE THAN 4096 BYTES', mke: 'EPO' });
    assert.deepEqual(tooLongRejection('X'.repeat(MAX_TEXT)), { code: 'LEN', text: 'MESSAGE TOO LONG - MORE THAN 4096 BYTES' });
  });

  it('CHR: any byte outside 0x20-0x7E, with its position', () => {
    rejects(`QPO.${ORI}.NAM/M\xfcLLER, HANS.DOB/19800101`, 'CHR', "INVALID CHARACTER X'FC' AT POSITION 20");
    rejects(`QPO.${ORI}.NAM/M\xc3\xbcLLER, HANS.DOB/19800101`, 'CHR', "INVALID CHARACTER X'C3' AT POSITION 20");
    rejects(`QPO.${ORI}.PNO/PO0000000018\t`, 'CHR', "INVALID CHARACTER X'09' AT POSITION 31");
    rejects(`SOF.${ORI}\r`, 'CHR', "INVALID CHARACTER X'0D' AT POSITION 14");
    rejects(`SOF.${ORI}\x7f`, 'CHR', '*');
    rejects(`\x02SOF.${ORI}\x03`, 'CHR', "INVALID CHARACTER X'02' AT POSITION 1");
    const r = rejects(`QPO.${ORI}.CTL/Q7.NAM/\x00`, 'CHR');
    assert.equal(r.mke, 'QPO');
    assert.equal(r.ctl, 'Q7');
  });

  it('MKE: an unknown key, named in the header when it is 2-4 letters', () => {
    assert.deepEqual(rejects(`ZZZ.${ORI}`, 'MKE', 'UNKNOWN MESSAGE KEY ZZZ'), { code: 'MKE', text: 'UNKNOWN MESSAGE KEY ZZZ', mke: 'ZZZ' });
    rejects(`qw.${ORI}.NAM/SMITH, JOHN`, 'MKE', 'UNKNOWN MESSAGE KEY QW');
    const hello = rejects('HELLO', 'MKE', 'UNKNOWN MESSAGE KEY');
    assert.equal(hello.mke, undefined);
    rejects(`Q1.${ORI}`, 'MKE', 'UNKNOWN MESSAGE KEY');
    rejects('hunter2', 'MKE', 'UNKNOWN MESSAGE KEY');
  });

  it('FLD: a malformed ORI', () => {
    rejects('SOF.CA019420', 'FLD', 'ORI MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS');
    rejects('SOF.1A0194200', 'FLD', 'ORI MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS');
  });

  it('FLD: unknown tag, tag not allowed for the key, repeated tag, wrong form, missing tag', () => {
    rejects(`QPO.${ORI}.XYZ/1`, 'FLD', 'XYZ UNKNOWN TAG');
    rejects(`QPO.${ORI}.NAME/SMITH, JOHN`, 'FLD', 'NAME UNKNOWN TAG');
    rejects(`QPO.${ORI}.PNO/PO0000000018.TYP/DVRO`, 'FLD', 'TYP NOT ALLOWED IN QPO');
    rejects(`SOF.${ORI}.USR/X`, 'FLD', 'USR NOT ALLOWED IN SOF');
    rejects(`QPO.${ORI}.PNO/PO0000000018.PNO/PO0000000026`, 'FLD', 'PNO REPEATED');
    rejects(`QPO.${ORI}.CTL/A.CTL/B.PNO/PO0000000018`, 'FLD', 'CTL REPEATED');
    rejects(`QPO.${ORI}.NAM/SMITH, JOHN.DOB/19810229`, 'FLD', 'DOB NOT A REAL DATE');
    rejects(`QPO.${ORI}.NAM/SMITH, JOHN.DOB/20250602`, 'FLD', 'DOB IN THE FUTURE');
    rejects(`EPO.${ORI}.${ORDER}.${PROTECTED}`, 'FLD', 'NAM REQUIRED');
  });

  it('FLD: the first problem in text order wins, then required tags, then rules between fields', () => {
    rejects(`QPO.${ORI}.DOB/1980.XYZ/1`, 'FLD', 'DOB MUST BE CCYYMMDD');
    rejects(`QPO.${ORI}.XYZ/1.DOB/1980`, 'FLD', 'XYZ UNKNOWN TAG');
    rejects(`EPO.${ORI}.SEX/M.PCO/04`, 'FLD', 'NAM REQUIRED');
    rejects(`EPO.${ORI}.${PERSON}.${ORDER.replace('01 05', '04')}`, 'FLD', 'PPN REQUIRED (AT LEAST ONE PROTECTED PERSON)');
  });

  it('carries MKE and CTL in every rejection where they can be read', () => {
    assert.deepEqual(rejected(`qpo.${ORI}.ctl/mdt-1.PNO/PO0000000017`), { code: 'FLD', text: 'PNO CHECK DIGIT WRONG', mke: 'QPO', ctl: 'MDT-1' });
    assert.deepEqual(rejected(`QPO.${ORI}.PNO/PO0000000017.CTL/LAST`), { code: 'FLD', text: 'PNO CHECK DIGIT WRONG', mke: 'QPO', ctl: 'LAST' });
    assert.equal(rejected(`QPO.${ORI}.CTL/ELEVENCHARS.PNO/PO0000000018`).ctl, undefined);
    assert.equal(rejected(`QPO.${ORI}.MIS/CTL/X`).ctl, undefined);
    assert.deepEqual(readEchoFields(`  sof.${ORI}.ctl/a b  `), { mke: 'SOF', ctl: 'A B' });
  });

  it('never shows a password in a rejection', () => {
    for (const text of [`SON.${ORI}.USR/BOB.PWD/Secret.Word`, `SON.${ORI}.USR/BOB.PWD/SecretWord.PWD/SecretWord`, `SON.${ORI}.USR/BOB.PWD/`]) {
      const r = rejected(text);
      assert.ok(!/SECRET|WORD/i.test(r.text), r.text);
    }
  });
});

describe('parseMessage: every message key', () => {
  it('SON: USR and PWD, OTP optional; PWD and OTP as sent, the user name folded', () => {
    assert.deepEqual(parsed(`son.ca0194200.usr/clerk7.pwd/S3cret Pass!`), { ori: ORI, mke: 'SON', usr: 'CLERK7', pwd: 'S3cret Pass!' });
    assert.deepEqual(parsed(`SON.${ORI}.USR/CLERK7.PWD/aBc/dEf.OTP/123456.CTL/S1`), {
      ori: ORI, ctl: 'S1', mke: 'SON', usr: 'CLERK7', pwd: 'aBc/dEf', otp: '123456',
    });
    rejects(`SON.${ORI}.USR/CLERK7`, 'FLD', 'PWD REQUIRED');
    rejects(`SON.${ORI}.PWD/xyzzy123`, 'FLD', 'USR REQUIRED');
  });

  it('SOF: nothing but the ORI (and CTL)', () => {
    assert.deepEqual(parsed(`SOF.${ORI}`), { ori: ORI, mke: 'SOF' });
    assert.deepEqual(parsed(`SOF.${ORI}.CTL/9`), { ori: ORI, ctl: '9', mke: 'SOF' });
  });

  it('QPO: each inquiry form', () => {
    const q = (text: string) => {
      const m = parsed(`QPO.${ORI}.${text}`);
      assert.equal(m.mke, 'QPO');
      return m.mke === 'QPO' ? m : assert.fail();
    };
    assert.deepEqual(q('NAM/SMITH, JOHN.DOB/19800101').inquiry, { form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101' });
    assert.deepEqual(q('SEX/M.DOB/19800101.NAM/SMITH, JOHN').inquiry, { form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101', sex: 'M' });
    assert.deepEqual(q('PPN/DOE, JANE.PPB/19850505').inquiry, { form: 'PROTECTED', ppn: 'DOE, JANE', ppb: '19850505' });
    assert.deepEqual(q('PPN/DOE, JANE.PPB/19850505.PSX/F').inquiry, { form: 'PROTECTED', ppn: 'DOE, JANE', ppb: '19850505', psx: 'F' });
    assert.deepEqual(q('PNO/PO0000000018').inquiry, { form: 'PNO', pno: 'PO0000000018' });
    assert.deepEqual(q('FCN/1901234567890').inquiry, { form: 'FCN', fcn: '1901234567890' });
    assert.deepEqual(q('OLN/D1234567.OLS/CA').inquiry, { form: 'LICENCE', oln: 'D1234567', ols: 'CA' });
    assert.deepEqual(q('OCA/24FL001234.CTI/CA019015J').inquiry, { form: 'CASE', oca: '24FL001234', cti: 'CA019015J' });
    assert.equal(q('PNO/PO0000000018').hst, false);
    assert.equal(q('HST/Y.PNO/PO0000000018').hst, true);
  });

  it('QPO: a mix of two forms, an incomplete form, no form', () => {
    rejects(`QPO.${ORI}.NAM/SMITH, JOHN.DOB/19800101.PNO/PO0000000018`, 'FLD', 'PNO CANNOT BE COMBINED WITH NAM (ONE INQUIRY FORM)');
    rejects(`QPO.${ORI}.OLN/D1.PPN/DOE, JANE.PPB/19850505`, 'FLD', 'PPN CANNOT BE COMBINED WITH OLN (ONE INQUIRY FORM)');
    rejects(`QPO.${ORI}.NAM/SMITH, JOHN`, 'FLD', 'DOB REQUIRED WITH NAM');
    rejects(`QPO.${ORI}.SEX/M`, 'FLD', 'NAM REQUIRED WITH SEX');
    rejects(`QPO.${ORI}.PPB/19850505`, 'FLD', 'PPN REQUIRED WITH PPB');
    rejects(`QPO.${ORI}.OLS/CA`, 'FLD', 'OLN REQUIRED WITH OLS');
    rejects(`QPO.${ORI}.OCA/24FL1`, 'FLD', 'CTI REQUIRED WITH OCA');
    rejects(`QPO.${ORI}.HST/Y`, 'FLD', 'NAM REQUIRED: QPO NEEDS NAM+DOB, PPN+PPB, PNO, FCN, OLN+OLS OR OCA+CTI');
    rejects(`QPO.${ORI}`, 'FLD', 'NAM REQUIRED: *');
    rejects(`QPO.${ORI}.PNO/PO0000000018.HST/N`, 'FLD', 'HST MUST BE Y');
  });

  it('EPO: the required fields and one protected person', () => {
    const m = parsed(EPO);
    assert.deepEqual(m, {
      ori: ORI,
      mke: 'EPO',
      order: {
        nam: 'SMITH, JOHN', sex: 'M', rac: 'W', dob: '19800101', typ: 'DVRO', oca: '24FL001234', cti: ORI,
        isd: '20250101', exp: '20260101', pco: ['01', '05'],
        protected: [{ ppn: 'DOE, JANE', psx: 'F', ppb: '19850505' }],
      },
    });
  });

  it('EPO: every optional field', () => {
    const m = parsed(
      `EPO.${ORI}.CTL/E1.${PERSON}.HGT/510.WGT/180.EYE/BRO.HAI/BLK.OLN/D1234567.OLS/CA.AKA/SMYTHE, JON.AKA/SMITH, JOHNNY.` +
        `TYP/EPO.OCA/24FL001234.CTI/${ORI}.ISD/20250530.EXP/20250606.PCO/01 04 07 08.DST/100.BRD/Y.` +
        `SRV/Y.SDT/202505301415.SHW/VERBAL.SVB/OFC J SMITH #1234.${PROTECTED}.PPR/W.` +
        'PPN/DOE, JIM.PPB/20150101.PSX/M.MIS/NO CONTACT WITH CHILDREN. SEE ATT/A.',
    );
    assert.equal(m.mke, 'EPO');
    if (m.mke !== 'EPO') return;
    assert.deepEqual(m.order, {
      nam: 'SMITH, JOHN', sex: 'M', rac: 'W', dob: '19800101', hgt: '510', wgt: 180, eye: 'BRO', hai: 'BLK',
      oln: 'D1234567', ols: 'CA', aka: ['SMYTHE, JON', 'SMITH, JOHNNY'], typ: 'EPO', oca: '24FL001234', cti: ORI,
      isd: '20250530', exp: '20250606', pco: ['01', '04', '07', '08'], dst: 100, brd: 'Y',
      srv: 'Y', sdt: '202505301415', shw: 'VERBAL', svb: 'OFC J SMITH #1234',
      mis: 'NO CONTACT WITH CHILDREN. SEE ATT/A.',
      protected: [
        { ppn: 'DOE, JANE', psx: 'F', ppb: '19850505', ppr: 'W' },
        { ppn: 'DOE, JIM', psx: 'M', ppb: '20150101' },
      ],
    });
    assert.equal(m.ctl, 'E1');
  });

  it('EPO: each required field missing', () => {
    for (const tag of ['NAM', 'SEX', 'RAC', 'DOB', 'TYP', 'OCA', 'ISD', 'EXP', 'PCO']) {
      const text = EPO.split('.').filter((f) => !f.startsWith(`${tag}/`)).join('.');
      rejects(text, 'FLD', `${tag} REQUIRED`);
    }
  });

  it('EPO: protected-person groups', () => {
    rejects(`EPO.${ORI}.${PERSON}.${ORDER}`, 'FLD', 'PPN REQUIRED (AT LEAST ONE PROTECTED PERSON)');
    rejects(`EPO.${ORI}.${PERSON}.${ORDER}.PSX/F.${PROTECTED}`, 'FLD', 'PSX MUST FOLLOW A PPN');
    rejects(`EPO.${ORI}.${PERSON}.${ORDER}.PPB/19850505.${PROTECTED}`, 'FLD', 'PPB MUST FOLLOW A PPN');
    rejects(`EPO.${ORI}.${PERSON}.${ORDER}.PPR/W.${PROTECTED}`, 'FLD', 'PPR MUST FOLLOW A PPN');
    rejects(`${EPO}.PSX/M`, 'FLD', 'PSX REPEATED FOR PROTECTED PERSON 1');
    rejects(`${EPO}.PPN/DOE, JIM.PSX/M`, 'FLD', 'PPB REQUIRED FOR PROTECTED PERSON 2');
    rejects(`${EPO}.PPN/DOE, JIM.PPB/20150101`, 'FLD', 'PSX REQUIRED FOR PROTECTED PERSON 2');
    rejects(`${EPO}.PPN/DOE, JIM.PSX/M.PPB/20250602`, 'FLD', 'PPB IN THE FUTURE');
    // Other fields may come between a PPN and its PSX/PPB.
    const m = parsed(`EPO.${ORI}.PPN/DOE, JANE.${PERSON}.PSX/F.${ORDER}.PPB/19850505`);
    assert.ok(m.mke === 'EPO' && m.order.protected[0]?.ppb === '19850505');
  });

  it('EPO: CTI defaults to the sending ORI and must equal it', () => {
    const m = parsed(`${EPO}.CTI/${ORI}`);
    assert.ok(m.mke === 'EPO' && m.order.cti === ORI);
    rejects(`${EPO}.CTI/CA019015J`, 'FLD', `CTI MUST BE THE SENDING ORI ${ORI}`);
  });

  it('EPO: conditional fields (DST with 04, MIS with 08, OLN with OLS, service with SRV/Y)', () => {
    const epo = (order: string, extra = '') => `EPO.${ORI}.${PERSON}.${order}.${PROTECTED}${extra}`;
    rejects(epo(ORDER.replace('01 05', '01 04')), 'FLD', 'DST REQUIRED WHEN PCO HAS 04');
    parsed(epo(ORDER.replace('01 05', '01 04'), '.DST/100'));
    rejects(epo(ORDER.replace('01 05', '08')), 'FLD', 'MIS REQUIRED WHEN PCO HAS 08');
    parsed(epo(ORDER.replace('01 05', '08'), '.MIS/SEE ORDER'));
    rejects(epo(ORDER, '.OLN/D1234567'), 'FLD', 'OLS REQUIRED WITH OLN');
    rejects(epo(ORDER, '.OLS/CA'), 'FLD', 'OLN REQUIRED WITH OLS');
    rejects(epo(ORDER, '.SRV/Y'), 'FLD', 'SDT REQUIRED WHEN SRV/Y');
    rejects(epo(ORDER, '.SRV/Y.SDT/202501011200'), 'FLD', 'SHW REQUIRED WHEN SRV/Y');
    parsed(epo(ORDER, '.SRV/Y.SDT/202501011200.SHW/COURT'));
    rejects(epo(ORDER, '.SDT/202501011200.SHW/COURT'), 'FLD', 'SDT ONLY WITH SRV/Y');
    rejects(epo(ORDER, '.SRV/N.SHW/COURT'), 'FLD', 'SHW ONLY WITH SRV/Y');
    rejects(epo(ORDER, '.SVB/OFC SMITH'), 'FLD', 'SVB ONLY WITH SRV/Y');
    rejects(epo(ORDER, '.SRV/Y.SDT/202412311200.SHW/COURT'), 'FLD', 'SDT BEFORE ISD');
  });

  it('EPO: dates (EXP after ISD; TYP/EPO by the 5th court day or 7th day; the rules of order-rules.test.ts)', () => {
    rejects(`EPO.${ORI}.${PERSON}.${ORDER.replace('EXP/20260101', 'EXP/20241231')}.${PROTECTED}`, 'FLD', 'EXP MUST BE AFTER ISD');
    parsed(`EPO.${ORI}.${PERSON}.${ORDER.replace('EXP/20260101', 'EXP/NONEXP')}.${PROTECTED}`);
    const epo = (exp: string) => `EPO.${ORI}.${PERSON}.TYP/EPO.OCA/1.ISD/20250530.EXP/${exp}.PCO/01.${PROTECTED}`;
    parsed(epo('20250606'));
    rejects(epo('20250607'), 'FLD', 'EXP LATER THAN 20250606 (TYP EPO: 5TH COURT DAY OR 7TH DAY AFTER ISD)');
    rejects(epo('NONEXP'), 'FLD', 'EXP NONEXP NOT ALLOWED FOR TYP EPO - GIVE A DATE');
  });

  it('MPO: PNO and the fields to change; protected persons replace the list', () => {
    assert.deepEqual(parsed(`MPO.${ORI}.PNO/PO0000000018.EXP/20270101.PCO/01 04`), {
      ori: ORI, mke: 'MPO', pno: 'PO0000000018', changes: { exp: '20270101', pco: ['01', '04'] },
    });
    assert.deepEqual(parsed(`MPO.${ORI}.PNO/PO0000000018.${PROTECTED}.PPN/DOE, JIM.PSX/M.PPB/20150101`), {
      ori: ORI, mke: 'MPO', pno: 'PO0000000018',
      changes: { protected: [{ ppn: 'DOE, JANE', psx: 'F', ppb: '19850505' }, { ppn: 'DOE, JIM', psx: 'M', ppb: '20150101' }] },
    });
    rejects(`MPO.${ORI}.PNO/PO0000000018`, 'FLD', 'MPO NEEDS A FIELD TO CHANGE BESIDES PNO');
    rejects(`MPO.${ORI}.EXP/20270101`, 'FLD', 'PNO REQUIRED');
    rejects(`MPO.${ORI}.PNO/PO0000000018.CTI/${ORI}`, 'FLD', 'CTI CANNOT BE CHANGED');
    rejects(`MPO.${ORI}.PNO/PO0000000018.PPN/DOE, JANE`, 'FLD', 'PSX REQUIRED FOR PROTECTED PERSON 1');
    rejects(`MPO.${ORI}.PNO/PO0000000018.SRV/N.SDT/202501011200`, 'FLD', 'SDT ONLY WITH SRV/Y');
    rejects(`MPO.${ORI}.PNO/PO0000000018.DOB/19810229`, 'FLD', 'DOB NOT A REAL DATE');
  });

  it('XPO, CPO: PNO, MIS optional', () => {
    assert.deepEqual(parsed(`XPO.${ORI}.PNO/PO0000000018`), { ori: ORI, mke: 'XPO', pno: 'PO0000000018' });
    assert.deepEqual(parsed(`CPO.${ORI}.PNO/PO0000000018.MIS/VACATED BY COURT 06.01.2025`), {
      ori: ORI, mke: 'CPO', pno: 'PO0000000018', mis: 'VACATED BY COURT 06.01.2025',
    });
    rejects(`XPO.${ORI}.MIS/ENTERED IN ERROR`, 'FLD', 'PNO REQUIRED');
  });

  it('SPO: PNO SDT SHW, SVB and MIS optional', () => {
    assert.deepEqual(parsed(`SPO.${ORI}.PNO/PO0000000018.SDT/202505311530.SHW/VERBAL.SVB/OFC J SMITH #1234.MIS/AT SCENE`), {
      ori: ORI, mke: 'SPO', pno: 'PO0000000018', sdt: '202505311530', shw: 'VERBAL', svb: 'OFC J SMITH #1234', mis: 'AT SCENE',
    });
    rejects(`SPO.${ORI}.PNO/PO0000000018.SHW/VERBAL`, 'FLD', 'SDT REQUIRED');
    rejects(`SPO.${ORI}.PNO/PO0000000018.SDT/202505311530`, 'FLD', 'SHW REQUIRED');
  });

  it('YQ: PNO RTY RNO PRI, up to two more DES, MIS', () => {
    assert.deepEqual(parsed(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/1.PRI/U`), {
      ori: ORI, mke: 'YQ', pno: 'PO0000000018', rty: 'PO', rno: 1, pri: 'U', des: [],
    });
    assert.deepEqual(parsed(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/2.PRI/R.DES/CA019015J.DES/CA0370000.MIS/SUBJECT DETAINED`), {
      ori: ORI, mke: 'YQ', pno: 'PO0000000018', rty: 'PO', rno: 2, pri: 'R', des: ['CA019015J', 'CA0370000'], mis: 'SUBJECT DETAINED',
    });
    rejects(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/1.PRI/U.DES/CA019015J.DES/CA0370000.DES/CA0370001`, 'FLD', 'DES AT MOST 2 (THE ISSUING COURT IS ADDED)');
    rejects(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/1.PRI/U.DES/CA019015J.DES/CA019015J`, 'FLD', 'DES CA019015J GIVEN TWICE');
    rejects(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/4.PRI/U`, 'FLD', 'RNO MUST BE 1, 2 OR 3');
    rejects(`YQ.${ORI}.PNO/PO0000000018.RTY/PO.RNO/1`, 'FLD', 'PRI REQUIRED');
  });

  it('YR: PNO RNO CNF; TIM with CNF/T only; DES and MIS optional', () => {
    assert.deepEqual(parsed(`YR.${ORI}.PNO/PO0000000018.RNO/1.CNF/Y.DES/CA0370000.MIS/CONFIRMED. ORDER IN FORCE`), {
      ori: ORI, mke: 'YR', pno: 'PO0000000018', rno: 1, cnf: 'Y', des: 'CA0370000', mis: 'CONFIRMED. ORDER IN FORCE',
    });
    assert.deepEqual(parsed(`YR.${ORI}.PNO/PO0000000018.RNO/2.CNF/T.TIM/1430`), {
      ori: ORI, mke: 'YR', pno: 'PO0000000018', rno: 2, cnf: 'T', tim: '1430',
    });
    rejects(`YR.${ORI}.PNO/PO0000000018.RNO/1.CNF/T`, 'FLD', 'TIM REQUIRED WITH CNF/T');
    rejects(`YR.${ORI}.PNO/PO0000000018.RNO/1.CNF/N.TIM/1430`, 'FLD', 'TIM ONLY WITH CNF/T');
    rejects(`YR.${ORI}.PNO/PO0000000018.RNO/1.CNF/Y.DES/CA0370000.DES/CA0370001`, 'FLD', 'DES REPEATED');
  });

  it('AM: DES and MIS required', () => {
    assert.deepEqual(parsed(`AM.${ORI}.DES/CA019015J.MIS/PLEASE CALL DISPATCH. 555-0100.`), {
      ori: ORI, mke: 'AM', des: 'CA019015J', mis: 'PLEASE CALL DISPATCH. 555-0100.',
    });
    rejects(`AM.${ORI}.MIS/HELLO`, 'FLD', 'DES REQUIRED');
    rejects(`AM.${ORI}.DES/CA019015J`, 'FLD', 'MIS REQUIRED');
  });

  it('ULK: USR', () => {
    assert.deepEqual(parsed(`ulk.${ORI}.usr/clerk7`), { ori: ORI, mke: 'ULK', usr: 'CLERK7' });
    rejects(`ULK.${ORI}`, 'FLD', 'USR REQUIRED');
  });
});

describe('parseMessage: text handling', () => {
  it('MIS is last and runs to the end, dots and slashes included', () => {
    const m = parsed(`XPO.${ORI}.PNO/PO0000000018.MIS/ENTERED IN ERROR. SEE PNO/PO0000000026. THANKS.`);
    assert.ok(m.mke === 'XPO');
    assert.equal(m.mis, 'ENTERED IN ERROR. SEE PNO/PO0000000026. THANKS.');
    // A field after MIS is part of the MIS text, so a required one is then missing.
    rejects(`AM.${ORI}.MIS/HELLO.DES/CA019015J`, 'FLD', 'DES REQUIRED');
  });

  it('folds lower case to upper, except PWD and OTP values', () => {
    const m = parsed(`qpo.ca0194200.nam/smith, john.dob/19800101.ctl/abc`);
    assert.deepEqual(m, { ori: ORI, ctl: 'ABC', mke: 'QPO', inquiry: { form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101' }, hst: false });
    const s = parsed(`son.ca0194200.usr/Clerk7.pwd/MiXeD-Case.otp/123456`);
    assert.ok(s.mke === 'SON' && s.pwd === 'MiXeD-Case' && s.usr === 'CLERK7');
  });

  it('ignores spaces around the whole text and one period after the last field', () => {
    assert.deepEqual(parsed(`  SOF.${ORI}.  `), { ori: ORI, mke: 'SOF' });
    assert.deepEqual(parsed(`QPO.${ORI}.PNO/PO0000000018.`), { ori: ORI, mke: 'QPO', inquiry: { form: 'PNO', pno: 'PO0000000018' }, hst: false });
  });

  it('does not trim inside: a space before a tag makes it unknown', () => {
    rejects(`QPO.${ORI}. PNO/PO0000000018`, 'FLD', ' PNO UNKNOWN TAG');
  });
});

describe('formatMessage → parseMessage round trip', () => {
  const order: OrderFields = {
    nam: "O'BRIEN, MARY-KATE", sex: 'F', rac: 'W', dob: '19800101', hgt: '505', wgt: 130, eye: 'GRN', hai: 'RED',
    oln: 'D7654321', ols: 'CA', aka: ['OBRIEN, MARY'], typ: 'DVTRO', oca: '24FL-5', cti: ORI, isd: '20250515',
    exp: '20250605', pco: ['01', '04', '08'], dst: 100, brd: 'N', srv: 'Y', sdt: '202505161000', shw: 'PERSONAL',
    svb: 'DEP R LEE #77', mis: 'SEE ATTACHMENT A. NO CONTACT.',
    protected: [{ ppn: "O'BRIEN, SEAN", psx: 'M', ppb: '20100101', ppr: 'W' }, { ppn: 'SMITH, ANN', psx: 'F', ppb: '20120202' }],
  };
  const messages: InboundMessage[] = [
    { ori: ORI, ctl: 'S1', mke: 'SON', usr: 'CLERK7', pwd: 'Pa55 w/ord!', otp: '12345678' },
    { ori: ORI, mke: 'SON', usr: 'OFC_1', pwd: 'correct horse battery' },
    { ori: ORI, mke: 'SOF' },
    { ori: ORI, ctl: 'Q', mke: 'QPO', inquiry: { form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101', sex: 'M' }, hst: true },
    { ori: ORI, mke: 'QPO', inquiry: { form: 'PROTECTED', ppn: 'DOE, JANE', ppb: '19850505', psx: 'F' }, hst: false },
    { ori: ORI, mke: 'QPO', inquiry: { form: 'PNO', pno: 'PO0000000018' }, hst: false },
    { ori: ORI, mke: 'QPO', inquiry: { form: 'FCN', fcn: '1901234567890' }, hst: false },
    { ori: ORI, mke: 'QPO', inquiry: { form: 'LICENCE', oln: 'D1234567', ols: 'NV' }, hst: false },
    { ori: ORI, mke: 'QPO', inquiry: { form: 'CASE', oca: '24FL001234', cti: 'CA019015J' }, hst: true },
    { ori: ORI, ctl: 'E-77', mke: 'EPO', order },
    { ori: ORI, mke: 'EPO', order: { ...order, srv: 'N', sdt: undefined, shw: undefined, svb: undefined, aka: undefined } as OrderFields },
    { ori: ORI, mke: 'MPO', pno: 'PO0000000018', changes: { exp: '20260101', pco: ['01'], protected: order.protected } },
    { ori: ORI, mke: 'MPO', pno: 'PO0000000026', changes: { srv: 'N' } },
    { ori: ORI, mke: 'XPO', pno: 'PO0000000018', mis: 'ENTERED IN ERROR. DUPLICATE.' },
    { ori: ORI, mke: 'CPO', pno: 'PO0000000018' },
    { ori: ORI, mke: 'SPO', pno: 'PO0000000018', sdt: '202505311530', shw: 'VERBAL', svb: 'OFC J SMITH #1234', mis: 'SERVED AT SCENE' },
    { ori: ORI, mke: 'YQ', pno: 'PO0000000018', rty: 'PO', rno: 1, pri: 'U', des: ['CA019015J'], mis: 'SUBJECT DETAINED' },
    { ori: ORI, mke: 'YQ', pno: 'PO0000000018', rty: 'PO', rno: 3, pri: 'R', des: [] },
    { ori: ORI, mke: 'YR', pno: 'PO0000000018', rno: 1, cnf: 'T', tim: '1430', des: 'CA0370000', mis: 'PULLING FILE' },
    { ori: ORI, mke: 'YR', pno: 'PO0000000018', rno: 2, cnf: 'Y' },
    { ori: ORI, mke: 'AM', des: 'CA019015J', mis: 'CALL 555-0100. ASK FOR SGT. LEE.' },
    { ori: ORI, ctl: 'U', mke: 'ULK', usr: 'CLERK7' },
  ];

  for (const m of messages) {
    it(`${m.mke}: ${formatMessage(m).slice(0, 60)}`, () => {
      const clean = JSON.parse(JSON.stringify(m)) as InboundMessage; // drops keys set to undefined
      assert.deepEqual(parsed(formatMessage(m)), clean);
    });
  }

  it('writes CTL first and MIS last', () => {
    assert.equal(formatMessage(messages[13]!), `XPO.${ORI}.PNO/PO0000000018.MIS/ENTERED IN ERROR. DUPLICATE.`);
    assert.equal(formatMessage({ ori: ORI, ctl: 'C', mke: 'AM', des: 'CA019015J', mis: 'X' }), `AM.${ORI}.CTL/C.DES/CA019015J.MIS/X`);
  });
});

describe('order rules for MPO (checkOrder on mergeOrder)', () => {
  const current: OrderFields = {
    nam: 'SMITH, JOHN', sex: 'M', rac: 'W', dob: '19800101', typ: 'DVRO', oca: '24FL1', cti: ORI, isd: '20250101',
    exp: '20260101', pco: ['01', '04'], dst: 100, srv: 'Y', sdt: '202501021200', shw: 'PERSONAL', svb: 'OFC A',
    protected: [{ ppn: 'DOE, JANE', psx: 'F', ppb: '19850505' }],
  };

  it('keeps stored values that the change does not give', () => {
    assert.equal(checkOrder(current, TODAY), null);
    const merged = mergeOrder(current, { pco: ['01', '04', '05'] });
    assert.equal(merged.dst, 100);
    assert.equal(checkOrder(merged, TODAY), null);
  });

  it('SRV/N removes the service fields', () => {
    const merged = mergeOrder(current, { srv: 'N' });
    assert.equal(merged.sdt, undefined);
    assert.equal(merged.shw, undefined);
    assert.equal(merged.svb, undefined);
    assert.equal(checkOrder(merged, TODAY), null);
  });

  it('finds a change that breaks a rule', () => {
    assert.equal(checkOrder(mergeOrder(current, { pco: ['08'] }), TODAY), 'MIS REQUIRED WHEN PCO HAS 08');
    assert.equal(checkOrder(mergeOrder(current, { exp: '20241231' }), TODAY), 'EXP MUST BE AFTER ISD');
    assert.equal(checkOrder(mergeOrder(current, { oln: 'D1' }), TODAY), 'OLS REQUIRED WITH OLN');
    assert.equal(checkOrder(mergeOrder({ ...current, dst: undefined }, { pco: ['04'] }), TODAY), 'DST REQUIRED WHEN PCO HAS 04');
  });
});
