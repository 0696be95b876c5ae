// The local console (`npm run console`) as a user meets it, in a real terminal: tmux runs
// `node terminal-ui/main.ts` against a service started by this file, keys go in with send-keys
// and the screen comes back with capture-pane. One service for the file (PostgreSQL + Redis when
// DATABASE_URL / REDIS_URL are set, else embedded), one tmux server on a socket of its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CAVEAT } from '../../protocol/index.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { PASSWORD, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const SOCKET = `ccpor-console-test-${process.pid}`;
const backend = backends().at(-1)!;
// tmux must not think it is nested in the tmux a developer may run the tests from.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'TMUX' && k !== 'TMUX_PANE'));

const tmux = async (...args: string[]) => (await run('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { env })).stdout;

const screen = async (session: string) => tmux('capture-pane', '-p', '-t', session);

/** Polls the screen until `want` matches it (10 s), and returns it; fails with the last screen. */
async function waitFor(session: string, want: RegExp | ((screen: string) => boolean), ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  const ok = typeof want === 'function' ? want : (x: string) => want.test(x);
  let last = '';
  while (Date.now() < until) {
    last = await screen(session);
    if (ok(last)) return last;
    await sleep(100);
  }
  assert.fail(`screen never matched ${String(want)} within ${ms} ms; it shows:\n${last}`);
}

/** Waits for the console started by start() to end and returns its exit status (from the shell). */
async function waitForExit(session: string, statusFile: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const status = (() => {
      try {
        return readFileSync(statusFile, 'utf8').trim();
      } catch {
        return '';
      }
    })();
    if (status !== '') return status;
    await sleep(100);
  }
  assert.fail(`the console in ${session} did not end within ${ms} ms:\n${await screen(session)}`);
}

const keys = (session: string, ...k: string[]) => tmux('send-keys', '-t', session, ...k);
const type = (session: string, text: string) => tmux('send-keys', '-t', session, '-l', text);

describe(`local console in tmux against a service on ${backend.name}`, () => {
  let t: TestService;
  let dir: string;
  let clerk: TestTerminal;
  let pno: string;

  /**
   * Starts `npm run console`'s command in a detached tmux session of that size; its stderr and
   * exit status go to files (tmux's own pane_dead_status is not reliable in 3.3).
   */
  async function start(session: string, columns = 100, rows = 30): Promise<{ err: string; status: string }> {
    const err = join(dir, `${session}.err`);
    const status = join(dir, `${session}.status`);
    const cmd = `node --import tsx terminal-ui/main.ts --host 127.0.0.1 --port ${t.tcp} 2>${err}; echo $? >${status}`;
    await tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), '-c', ROOT, cmd, ';', 'set-option', '-w', '-t', session, 'remain-on-exit', 'on');
    return { err, status };
  }

  /** Banner acknowledged and signed on as the officer through the sign-on form. */
  async function signOnOfficer(session: string): Promise<void> {
    await waitFor(session, /I ACKNOWLEDGE/);
    await keys(session, 'y');
    await waitFor(session, /SIGN ON \(SON\)/);
    await type(session, 'officer1');
    await keys(session, 'Tab');
    await type(session, POLICE);
    await keys(session, 'Tab');
    await type(session, PASSWORD);
    await keys(session, 'Enter');
    await waitFor(session, /^ OFFICER1 OFFICER CA0194200 /m);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-test-'));
    t = await startTestService(backend, { redis: true });
    clerk = await TestTerminal.connect(t.tcp);
    assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
    const epo = await clerk.send(
      `EPO.${COURT}.NAM/WHITFIELD, ROSALIND.SEX/F.RAC/W.DOB/19790314.TYP/DVRO.OCA/26FL000777.ISD/20260101.EXP/20290101.PCO/01 05 07.BRD/Y.PPN/WHITFIELD, AARON.PSX/M.PPB/19780202`,
    );
    assert.equal(epo.status, 'ACK', epo.lines.join('\n'));
    pno = /PNO\/(PO\d{10})/.exec(epo.body[0]!)![1]!;
  });

  after(async () => {
    await tmux('kill-server').catch(() => {});
    // tmux leaves its socket file behind.
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
    clerk?.close();
    await t?.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('banner, sign-on, NAM+DOB inquiry with its HIT and caveat, detail, resize, F10 ends the process', async () => {
    const s = 'flow';
    const { err, status } = await start(s);
    const banner = await waitFor(s, /I ACKNOWLEDGE/);
    assert.match(banner, /MONITORED, RECORDED AND/);
    assert.match(banner, /^ NOT SIGNED ON /m);
    assert.ok(!banner.includes('QPO'), 'nothing but the banner before the acknowledgement');
    await signOnOfficer(s);
    const signedOn = await screen(s);
    assert.match(signedOn.split('\n')[0]!, /^ OFFICER1 OFFICER CA0194200 {2}2\d{3}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}\d\d:\d\d:\d\d P[SD]T {2}MSG 0 {2}tcp 127\.0\.0\.1:\d+$/);
    assert.ok(!signedOn.includes(PASSWORD));

    await type(s, 'whitfield, rosalind');
    await keys(s, 'Tab');
    await type(s, '19790314');
    await keys(s, 'Enter');
    const hit = await waitFor(s, /QPO HIT - 1 RECORD/);
    const lines = hit.split('\n');
    assert.equal(lines[2], CAVEAT, 'the caveat is the first line of the results');
    assert.match(hit, new RegExp(`01 ${pno} DVRO  ACTIVE    WHITFIELD, ROSALIND +20290101  E`));

    await keys(s, 'F3');
    const detail = await waitFor(s, /ORDER DETAIL/);
    assert.match(detail, /NAM\/WHITFIELD, ROSALIND SEX\/F RAC\/W DOB\/19790314/);
    assert.match(detail, /PPN\/WHITFIELD, AARON PSX\/M PPB\/19780202/);
    assert.match(detail, /07 MAY NOT POSSESS OR PURCHASE A FIREARM/);

    await tmux('resize-window', '-t', s, '-x', '120', '-y', '40');
    const big = await waitFor(s, (x) => /^ F1 HELP.*F10 SIGN OFF$/.test(x.split('\n')[39] ?? ''));
    assert.match(big.split('\n')[0]!, /OFFICER1 OFFICER CA0194200/);
    assert.match(big.split('\n')[2]!, /^DO NOT ARREST/);
    await tmux('resize-window', '-t', s, '-x', '70', '-y', '20');
    await waitFor(s, /ENLARGE TO 80x24/);
    await tmux('resize-window', '-t', s, '-x', '80', '-y', '24');
    await waitFor(s, /ORDER DETAIL/);

    await keys(s, 'F10');
    assert.equal(await waitForExit(s, status), '0');
    assert.match(readFileSync(err, 'utf8'), /^console: signed off$/m);
  });

  test('an AM arriving while the user is half-way through typing keeps the text; unread count until F4', async (ctx) => {
    const s = 'am';
    const { err, status } = await start(s);
    await signOnOfficer(s);
    await type(s, 'WHITFIELD, ROS');
    await waitFor(s, /NAM \[WHITFIELD, ROS_/);
    const am = await clerk.send(`AM.${COURT}.DES/${POLICE}.MIS/PLEASE CALL THE CLERK AT 555-0100. RE ${pno}.`);
    if (am.status === 'REJ' && /NOT OFFERED/.test(am.body[0] ?? '')) {
      await keys(s, 'F10');
      await waitForExit(s, status);
      ctx.skip(`the service does not offer AM yet: ${am.body[0]}`);
      return;
    }
    assert.equal(am.status, 'ACK', am.lines.join('\n'));
    const arrived = await waitFor(s, /MSG 1 /);
    assert.match(arrived, /NAM \[WHITFIELD, ROS_/, 'the half-typed name is still there, with the cursor');
    assert.match(arrived, /NEW AM MSG - F4 TO READ/);
    await type(s, 'ALIND');
    await keys(s, 'Tab');
    await type(s, '19790314');
    await keys(s, 'Enter');
    await waitFor(s, /QPO HIT - 1 RECORD/);
    await keys(s, 'F4');
    const msgs = await waitFor(s, /MESSAGES - 1 RECEIVED/);
    assert.match(msgs, /MIS\/PLEASE CALL THE CLERK AT 555-0100\. RE PO\d{10}\./);
    assert.match(msgs, /MSG 0 /);
    await keys(s, 'F10');
    assert.equal(await waitForExit(s, status), '0', readFileSync(err, 'utf8'));
  });

  test('idle lock while typing: the lock screen covers the form, SON restores it with the text kept', async () => {
    const s = 'lock';
    const { status } = await start(s);
    await signOnOfficer(s);
    await type(s, 'WHITFIELD, RO');
    await waitFor(s, /NAM \[WHITFIELD, RO_/);
    t.clock.advance(31 * 60_000);
    t.service.sessions.sweep();
    const locked = await waitFor(s, /SESSION LOCKED AFTER INACTIVITY\. NOTHING IS SHOWN/);
    assert.ok(!locked.includes('WHITFIELD'), 'the form is covered while locked');
    assert.match(locked, /MSG 1 /);
    await type(s, 'Wrong-Password');
    await keys(s, 'Enter');
    await waitFor(s, /REJ AUT SIGN-ON FAILED/);
    await type(s, PASSWORD);
    await keys(s, 'Enter');
    const back = await waitFor(s, /NAM \[WHITFIELD, RO_/);
    assert.match(back, /SESSION RESUMED/);
    await type(s, 'SALIND');
    await keys(s, 'Tab');
    await type(s, '19790314');
    await keys(s, 'Enter');
    await waitFor(s, /QPO HIT - 1 RECORD/);
    await keys(s, 'F10');
    assert.equal(await waitForExit(s, status), '0');
  });
});
