// The console's pure parts: replies → result rows (conflicts highlighted, the prevailing order
// marked), forms → ICD message texts the service's own parser accepts, the status line, and the
// drawing of screens within 80 columns.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CAVEAT, formatReply, hitBody, nrecBody, parseMessage, parseReply, rejectBody, type OrderView } from '../../protocol/index.ts';
import {
  ADMIN_MESSAGE,
  ENTRY,
  FormState,
  inquiryForms,
  SERVICE,
  SIGN_ON,
  UNLOCK,
  type BuildContext,
} from '../../terminal-ui/forms.ts';
import { detailLines, readHit, readSignOn, rejectLine, rowText, isUnsolicited } from '../../terminal-ui/replies.ts';
import { BANNER_TEXT, Canvas, drawBanner, drawForm, drawResults, legendLine } from '../../terminal-ui/screens.ts';
import { localClock, statusLine } from '../../terminal-ui/status-line.ts';
import { blessedTerminal, isAllowedTerminal } from '../../terminal-ui/console.ts';

const TIME = new Date('2026-06-15T19:00:05Z');
const TODAY = '20260615';
const OFFICER: BuildContext = { ori: 'CA0194200', role: 'OFFICER', user: 'OFFICER1' };
const CLERK: BuildContext = { ori: 'CA019015J', role: 'CLERK', user: 'CLERK1' };

function order(pno: string, o: Partial<OrderView> = {}): OrderView {
  return {
    pno,
    fcn: null,
    typ: 'DVRO',
    status: 'ACTIVE',
    isd: '20260101',
    exp: '20290101',
    cti: 'CA019015J',
    oca: `FL-${pno.slice(-4)}`,
    restrained: { name: 'SMITH, JOHN ALLEN', sex: 'M', race: 'W', dob: '19800101', height: '510', weight: 180, eyes: 'BRO', hair: 'BLK' },
    protected: [{ name: 'DOE, JANE', sex: 'F', race: 'W', dob: '19850505' }],
    pco: ['01', '04', '07'],
    dst: 100,
    brady: 'Y',
    service: null,
    images: 2,
    match: 'E',
    mis: 'STAY AWAY FROM 123 MAIN ST. SEE ATT/A.',
    ...o,
  };
}

const reply = (mke: string, status: 'HIT' | 'NREC' | 'ACK' | 'REJ' | 'MSG' | 'NOTE', body: string[]) =>
  formatReply({ mke, status, ori: 'CA0194200', seq: 7, time: TIME, body });

/** Parses a composed text as the service would, with California's "today". */
const accepted = (text: string) => {
  const r = parseMessage(text, { today: TODAY });
  assert.ok(r.ok, `the service's parser refused ${text}: ${JSON.stringify(!r.ok && r.rejection)}`);
  return r.message;
};

describe('replies: what the result list and detail view show', () => {
  const hit = parseReply(
    reply('QPO', 'HIT', hitBody([
      order('PO0000000018', { conflict: { prevails: 'PO0000000018' } }),
      order('PO0000000026', { typ: 'CHRO', conflict: { prevails: 'PO0000000018' }, match: 'P', restrained: { ...order('x').restrained, name: 'SMYTHE, JON' } }),
      order('PO0000000034', { status: 'EXPIRED', exp: '20250101', images: 0, match: 'E' }),
    ])),
  );

  test('a HIT becomes one row per record: caveat kept, CFL rows flagged, the PRV order marked *PREVAILS*', () => {
    const h = readHit(hit);
    assert.equal(h.caveat, CAVEAT);
    assert.deepEqual(h.rows.map((r) => [r.no, r.pno, r.typ, r.sts, r.exp, r.mat, r.conflict, r.prevails]), [
      [1, 'PO0000000018', 'DVRO', 'ACTIVE', '20290101', 'E', true, true],
      [2, 'PO0000000026', 'CHRO', 'ACTIVE', '20290101', 'P', true, false],
      [3, 'PO0000000034', 'DVRO', 'EXPIRED', '20250101', 'E', false, false],
    ]);
    const rows = h.rows.map((r) => rowText(r, 80));
    assert.match(rows[0]!, /^01 PO0000000018 DVRO  ACTIVE    SMITH, JOHN ALLEN +20290101  E  \*PREVAILS\*$/);
    assert.match(rows[1]!, /^02 PO0000000026 CHRO  ACTIVE    SMYTHE, JON +20290101  P  CONFLICT$/);
    assert.match(rows[2]!, /^03 PO0000000034 DVRO  EXPIRED   SMITH, JOHN ALLEN +20250101  E$/);
    for (const r of rows) assert.ok(r.length <= 80, r);
  });

  test('the detail view holds every line of the record, the conflict, the images and the conditions', () => {
    const h = readHit(hit);
    const second = detailLines(h.rows[1]!, h.rows.length, 80);
    const body = hit.body.slice(hit.body.findIndex((l) => l.startsWith('02 ')), hit.body.findIndex((l) => l.startsWith('03 ')));
    for (const l of body) assert.ok(second.includes(l), `missing record line ${l}`);
    assert.ok(second.includes('PRV/PO0000000018: THAT ORDER PREVAILS, NOT THIS ONE'), second.join('\n'));
    assert.ok(second.some((l) => l.startsWith('IMAGES: IMG/2 - 2 SCANNED PAGE(S)')));
    assert.ok(second.some((l) => /^ {2}07 MAY NOT POSSESS OR PURCHASE A FIREARM/.test(l)));
    assert.ok(second.some((l) => l.startsWith('MATCH: MAT/P')));
    const first = detailLines(h.rows[0]!, 3, 80);
    assert.ok(first.includes('PRV/PO0000000018: THIS ORDER PREVAILS'));
    assert.ok(detailLines(h.rows[2]!, 3, 80).includes('CONFLICT: NONE REPORTED'));
    for (const l of [...first, ...second]) assert.ok(l.length <= 80);
  });

  test('NREC, REJ, SON ACK and unsolicited traffic are read from the header and body', () => {
    const rej = parseReply(reply('QPO', 'REJ', rejectBody('FLD', 'DOB NOT A REAL DATE')));
    assert.equal(rejectLine(rej), 'REJ FLD DOB NOT A REAL DATE');
    const nrec = parseReply(reply('QPO', 'NREC', nrecBody({ form: 'NAME', nam: 'SMITH, JOHN', dob: '19800101' })));
    assert.deepEqual(nrec.body, ['NAM/SMITH, JOHN DOB/19800101']);
    assert.deepEqual(readSignOn(['SIGNED ON OFFICER1 OFFICER CA0194200']), { user: 'OFFICER1', role: 'OFFICER', ori: 'CA0194200' });
    assert.equal(readSignOn(['SIGNED OFF OFFICER1']), undefined);
    assert.ok(isUnsolicited(reply('AM', 'MSG', ['MIS/HELLO'])));
    assert.ok(isUnsolicited(reply('NOTE', 'NOTE', ['SESSION LOCKED AFTER INACTIVITY - SIGN ON AGAIN (SON)'])));
    assert.ok(!isUnsolicited(reply('QPO', 'NREC', ['PNO/PO0000000018'])));
  });
});

describe('forms: what the user types becomes an ICD message the service accepts', () => {
  const typeAll = (f: FormState, key: string, text: string) => {
    f.focusOn(key);
    for (const ch of text) f.type(ch);
  };

  test('sign-on: user and ORI folded to upper case, the password exactly as typed, OTP optional', () => {
    const f = new FormState(SIGN_ON);
    typeAll(f, 'USR', 'officer1');
    typeAll(f, 'ORI', 'ca0194200');
    typeAll(f, 'PWD', 'Correct-Horse-7');
    const r = f.build(OFFICER);
    assert.ok(r.ok);
    assert.equal(r.text, 'SON.CA0194200.USR/OFFICER1.PWD/Correct-Horse-7');
    typeAll(f, 'OTP', '492039');
    const withOtp = f.build(OFFICER);
    assert.ok(withOtp.ok && withOtp.text === 'SON.CA0194200.USR/OFFICER1.PWD/Correct-Horse-7.OTP/492039');
    assert.deepEqual(accepted(withOtp.text), { mke: 'SON', ori: 'CA0194200', usr: 'OFFICER1', pwd: 'Correct-Horse-7', otp: '492039' });
    f.clear(['PWD', 'OTP']);
    const missing = f.build(OFFICER);
    assert.deepEqual(missing, { ok: false, error: 'PASSWORD REQUIRED', key: 'PWD' });
    assert.equal(f.field.key, 'PWD', 'the cursor goes to the missing field');
  });

  test("typing: '.' refused outside free text (it would end the field), maximum lengths kept", () => {
    const f = new FormState(inquiryForms('OFFICER')[0]!);
    assert.equal(f.type('.'), "'.' CANNOT BE SENT IN NAM");
    for (const ch of 'x'.repeat(40)) f.type(ch);
    assert.equal(f.value('NAM'), 'X'.repeat(30));
    f.backspace();
    assert.equal(f.value('NAM').length, 29);
    f.clearField();
    assert.equal(f.value('NAM'), '');
    assert.equal(f.type('\t'), undefined);
    assert.equal(f.value('NAM'), '', 'control characters are not typed');
  });

  test('every QPO form composes its inquiry; HST/Y only for CLERK and JUDGE', () => {
    const texts = inquiryForms('JUDGE').map((d, i) => {
      const f = new FormState(d);
      const values: Record<string, string>[] = [
        { NAM: 'smith, john', DOB: '19800101', SEX: 'M' },
        { PPN: 'DOE, JANE', PPB: '19850505' },
        { PNO: 'PO0000000018' },
        { FCN: '1900000012345' },
        { OLN: 'D1234567', OLS: 'CA' },
        { OCA: '24FL001234', CTI: 'CA019015J', HST: 'Y' },
      ];
      for (const [k, v] of Object.entries(values[i]!)) typeAll(f, k, v);
      const r = f.build(CLERK);
      assert.ok(r.ok, JSON.stringify(r));
      accepted(r.text);
      return r.text;
    });
    assert.deepEqual(texts, [
      'QPO.CA019015J.NAM/SMITH, JOHN.DOB/19800101.SEX/M',
      'QPO.CA019015J.PPN/DOE, JANE.PPB/19850505',
      'QPO.CA019015J.PNO/PO0000000018',
      'QPO.CA019015J.FCN/1900000012345',
      'QPO.CA019015J.OLN/D1234567.OLS/CA',
      'QPO.CA019015J.OCA/24FL001234.CTI/CA019015J.HST/Y',
    ]);
    assert.ok(inquiryForms('CLERK').every((d) => d.fields.some((x) => x.key === 'HST')));
    for (const role of ['OFFICER', 'DISPATCHER', 'SHERIFF', 'ADMIN']) {
      assert.ok(inquiryForms(role).every((d) => !d.fields.some((x) => x.key === 'HST')), role);
    }
    const half = new FormState(inquiryForms('OFFICER')[0]!);
    typeAll(half, 'NAM', 'SMITH, JOHN');
    assert.deepEqual(half.build(OFFICER), { ok: false, error: 'DOB REQUIRED', key: 'DOB' });
  });

  test('EPO: restrained person, order and protected-person groups in ICD syntax, MIS last', () => {
    const f = new FormState(ENTRY, { CTI: 'CA019015J' });
    const v: Record<string, string> = {
      NAM: 'SMITH, JOHN', SEX: 'M', RAC: 'W', DOB: '19800101', TYP: 'DVRO', OCA: '24FL001234',
      ISD: '20260101', EXP: '20290101', PCO: '01 04 08', DST: '100', BRD: 'Y',
      PPN1: 'DOE, JANE', PSX1: 'F', PPB1: '19850505', PPN2: 'DOE, JIMMY', PSX2: 'M', PPR2: 'W', PPB2: '20150101',
      MIS: 'NO CONTACT. SEE ATTACHMENT A.',
    };
    for (const [k, x] of Object.entries(v)) typeAll(f, k, x);
    const r = f.build(CLERK);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(
      r.text,
      'EPO.CA019015J.NAM/SMITH, JOHN.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/24FL001234.CTI/CA019015J.ISD/20260101.EXP/20290101.PCO/01 04 08.DST/100.BRD/Y' +
        '.PPN/DOE, JANE.PSX/F.PPB/19850505.PPN/DOE, JIMMY.PSX/M.PPR/W.PPB/20150101.MIS/NO CONTACT. SEE ATTACHMENT A.',
    );
    const m = accepted(r.text);
    assert.ok(m.mke === 'EPO' && m.order.protected.length === 2 && m.order.mis === 'NO CONTACT. SEE ATTACHMENT A.');
    f.set('PSX2', '');
    assert.deepEqual(f.build(CLERK), { ok: false, error: 'PSX REQUIRED FOR PROTECTED PERSON 2', key: 'PSX2' });
    f.set('PPN1', '');
    f.set('PSX2', 'M');
    assert.equal((f.build(CLERK) as { error: string }).error, 'PPN REQUIRED FOR PROTECTED PERSON 1');
  });

  test('SPO, AM and the lock screen compose their messages; a REJ FLD puts the cursor on its field', () => {
    const spo = new FormState(SERVICE, { PNO: 'PO0000000018', SDT: '202606151030', SHW: 'VERBAL', SVB: 'OFC J SMITH #1234' });
    const s = spo.build(OFFICER);
    assert.ok(s.ok && s.text === 'SPO.CA0194200.PNO/PO0000000018.SDT/202606151030.SHW/VERBAL.SVB/OFC J SMITH #1234');
    accepted(s.text);
    spo.rejected('REJ FLD SDT IN THE FUTURE');
    assert.equal(spo.field.key, 'SDT');
    assert.equal(spo.error, 'REJ FLD SDT IN THE FUTURE');
    const am = new FormState(ADMIN_MESSAGE, { DES: 'CA019015J', MIS: 'PLEASE CALL DISPATCH AT 555-0100. THANKS.' });
    const a = am.build(OFFICER);
    assert.ok(a.ok && a.text === 'AM.CA0194200.DES/CA019015J.MIS/PLEASE CALL DISPATCH AT 555-0100. THANKS.');
    accepted(a.text);
    const lock = new FormState(UNLOCK, { PWD: 'Correct-Horse-7' });
    const l = lock.build(OFFICER);
    assert.ok(l.ok && l.text === 'SON.CA0194200.USR/OFFICER1.PWD/Correct-Horse-7');
  });
});

describe('status line and screens', () => {
  test('the status line shows user, role, ORI, UTC and local time, unread count and connection in 80 columns', () => {
    const pacific = localClock('America/Los_Angeles');
    const line = statusLine({ user: 'OFFICER1', role: 'OFFICER', ori: 'CA0194200', connection: 'tcp 127.0.0.1:5150', unread: 3, now: TIME }, pacific, 80);
    assert.equal(line, ' OFFICER1 OFFICER CA0194200  19:00:05Z  12:00:05 PDT  MSG 3  tcp 127.0.0.1:5150');
    assert.match(statusLine({ connection: 'ssh 10.0.0.5:50122', unread: 0, now: new Date('2026-11-26T08:00:00Z') }, pacific, 80), /^ NOT SIGNED ON {2}08:00:00Z {2}00:00:00 PST {2}MSG 0/);
    const long = statusLine({ user: 'A'.repeat(30), role: 'DISPATCHER', ori: 'CA0194200', connection: 'ssh 2001:db8::1234:50122', unread: 12, now: TIME, locked: true }, pacific, 80);
    assert.ok(long.length <= 80 && long.includes('19:00:05Z') && long.includes('12:00:05 PDT') && long.includes('MSG 12'), long);
    assert.match(statusLine({ connection: 'x', unread: 0, now: TIME }, localClock('Not/AZone'), 80), /19:00:05 UTC/);
  });

  test('the banner says the system is restricted and monitored, and asks for an acknowledgement', () => {
    const c = new Canvas(80, 19);
    drawBanner(c);
    const text = c.text().join('\n');
    for (const phrase of ['RESTRICTED', 'MONITORED, RECORDED AND', 'AUDITED', 'CRIMINAL AND', 'CIVIL PENALTIES', 'CONSENT', 'I ACKNOWLEDGE']) {
      assert.ok(text.includes(phrase), phrase);
    }
    assert.ok(BANNER_TEXT.every((l) => l.length <= 78));
  });

  test('forms draw secrets as stars; result rows of conflicting orders are highlighted; braces from the wire are escaped', () => {
    const f = new FormState(SIGN_ON, { USR: 'OFFICER1', PWD: 'Secret-1' });
    const c = new Canvas(80, 10);
    drawForm(c, f, 0);
    const text = c.text().join('\n');
    assert.ok(!text.includes('Secret-1') && text.includes('[********'), text);

    const hit = readHit(parseReply(reply('QPO', 'HIT', hitBody([
      order('PO0000000018', { conflict: { prevails: 'PO0000000018' } }),
      order('PO0000000026', { conflict: { prevails: 'PO0000000018' } }),
    ]))));
    const r = new Canvas(80, 19);
    drawResults(r, { asked: 'QPO NAM/SMITH, JOHN DOB/19800101', status: 'HIT', hit, lines: [], time: '' }, 1);
    assert.equal(r.text()[0], CAVEAT);
    const tagged = r.tagged();
    assert.match(tagged[2]!, /^\{yellow-fg\}\{bold\}01 PO0000000018 .*\*PREVAILS\*/, 'a conflicting row not selected: yellow');
    assert.match(tagged[3]!, /^\{inverse\}02 PO0000000026 .*CONFLICT/, 'the selected row: inverse');
    const braces = new Canvas(10, 1);
    braces.put(0, 0, 'A{B}C');
    assert.equal(braces.tagged()[0], 'A{open}B{close}C');
  });

  test('the legend fits 80 columns for the role with the most keys; terminal names are checked', () => {
    const keys = ['HELP', 'QUERY', 'DETAIL', 'MSGS', 'AM', 'ENTRY', 'SERVICE'].map((label, i) => ({ key: `F${i + 1}`, label }));
    const line = legendLine([...keys, { key: 'F10', label: 'SIGN OFF' }], 78);
    assert.ok(line.length <= 78 && line.includes('F10 SIGN OFF'), line);
    assert.ok(isAllowedTerminal('xterm-256color') && !isAllowedTerminal('../../tmp/evil') && !isAllowedTerminal(undefined));
    assert.equal(blessedTerminal('xterm-256color'), 'xterm');
    assert.equal(blessedTerminal('vt220'), 'vt220');
    assert.equal(blessedTerminal('/etc/passwd'), 'xterm');
  });
});
