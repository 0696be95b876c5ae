// The fuzz tool (simulators/fuzz) through its real command line: a few seconds against a whole
// service on every transport find nothing wrong (and did try: inputs on TCP, TLS and SSH, replies
// of many reject codes, the registry compared before and after); pointed at a server that leaves
// one kind of message unanswered it fails, naming the check, so it cannot pass vacuously.
//
// The service runs in this process (on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set,
// else embedded), the tool in a child process, as a user runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeReply, formatReply, FrameDecoder, frameProblemRejection, parseMessage, rejectBody, tooLongRejection, type Rejection } from '../../protocol/index.ts';
import { StreamLink } from '../../simulators/fuzz/links.ts';
import type { FuzzReport } from '../../simulators/fuzz/report.ts';
import { backends } from '../support/backends.ts';
import { freePort } from '../support/redis-server.ts';
import { followRealTime, PASSWORD, startTestService, USERS, type TestService } from '../support/service.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const backend = backends().at(-1)!;

/** The fuzz command line in a child process (the service runs in this one: never block it). */
const fuzz = (args: string[], timeout = 40_000) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators/fuzz/main.ts'), ...args], { cwd: ROOT, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });

describe(`fuzz tool against a service on ${backend.name}`, () => {
  let t: TestService;
  let dir: string;
  let creds: string;

  before(async () => {
    t = await startTestService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    // The test clock stands still unless moved: move it with real time, as the demo's does.
    followRealTime(t);
    dir = mkdtempSync(join(tmpdir(), 'fuzz-test-'));
    creds = join(dir, 'DEMO-CREDENTIALS.txt');
    writeFileSync(creds, `${Object.entries(USERS).map(([role, u]) => `${role.padEnd(10)} ${u.name.padEnd(10)} ORI ${u.ori}  password ${PASSWORD}`).join('\n')}\n`);
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = () => ['--port', String(t.tcp), '--tls-port', String(t.tls), '--ssh-port', String(t.service.ports.ssh), '--credentials', creds];

  test('a few seconds on TCP, TLS and SSH: inputs of every kind, every frame answered, the registry unchanged, 0 failures', async () => {
    const json = join(dir, 'fuzz.json');
    const kinds = 'valid,mutated,random,binary,framing,oversized,split,drip,storm,abrupt-close,half-close';
    const run = await fuzz([...target(), '--duration', '5s', '--seed', '20260615', '--kinds', kinds, '--storm', '12', '--progress', '0', '--json', json]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const r = JSON.parse(readFileSync(json, 'utf8')) as FuzzReport;
    assert.equal(r.failureCount, 0);
    assert.match(run.stdout, /^failures: 0$/m);
    for (const tr of ['tcp', 'tls', 'ssh']) assert.ok((r.inputsByTransport[tr] ?? 0) > 0, `no input on ${tr}: ${JSON.stringify(r.inputsByTransport)}`);
    assert.ok(r.frames > r.inputs, 'inputs carry several frames');
    // The inputs reached every layer: framing, the parser, sign-on and the handlers.
    for (const code of ['FRM', 'CHR', 'FLD', 'MKE']) assert.ok((r.byReject[code] ?? 0) > 0, `no REJ ${code}: ${JSON.stringify(r.byReject)}`);
    assert.ok((r.byStatus.HIT ?? 0) + (r.byStatus.NREC ?? 0) > 0, 'no inquiry was answered');
    const registry = r.checks.find((c) => c.name.startsWith('registry unchanged'));
    assert.equal(registry?.ok, true, JSON.stringify(registry));
    assert.match(registry!.detail, /^\d+ orders compared/);
    assert.ok(!run.stdout.includes(PASSWORD), 'a password appeared in the report');
  });

  test('pointed at a server that leaves one kind of message unanswered, it fails and names the check', async () => {
    // Answers as the service answers a terminal that has not signed on (the codec's REJ for a
    // framing problem or a malformed message, REJ AUT for a good one; key, CTL and sequence numbers
    // right), except a QPO by name: no reply at all.
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder({ mode: 'auto' });
      let seq = 0;
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        for (const e of decoder.push(chunk)) {
          if (e.type === 'message' && /^QPO\..*\.NAM\//i.test(e.text)) continue; // dropped
          let r: Rejection;
          if (e.type === 'too-long') r = tooLongRejection(e.head);
          else if (e.type === 'malformed') r = frameProblemRejection(e);
          else {
            const p = parseMessage(e.text, { today: '20260615' });
            r = p.ok ? { code: 'AUT', text: 'NOT SIGNED ON', mke: p.message.mke, ...(p.message.ctl ? { ctl: p.message.ctl } : {}) } : p.rejection;
          }
          const lines = formatReply({ mke: r.mke ?? '', status: 'REJ', ori: '', seq: ++seq, time: new Date(), ctl: r.ctl, body: rejectBody(r.code, r.text) });
          socket.write(encodeReply(lines, decoder.mode ?? 'framed'));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const json = join(dir, 'fake.json');
      const run = await fuzz(['--port', String(port), '--duration', '3s', '--seed', '3', '--kinds', 'valid,mutated', '--timeout', '2s', '--progress', '0', '--json', json]);
      assert.equal(run.status, 1, run.stdout);
      const r = JSON.parse(readFileSync(json, 'utf8')) as FuzzReport;
      assert.ok((r.failuresByCheck.unanswered ?? 0) > 0, JSON.stringify(r.failuresByCheck));
      assert.match(run.stdout, /FAIL {2}every complete frame answered exactly once/);
      assert.match(run.stdout, /unanswered: \d+ frame\(s\) .* got \d+ reply\(ies\)\n +input \(\d+ bytes\): .*QPO\./);
      // Everything else the fake server does right: no other check failed.
      assert.deepEqual(Object.keys(r.failuresByCheck), ['unanswered']);
    } finally {
      server.close();
    }
  });

  // Found by the fuzzer (a 'binary' input of 48 frames over TLS): a terminal more than 32 messages
  // ahead of its replies stops being read until they are answered (SPEC 10); over TLS it was never
  // read again, because the stream resumed only once nothing at all was queued for writing.
  test('more than 32 frames at once over TLS: all answered, and the connection read again', async () => {
    const link = await StreamLink.open({ host: '127.0.0.1', port: t.tls, tls: true, mode: 'framed', timeoutMs: 5_000 });
    try {
      const out = await link.exchange(Buffer.from('\x02SOF.CA0194200\x03'.repeat(40), 'latin1'), [], 0, 3_000, 'CA0194200');
      assert.equal(out.problem, undefined, JSON.stringify(out.problem));
    } finally {
      link.close();
    }
  });

  // Found by the fuzzer: when a client sent its last messages and then FIN (`printf ... | nc -N`),
  // the service's side was ended at once and the replies still being worked out were dropped.
  test('every message is still answered after the client half-closes (FIN)', async () => {
    const run = await fuzz([...target(), '--duration', '3s', '--seed', '5', '--kinds', 'valid,half-close', '--transports', 'tcp', '--workers', 'tcp:6', '--no-registry-check', '--progress', '0']);
    assert.equal(run.status, 0, run.stdout);
  });

  // Found by the fuzzer: a refused message's raw text went to the audit trail as it was, and a NUL
  // byte in it (`<STX>QPO.CA0194200.NAM/A\x00B<ETX>`, before any sign-on) made PostgreSQL refuse
  // the batch, retried for ever: every later audit entry failed, SSH sign-ons were refused, and a
  // write was made but answered REJ UNA. Runs last: a regression would poison this file's service.
  test('a NUL byte leaves the audit trail, sign-on and writes working', async () => {
    const run = await fuzz([...target(), '--duration', '4s', '--seed', '11', '--kinds', 'valid,mutated,random,binary', '--progress', '0']);
    assert.equal(run.status, 0, run.stdout);
  });
});
