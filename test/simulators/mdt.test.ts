// The MDT simulator (simulators/mdt) against a whole service in this process: every shipped
// scenario passes, a failed expectation fails the run and names the step, load mode measures
// without errors and reconnects after the service drops its connections, idle connections stay
// signed on, and interactive mode never shows a password.
//
// One service for the file (on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set, else
// embedded). Its clock is moved along with real time, so that the rate limiter refills as it does
// in the demo (the rate-limit scenario needs that), and jumped forward where a test needs the
// service's idle lock or idle close.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../../db/accounts.ts';
import { parseCredentials } from '../../simulators/mdt/credentials.ts';
import { Histogram } from '../../simulators/mdt/load/stats.ts';
import type { LoadReport } from '../../simulators/mdt/load/run.ts';
import { main, type Hooks, type Io } from '../../simulators/mdt/main.ts';
import { parseScenario } from '../../simulators/mdt/scenario/parse.ts';
import { Variables } from '../../simulators/mdt/scenario/vars.ts';
import { ServiceClock } from '../../simulators/mdt/service-clock.ts';
import { redact, showBytes, textBytes } from '../../simulators/mdt/text.ts';
import { backends } from '../support/backends.ts';
import { followRealTime, PASSWORD, startTestService, USERS, type TestService } from '../support/service.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCENARIOS = join(ROOT, 'simulators/scenarios');
const backend = backends().at(-1)!;

/** The demo's credentials file format (src/demo.ts), with the test service's users. */
function credentialsText(): string {
  const lines = ['CCPOR demo users (embedded registry only). Sign on with SON.<ORI>.USR/<name>.PWD/<password>', ''];
  for (const [role, u] of Object.entries(USERS) as [Role, { name: string; ori: string }][]) {
    lines.push(`${role.padEnd(10)} ${u.name.padEnd(10)} ORI ${u.ori}  password ${PASSWORD}`);
  }
  return `${lines.join('\n')}\n`;
}

function captureIo(input: string[] = []): Io & { text(): string; errText(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    stdin: Readable.from(input),
    stdout: new PassThrough(),
    env: {},
    text: () => out.join('\n'),
    errText: () => err.join('\n'),
  };
}

describe('mdt pieces', () => {
  test('dates come from the service clock, in its time zone; helpers; regex values are literal', () => {
    const clock = new ServiceClock('America/Los_Angeles');
    clock.observe('20260615070000', Date.now()); // 07:00 UTC = 00:00 in California
    const v = new Variables(clock, { X: 'A.B' });
    assert.equal(v.fill('${TODAY}/${TODAY+1}/${TODAY-15}'), '20260615/20260616/20260531');
    assert.match(v.fill('${NOW}'), /^2026061500[0-5]\d$/);
    assert.equal(v.fill('${PNO:1}.${LOWER:${X}}.$${Y}'), 'PO0000000018.a.b.${Y}');
    assert.equal(v.fill('${REPEAT:XY:3}'), 'XYXYXY');
    assert.match(v.get('RUN')!, /^[A-Z]{6}$/);
    assert.ok(v.regex('^${X}$', '').test('A.B') && !v.regex('^${X}$', '').test('AxB'));
    assert.throws(() => v.fill('${NOPE}'), /undefined variable \$\{NOPE\}/);
  });

  test('bytes: UTF-8, \\xHH escapes, raw framing names; passwords redacted', () => {
    assert.deepEqual([...textBytes('Ü\\x09\\\\')], [0xc3, 0x9c, 0x09, 0x5c]);
    assert.deepEqual([...textBytes('<STX>A\\r\\n<ETX>', true)], [0x02, 0x41, 0x0d, 0x0a, 0x03]);
    assert.equal(showBytes(textBytes('<STX>A\\x00<ETX>', true)), '<STX>A\\x00<ETX>');
    assert.equal(redact('SON.CA0194200.USR/X.PWD/se cret.OTP/123456.CTL/A'), 'SON.CA0194200.USR/X.PWD/***.OTP/***.CTL/A');
  });

  test('the demo credentials file is read; scenario syntax errors name the line', () => {
    const c = parseCredentials('CCPOR demo users\n\nOFFICER    OFFICER1   ORI CA0194200  password Demo-g9-JnRmF\nCLERK7 CA019015J pw.x CLERK\n');
    assert.deepEqual(c, [
      { user: 'OFFICER1', ori: 'CA0194200', password: 'Demo-g9-JnRmF', role: 'OFFICER' },
      { user: 'CLERK7', ori: 'CA019015J', password: 'pw.x', role: 'CLERK' },
    ]);
    const scn = parseScenario('# t\n@a QPO.CA0194200.PNO/${PNO:1}\n  expect HIT|NREC\n  capture P = PNO\nsof\nburst ${N} X\n  count REJ RAT >= 1\n', 'x.scn');
    assert.deepEqual(scn.steps.map((s) => [s.kind, 'term' in s ? s.term : '', s.expectations.length]), [['send', 'a', 2], ['sof', 'a', 0], ['burst', 'a', 1]]);
    assert.throws(() => parseScenario('sof\n  count REJ >= 1\n', 'y.scn'), /y\.scn:2: 'count' does not apply to a 'sof' step/);
    assert.throws(() => parseScenario('  expect ACK\n', 'z.scn'), /z\.scn:1: an indented expectation needs a step above it/);
  });

  test('latency histogram: percentiles within 1 %', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    const s = h.summary();
    assert.ok(Math.abs(s.p50 - 50) <= 0.6 && Math.abs(s.p99 - 99) <= 1.1, JSON.stringify(s));
    assert.equal(s.max, 100);
    assert.equal(s.count, 1000);
  });
});

describe(`mdt simulator against a service on ${backend.name}`, () => {
  let t: TestService;
  let dir: string;
  let creds: string;
  const mdt = (args: string[], io = captureIo(), hooks: Hooks = {}) => main([...args, '--port', String(t.tcp)], io, hooks);

  before(async () => {
    t = await startTestService(backend, { redis: true, env: { CCPOR_RATE_BURST: '60', CCPOR_RATE_PER_SECOND: '20' } });
    // The test clock stands still unless moved: move it with real time, as the demo's does.
    followRealTime(t);
    dir = mkdtempSync(join(tmpdir(), 'mdt-test-'));
    creds = join(dir, 'DEMO-CREDENTIALS.txt');
    writeFileSync(creds, credentialsText());
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every shipped scenario passes (script mode, demo credentials file format)', async () => {
    const io = captureIo();
    const waits: string[] = [];
    const code = await mdt(['script', SCENARIOS, '--credentials', creds, '--var', 'SHORT_IDLE_LOCK=1'], io, {
      // 08-idle-lock waits for the idle-lock NOTE: let 31 minutes pass for the service.
      onWait: ({ file, line }) => {
        if (!file.includes('08-idle-lock')) return; // other waits are for traffic that comes by itself
        waits.push(`${file}:${line}`);
        t.clock.advance(31 * 60_000);
        t.service.sessions.sweep();
      },
    });
    const report = io.text();
    assert.equal(code, 0, `${report}\n${io.errText()}`);
    assert.match(report, /^8 scenario\(s\): 8 passed, 0 failed, 0 skipped; \d+ steps, 0 failed$/m);
    assert.equal(waits.length, 1);
    for (const code of ['FRM', 'LEN', 'CHR', 'MKE', 'ORI', 'AUT', 'LCK', 'PRM', 'FLD', 'NFD', 'DUP', 'RAT']) {
      assert.match(report, new RegExp(`REJ ${code}\\b`), `no step got REJ ${code}`);
    }
    assert.ok(!report.includes(PASSWORD), 'a password appeared in the report');
  });

  test('over TLS (--tls --insecure) and in line mode (--line)', async () => {
    const scn = join(SCENARIOS, '02-enter-and-inquire.scn');
    const tlsIo = captureIo();
    assert.equal(await main(['script', scn, '--tls', '--insecure', '--port', String(t.tls), '--credentials', creds], tlsIo), 0, tlsIo.text());
    const lineIo = captureIo();
    assert.equal(await mdt(['script', join(SCENARIOS, '03-serve-clear-cancel.scn'), '--line', '--credentials', creds], lineIo), 0, lineIo.text());
    // Without --insecure or --ca the self-signed certificate is refused.
    const strict = captureIo();
    assert.equal(await main(['script', scn, '--tls', '--port', String(t.tls), '--credentials', creds, '--stop-on-fail'], strict), 1);
    assert.match(strict.text(), /FAIL .*\n +self-signed certificate/);
  });

  // The real command line in a child process (the service runs in this one, so never block it).
  const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators/mdt/main.ts'), ...args], { cwd: ROOT, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });

  test('a failing expectation makes the exit status non-zero and the report names the step', async () => {
    const scn = join(dir, 'broken.scn');
    writeFileSync(
      scn,
      [
        '# a scenario that must fail',
        '@officer son OFFICER1 CA0194200',
        '@officer QPO.CA0194200.PNO/${PNO:999999999}.CTL/X1',
        '  expect HIT',
        '  match /NO SUCH TEXT/',
        '@officer QPO.CA0194200.PNO/${PNO:999999999}',
        '  expect NREC',
        '@officer QPO.CA0194200.PNO/${CAPTURED_NEVER}',
      ].join('\n'),
    );
    const run = await cli(['script', scn, '--port', String(t.tcp), '--credentials', creds]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^ {2}FAIL {2}L3 +@officer +QPO\.CA0194200\.PNO\/PO9999999999\.CTL\/X1 .*NREC/m);
    assert.match(run.stdout, /L4: expected HIT, got NREC/);
    assert.match(run.stdout, /L5: body does not match \/NO SUCH TEXT\//);
    assert.match(run.stdout, /^ {2}ok {4}L6 /m, 'later steps still run');
    assert.match(run.stdout, /FAIL {2}L8 .*\n.*undefined variable \$\{CAPTURED_NEVER\}/);
    assert.match(run.stdout, /3 steps: 2 passed|4 steps: 2 passed, 2 failed/);
    assert.ok(!run.stdout.includes(PASSWORD));

    // A syntax error: exit status 2, the file and line named, nothing sent.
    writeFileSync(scn, '@officer son OFFICER1 CA0194200\n  expect BOGUS\n');
    const bad = await cli(['script', scn, '--port', String(t.tcp)]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /broken\.scn:2: unknown status in 'BOGUS'/);
  });

  test('load mode: a few terminals for a few seconds, non-zero throughput and no errors', async () => {
    const json = join(dir, 'load.json');
    const io = captureIo();
    const code = await mdt(
      ['load', '--terminals', '3', '--duration', '2500ms', '--rate', '45/s', '--mix', 'qpo-name:60,qpo-pno:20,qpo-pp:5,qpo-name-miss:5,epo:10',
        '--credentials', creds, '--users', 'CLERK1', '--discover', '10', '--seed-orders', '8', '--progress', '0', '--json', json],
      io,
    );
    assert.equal(code, 0, io.errText());
    const r = JSON.parse(readFileSync(json, 'utf8')) as LoadReport;
    assert.ok(r.replies > 20 && r.throughput > 5, io.text());
    assert.equal(r.errorsTotal, 0, io.text());
    assert.equal(r.byReject.RAT, undefined, io.text());
    assert.equal(r.ctlMismatches + r.strays + r.late, 0);
    assert.ok(r.latencyMs.p50 > 0 && r.latencyMs.p99 >= r.latencyMs.p50 && r.latencyMs.max >= r.latencyMs.p99);
    assert.equal(r.setup.seeded, 8);
    // Inquiries find the orders the clerk entered (no reading of the database).
    const byName = r.byKind['qpo-name']!;
    assert.equal(byName.asExpected, byName.replies, io.text());
    assert.match(io.text(), /replies\/s/);
  });

  test('lean load mode reads statuses, REJ codes and entered PNOs from the header alone, and reconnects', async () => {
    const json = join(dir, 'lean.json');
    const io = captureIo();
    const code = await mdt(
      ['load', '--lean', '--terminals', '3', '--duration', '3s', '--rate', '45/s', '--mix', 'qpo-name:40,qpo-pno:20,epo:20,bad:20',
        '--credentials', creds, '--users', 'CLERK1', '--discover', '0', '--seed-orders', '6', '--progress', '0', '--json', json],
      io,
      {
        onLoadStarted: () => {
          setTimeout(() => {
            t.clock.advance(61 * 60_000);
            t.service.sessions.sweep();
          }, 1_500);
        },
      },
    );
    assert.equal(code, 0, io.errText());
    const r = JSON.parse(readFileSync(json, 'utf8')) as LoadReport;
    assert.ok(r.replies > 40, io.text());
    // Every impossible DOB is a REJ FLD, read from the first body line.
    const bad = r.byKind.bad!;
    assert.ok(bad.replies > 0 && bad.byStatus['REJ FLD'] === bad.replies, io.text());
    assert.equal(r.byReject.FLD, bad.replies);
    // Entries are ACKed and their PNOs join the pool: PNO inquiries find them.
    assert.equal(r.byKind.epo!.asExpected, r.byKind.epo!.replies, io.text());
    assert.equal(r.byKind['qpo-pno']!.asExpected, r.byKind['qpo-pno']!.replies, io.text());
    assert.equal(r.byKind['qpo-name']!.asExpected, r.byKind['qpo-name']!.replies, io.text());
    // The service's idle sweep closed every connection: each terminal came back.
    assert.ok(r.reconnects >= 3, `reconnects ${r.reconnects}\n${io.text()}`);
    assert.ok(r.errorsTotal <= 3, `only requests in flight at the drop may be lost: ${JSON.stringify(r.errors)}`);
  });

  test('load mode reconnects and signs on again after the service drops its connections', async () => {
    const io = captureIo();
    const json = join(dir, 'reconnect.json');
    const code = await mdt(
      ['load', '--terminals', '3', '--duration', '3s', '--rate', '30/s', '--mix', 'qpo-pno:1,qpo-name-miss:1', '--credentials', creds,
        '--users', 'OFFICER1,DISPATCH1', '--discover', '0', '--seed-orders', '0', '--progress', '0', '--json', json],
      io,
      {
        // After a second, 61 minutes pass for the service: its idle sweep closes every connection.
        onLoadStarted: () => {
          setTimeout(() => {
            t.clock.advance(61 * 60_000);
            t.service.sessions.sweep();
          }, 1_000);
        },
      },
    );
    assert.equal(code, 0, io.errText());
    const r = JSON.parse(readFileSync(json, 'utf8')) as LoadReport;
    assert.ok(r.drops >= 3, `drops ${r.drops}\n${io.text()}`);
    assert.ok(r.reconnects >= 3, `reconnects ${r.reconnects}\n${io.text()}`);
    assert.ok((r.unsolicited['NOTE NOTE'] ?? 0) >= 3, 'the closing NOTE is counted as unsolicited');
    assert.ok(r.replies > 30, io.text());
    assert.ok(r.errorsTotal <= 3, `only requests in flight at the drop may be lost: ${JSON.stringify(r.errors)}`);
  });

  test('--idle opens signed-on connections that stay quiet', async () => {
    const io = captureIo();
    const json = join(dir, 'idle.json');
    const code = await mdt(['load', '--idle', '20', '--duration', '500ms', '--credentials', creds, '--users', 'OFFICER1', '--server-pid', String(process.pid), '--progress', '0', '--json', json], io);
    assert.equal(code, 0, io.errText());
    const r = JSON.parse(readFileSync(json, 'utf8')) as LoadReport;
    assert.equal(r.idle?.signedOn, 20, io.text());
    assert.equal(r.idle?.openAtEnd, 20);
    assert.ok(r.idle?.server, 'the service memory was sampled');
    assert.match(io.text(), /idle: 20 of 20 connection\(s\) signed on/);
  });

  test('interactive mode from a pipe: replies in order, passwords never shown', async () => {
    const io = captureIo([
      `:son CLERK1 ${PASSWORD} CA019015J\n`,
      'qpo.ca019015j.pno/PO9999999999.ctl/i1\n',
      `SON.CA019015J.USR/CLERK1.PWD/${PASSWORD}\n`,
      ':raw <STX>SOF.CA019015J<ETX>\n',
      ':bogus\n',
      ':quit\n',
      'QPO.CA019015J.PNO/PO9999999999\n',
    ]);
    const code = await mdt([], io);
    assert.equal(code, 0, io.errText());
    const text = io.text();
    assert.ok(!text.includes(PASSWORD), text);
    assert.match(text, /SON\.CA019015J\.USR\/CLERK1\.PWD\/\*\*\*\nSON  ACK  CA019015J 000001 \d{14}\nSIGNED ON CLERK1 CLERK CA019015J/);
    assert.match(text, /QPO  NREC CA019015J 000002 \d{14} I1\nPNO\/PO9999999999/);
    assert.match(text, /SOF  ACK  CA019015J 000004 \d{14}\nSIGNED OFF CLERK1/);
    assert.match(text, /unknown command :bogus/);
    assert.ok(!text.includes('000005'), 'nothing is sent after :quit');
  });
});
