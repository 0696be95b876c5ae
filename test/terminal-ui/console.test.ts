// The console in this process, as the SSH server will run it: blessed on a stream pair that is
// not the process's terminal, and a link the test plays the service on. What a user sees is read
// from ConsoleApp.screenText(); what the service gets is the link's sent texts.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CAVEAT, formatReply, hitBody, rejectBody, type OrderView, type ReplyStatus } from '../../protocol/index.ts';
import { ConsoleApp, startConsole, TERMINALS, type ConsoleOptions } from '../../terminal-ui/console.ts';
import type { ProtocolLink } from '../../terminal-ui/link.ts';

const KEY = {
  F1: '\x1bOP',
  F2: '\x1bOQ',
  F3: '\x1bOR',
  F4: '\x1bOS',
  F5: '\x1b[15~',
  F6: '\x1b[17~',
  F7: '\x1b[18~',
  F10: '\x1b[21~',
  TAB: '\t',
  ENTER: '\r',
  ESC: '\x1b',
  DOWN: '\x1b[B',
  BACKSPACE: '\x7f',
  CLEAR_FORM: '\x18',
};

class FakeLink implements ProtocolLink {
  readonly sent: string[] = [];
  #message: ((lines: string[]) => void) | undefined;
  #close: ((reason: string) => void) | undefined;
  closed = false;
  authenticatedSignOns = 0;
  seq = 0;
  constructor(
    readonly connection = 'test 127.0.0.1:1',
    readonly authenticatedUser?: string,
  ) {
    if (authenticatedUser) this.signOnAuthenticated = () => void this.authenticatedSignOns++;
  }
  signOnAuthenticated?: () => void;
  send(text: string) {
    this.sent.push(text);
  }
  onMessage(l: (lines: string[]) => void) {
    this.#message = l;
  }
  onClose(l: (reason: string) => void) {
    this.#close = l;
  }
  close() {
    this.closed = true;
  }
  /** The service sends a message. */
  deliver(mke: string, status: ReplyStatus, body: string[], ori = 'CA0194200') {
    this.#message!(formatReply({ mke, status, ori, seq: ++this.seq, time: new Date('2026-06-15T19:00:00Z'), body }));
  }
  hangUp(reason: string) {
    this.#close!(reason);
  }
}

interface Rig {
  app: ConsoleApp;
  link: FakeLink;
  input: PassThrough;
  output: Writable & { columns: number; rows: number; isTTY: boolean };
  exits: string[];
  keys(...k: string[]): Promise<void>;
  text(): string;
}

function rig(o: { columns?: number; rows?: number; link?: FakeLink; terminal?: string } = {}): Rig {
  const input = new PassThrough();
  const output = Object.assign(
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
    { columns: o.columns ?? 80, rows: o.rows ?? 24, isTTY: true },
  );
  const link = o.link ?? new FakeLink();
  const exits: string[] = [];
  const options: ConsoleOptions = {
    input,
    output,
    terminal: o.terminal ?? 'xterm-256color',
    link,
    timeZone: 'America/Los_Angeles',
    now: () => new Date('2026-06-15T19:00:05Z'),
    onExit: (r) => exits.push(r),
  };
  const app = new ConsoleApp(options);
  return {
    app,
    link,
    input,
    output,
    exits,
    async keys(...k) {
      for (const s of k) {
        input.write(s);
        await sleep(2);
      }
      await sleep(5);
    },
    text: () => app.screenText().join('\n'),
  };
}

const order = (pno: string, o: Partial<OrderView> = {}): OrderView => ({
  pno,
  fcn: null,
  typ: 'DVRO',
  status: 'ACTIVE',
  isd: '20260101',
  exp: '20290101',
  cti: 'CA019015J',
  oca: 'FL000001',
  restrained: { name: 'SMITH, JOHN', sex: 'M', race: 'W', dob: '19800101', height: null, weight: null, eyes: null, hair: null },
  protected: [{ name: 'DOE, JANE', sex: 'F', race: null, dob: '19850505' }],
  pco: ['01', '05'],
  dst: null,
  brady: 'U',
  service: null,
  images: 1,
  match: 'E',
  mis: null,
  ...o,
});

async function signedOn(role = 'OFFICER', ori = 'CA0194200', user = 'OFFICER1', o: Parameters<typeof rig>[0] = {}): Promise<Rig> {
  const r = rig(o);
  await r.keys('y');
  await r.keys(...user.toLowerCase(), KEY.TAB, ...ori, KEY.TAB, ...'Correct-Horse-7', KEY.ENTER);
  assert.equal(r.link.sent.at(-1), `SON.${ori}.USR/${user}.PWD/Correct-Horse-7`);
  r.link.deliver('SON', 'ACK', [`SIGNED ON ${user} ${role} ${ori}`], ori);
  await r.keys();
  return r;
}

describe('console (in process, fake service)', () => {
  test('banner first, nothing sent before it is acknowledged; N disconnects', async () => {
    const r = rig();
    assert.match(r.text(), /RESTRICTED CRIMINAL JUSTICE INFORMATION SYSTEM/);
    assert.match(r.text(), /\[ I ACKNOWLEDGE \]/);
    assert.match(r.text(), /NOT SIGNED ON/);
    await r.keys('x', KEY.F2, KEY.TAB);
    assert.match(r.text(), /I ACKNOWLEDGE/, 'other keys do not pass the banner');
    assert.deepEqual(r.link.sent, []);
    await r.keys('n');
    assert.deepEqual(r.exits, ['BANNER NOT ACKNOWLEDGED']);
    r.app.destroy();
  });

  test('sign-on form: REJ shown and retried; the password is never on screen; ACK fills the status line', async () => {
    const r = rig();
    await r.keys(KEY.ENTER);
    assert.match(r.text(), /SIGN ON \(SON\)/);
    await r.keys(...'officer1', KEY.TAB, ...'CA0194200', KEY.TAB, ...'Wrong-Pass', KEY.ENTER);
    assert.deepEqual(r.link.sent, ['SON.CA0194200.USR/OFFICER1.PWD/Wrong-Pass']);
    assert.ok(!r.text().includes('Wrong-Pass'));
    r.link.deliver('SON', 'REJ', rejectBody('AUT', 'SIGN-ON FAILED'), '');
    await r.keys();
    assert.match(r.text(), /REJ AUT SIGN-ON FAILED/);
    assert.match(r.text(), /PASSWORD +\[_ {29}\]/, 'the password field is empty again and has the cursor');
    await r.keys(...'Correct-Horse-7', KEY.ENTER);
    assert.equal(r.link.sent[1], 'SON.CA0194200.USR/OFFICER1.PWD/Correct-Horse-7');
    r.link.deliver('SON', 'ACK', ['SIGNED ON OFFICER1 OFFICER CA0194200']);
    await r.keys();
    const lines = r.app.screenText();
    assert.equal(lines[0], ' OFFICER1 OFFICER CA0194200  19:00:05Z  12:00:05 PDT  MSG 0  test 127.0.0.1:1');
    assert.match(r.text(), /QPO INQUIRY - FORM 1 OF 6/);
    assert.match(lines.at(-1)!, /F1 HELP {2}F2 QUERY {2}F3 DETAIL {2}F4 MSGS {2}F5 AM {2}F7 SERVICE {2}F10 SIGN OFF/);
    assert.ok(!/F6/.test(lines.at(-1)!), 'an officer has no entry form');
    r.app.destroy();
  });

  test('an unsolicited message while typing keeps the field and the cursor; the unread count rises until F4', async () => {
    const r = await signedOn();
    await r.keys(...'SMITH, JO');
    r.link.deliver('AM', 'MSG', ['FROM/CA019015J USR/CLERK1', 'MIS/PLEASE CALL THE CLERK'], 'CA0194200');
    r.link.deliver('NOTE', 'NOTE', ['REGISTRY MAINTENANCE AT 2200'], 'CA0194200');
    await r.keys();
    assert.match(r.text(), /MSG 2 /);
    assert.match(r.text(), /NEW NOTE NOTE - F4 TO READ \(2 UNREAD\)/);
    await r.keys(...'HN', KEY.TAB, ...'19800101', KEY.ENTER);
    assert.equal(r.link.sent.at(-1), 'QPO.CA0194200.NAM/SMITH, JOHN.DOB/19800101');
    r.link.deliver('QPO', 'HIT', hitBody([order('PO0000000018')]));
    await r.keys();
    assert.match(r.text(), /MSG 2 /, 'replies are not messages');
    await r.keys(KEY.F4);
    assert.match(r.text(), /MSG 0 /);
    assert.match(r.text(), /MIS\/PLEASE CALL THE CLERK/);
    assert.ok(r.text().indexOf('REGISTRY MAINTENANCE') < r.text().indexOf('PLEASE CALL'), 'newest first');
    r.app.destroy();
  });

  test('HIT: caveat on top, conflicting rows flagged, prevailing order marked, detail on F3; NREC and REJ', async () => {
    const r = await signedOn();
    await r.keys(...'SMITH, JOHN', KEY.TAB, ...'19800101', KEY.ENTER);
    r.link.deliver('QPO', 'HIT', hitBody([
      order('PO0000000018', { conflict: { prevails: 'PO0000000018' } }),
      order('PO0000000026', { typ: 'CHRO', conflict: { prevails: 'PO0000000018' }, images: 3 }),
    ]));
    await r.keys();
    const lines = r.app.screenText();
    assert.equal(lines[2], CAVEAT, 'the caveat is the first line of the results');
    assert.match(r.text(), /01 PO0000000018 DVRO  ACTIVE    SMITH, JOHN +20290101  E  \*PREVAILS\*/);
    assert.match(r.text(), /02 PO0000000026 CHRO  ACTIVE    SMITH, JOHN +20290101  E  CONFLICT/);
    await r.keys(KEY.DOWN, KEY.F3);
    assert.match(r.text(), /ORDER DETAIL - PO0000000026/);
    assert.match(r.text(), /PRV\/PO0000000018: THAT ORDER PREVAILS, NOT THIS ONE/);
    assert.match(r.text(), /IMAGES: IMG\/3/);
    assert.equal(r.app.screenText()[2], CAVEAT, 'the caveat stays on the detail view');
    await r.keys(KEY.F7);
    assert.match(r.text(), /PNO \[PO0000000026\]/, 'the service form takes the selected order');
    await r.keys(KEY.F2, KEY.CLEAR_FORM, ...'SMITH, JOHN', KEY.TAB, ...'19810229', KEY.ENTER);
    r.link.deliver('QPO', 'REJ', rejectBody('FLD', 'DOB NOT A REAL DATE'));
    await r.keys();
    assert.match(r.text(), /REJ FLD DOB NOT A REAL DATE/);
    await r.keys(KEY.BACKSPACE, KEY.BACKSPACE, ...'28', KEY.ENTER);
    assert.equal(r.link.sent.at(-1), 'QPO.CA0194200.NAM/SMITH, JOHN.DOB/19810228', 'the cursor was on DOB, the field named');
    r.link.deliver('QPO', 'NREC', ['NAM/SMITH, JOHN DOB/19810228']);
    await r.keys();
    assert.match(r.text(), /NREC - NO RECORD FOUND FOR:\n\n +NAM\/SMITH, JOHN DOB\/19810228/);
    r.app.destroy();
  });

  test('idle lock covers the screen, asks for the password, and restores the half-typed form after SON ACK', async () => {
    const r = await signedOn();
    await r.keys(...'GARCIA, MA');
    r.link.deliver('NOTE', 'NOTE', ['SESSION LOCKED AFTER INACTIVITY - SIGN ON AGAIN (SON)']);
    await r.keys();
    assert.match(r.text(), /SESSION LOCKED AFTER INACTIVITY/);
    assert.ok(!r.text().includes('GARCIA'), 'nothing of the work shows while locked');
    await r.keys(KEY.F2, ...'Correct-Horse-7', KEY.ENTER);
    assert.equal(r.link.sent.at(-1), 'SON.CA0194200.USR/OFFICER1.PWD/Correct-Horse-7');
    r.link.deliver('SON', 'ACK', ['SIGNED ON OFFICER1 OFFICER CA0194200']);
    await r.keys(...'RIA');
    assert.match(r.text(), /NAM \[GARCIA, MARIA_ +\]/);
    assert.match(r.text(), /MSG 1 /, 'the lock notice is a message too');
    r.link.deliver('NOTE', 'NOTE', ['CONNECTION CLOSED AFTER INACTIVITY']);
    assert.deepEqual(r.exits, ['CONNECTION CLOSED AFTER INACTIVITY']);
    r.app.destroy();
  });

  test('a clerk has the entry form (EPO) and HST; the ACK shows the new PNO and its conflicts', async () => {
    const r = await signedOn('CLERK', 'CA019015J', 'CLERK1');
    assert.match(r.text(), /F6 ENTRY/);
    assert.match(r.text(), /HST \[_\]/);
    await r.keys(KEY.F6);
    assert.match(r.text(), /ENTER AN ORDER \(EPO\)/);
    assert.match(r.text(), /CTI \[CA019015J\]/);
    const type = async (s: string) => r.keys(...s, KEY.TAB);
    for (const v of ['SMITH, JOHN', 'M', 'W', '19800101', '', '', '', '', '', '', '', 'DVRO', '24FL001234', '', '20260101', '20290101', '01 05', '', 'Y', 'DOE, JANE', 'F', '', '19850505']) await type(v);
    await r.keys(KEY.ENTER);
    assert.equal(
      r.link.sent.at(-1),
      'EPO.CA019015J.NAM/SMITH, JOHN.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/24FL001234.CTI/CA019015J.ISD/20260101.EXP/20290101.PCO/01 05.BRD/Y.PPN/DOE, JANE.PSX/F.PPB/19850505',
    );
    r.link.deliver('EPO', 'ACK', ['PNO/PO0000000034', 'CFL/PO0000000018 PRV/PO0000000034'], 'CA019015J');
    await r.keys();
    assert.match(r.text(), /EPO ACK - ORDER ENTERED/);
    assert.match(r.text(), /PNO\/PO0000000034/);
    assert.match(r.text(), /CONFLICTS WITH ACTIVE ORDER PO0000000018 - PO0000000034 PREVAILS/);
    await r.keys(KEY.F6);
    assert.match(r.text(), /NAM \[_ +\]/, 'the form is empty for the next order');
    assert.match(r.text(), /CTI \[CA019015J\]/);
    r.app.destroy();
  });

  test('the SSH path: signed on by the transport after the banner, no password asked', async () => {
    const link = new FakeLink('ssh 10.0.0.5:50122', 'officer1');
    const r = rig({ link });
    await r.keys('Y');
    assert.equal(link.authenticatedSignOns, 1);
    assert.deepEqual(link.sent, []);
    link.deliver('SON', 'ACK', ['SIGNED ON OFFICER1 OFFICER CA0194200']);
    await r.keys();
    assert.match(r.app.screenText()[0]!, /^ OFFICER1 OFFICER CA0194200 .* ssh 10\.0\.0\.5:50122$/);
    r.app.destroy();
  });

  test('F10 sends SOF and ends after the ACK (or after a short wait); a closed link ends the console', async () => {
    const r = await signedOn();
    await r.keys(KEY.F10);
    assert.equal(r.link.sent.at(-1), 'SOF.CA0194200');
    assert.deepEqual(r.exits, []);
    r.link.deliver('SOF', 'ACK', ['SIGNED OFF OFFICER1']);
    assert.deepEqual(r.exits, ['SIGNED OFF']);
    await r.keys('x', KEY.F10);
    assert.equal(r.exits.length, 1, 'nothing happens after the end');
    r.app.destroy();

    const q = await signedOn();
    q.link.hangUp('network');
    assert.deepEqual(q.exits, ['CONNECTION CLOSED: network']);
    q.app.destroy();
  });

  test('smaller than 80x24 shows the enlarge notice; resize() lays the screen out again', async () => {
    const small = rig({ columns: 70, rows: 20 });
    assert.match(small.text(), /ENLARGE TO 80x24/);
    assert.ok(!small.text().includes('ACKNOWLEDGE'));
    small.app.destroy();
    const r = await signedOn();
    r.output.columns = 70;
    r.output.rows = 20;
    r.app.resize(70, 20);
    assert.match(r.text(), /ENLARGE TO 80x24/);
    assert.match(r.text(), /NOW 70x20/);
    r.output.columns = 120;
    r.output.rows = 40;
    r.app.resize(120, 40);
    const lines = r.app.screenText();
    assert.equal(lines.length, 40);
    assert.match(lines[0]!, /OFFICER1 OFFICER CA0194200 {2}UTC|OFFICER1 OFFICER CA0194200 {2}2026-06-15 19:00:05Z/);
    assert.match(lines[39]!, /F10 SIGN OFF/);
    r.app.resize(79, 24);
    assert.match(r.text(), /ENLARGE TO 80x24/);
    r.app.destroy();
  });

  test('every allowed terminal type draws the banner without a word on stderr', async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (const terminal of TERMINALS) {
        const r = rig({ terminal });
        await r.keys();
        assert.match(r.text(), /I ACKNOWLEDGE/, terminal);
        r.app.destroy();
      }
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(written, []);
  });

  test('20 consoles at once; destroy leaves no listeners on process or the streams and no timers', async () => {
    const events = ['uncaughtException', 'SIGTERM', 'SIGINT', 'SIGQUIT', 'exit', 'SIGCONT'] as const;
    const count = () => events.map((e) => process.listenerCount(e));
    const timers = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const before = count();
    const timersBefore = timers();
    const rigs = Array.from({ length: 20 }, () => rig());
    assert.deepEqual(count(), before, 'blessed left handlers on process');
    await Promise.all(rigs.map((r) => r.keys('y')));
    for (const r of rigs) assert.match(r.text(), /SIGN ON \(SON\)/);
    await rigs[3]!.keys(...'dispatch1');
    assert.match(rigs[3]!.text(), /USER +\[DISPATCH1/);
    assert.ok(!rigs[4]!.text().includes('DISPATCH1'), 'consoles do not share keys or state');
    const handles = rigs.map((r) => r);
    for (const r of handles) r.app.destroy();
    await sleep(10);
    assert.deepEqual(count(), before);
    assert.equal(timers(), timersBefore, 'a timer was left behind');
    for (const r of rigs) {
      assert.equal(r.input.listenerCount('data'), 0);
      assert.equal(r.input.listenerCount('keypress'), 0);
      assert.equal(r.output.listenerCount('resize'), 0);
    }
    // startConsole gives the same console behind the SSH server's handle.
    const h = startConsole({ ...{ input: new PassThrough(), output: Object.assign(new PassThrough(), { columns: 80, rows: 24 }) }, terminal: 'vt100', link: new FakeLink(), timeZone: 'UTC', onExit() {} });
    h.resize(100, 30);
    h.destroy();
    h.destroy();
    assert.deepEqual(count(), before);
  });
});
