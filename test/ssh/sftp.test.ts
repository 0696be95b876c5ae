// Order images over SFTP with a real OpenSSH `sftp` client (ICD 7, issue 5): a clerk of the
// issuing court uploads, any signed-on user lists and downloads the same bytes, hits count the
// pages; anyone else's upload, a file that is not an image, and one over 20 MB are refused.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addSshKey } from '../../db/ssh-keys.ts';
import { imageType } from '../../src/ssh/sftp.ts';
import { backends } from '../support/backends.ts';
import { CLERK, entry, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const hasSftp = spawnSync('sftp', ['-h']).status !== null && spawnSync('ssh', ['-V']).status === 0;
const backend = backends().at(-1)!;

// A minimal valid PDF and PNG header are enough: the type is judged by content.
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), Buffer.alloc(70_000, 0x20), Buffer.from('\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1000, 7)]);

describe(`order images over SFTP on ${backend.name}`, { skip: !hasSftp && 'no OpenSSH sftp client (.ci/run installs openssh-client)' }, () => {
  let t: TestService;
  let dir: string;
  const keys: Record<string, string> = {};
  let pno: string;

  const sftp = (user: string, commands: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const batch = join(dir, `batch-${Math.random().toString(36).slice(2)}`);
      writeFileSync(batch, commands.join('\n') + '\n');
      execFile('sftp', [
        '-b', batch, '-P', String(t.service.ports.ssh), '-i', keys[user]!, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`,
      ], { env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 60_000, maxBuffer: 1 << 20 }, (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }));
    });

  before(async () => {
    t = await startTestService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    dir = mkdtempSync(join(tmpdir(), 'ccpor-sftp-'));
    for (const user of ['clerk1', 'officer1', 'clerk2']) {
      keys[user] = join(dir, `id_${user}`);
      assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keys[user]!]).status, 0);
    }
    const db = t.service.registry.db;
    await db.query(`INSERT INTO users (name, role, ori, password_hash) SELECT 'CLERK2', 'CLERK', $1, password_hash FROM users WHERE name = 'CLERK1'`, [OTHER_COURT]);
    for (const user of ['clerk1', 'officer1', 'clerk2']) await addSshKey(db, user, readFileSync(`${keys[user]}.pub`, 'utf8'));
    pno = (await t.service.registry.enterOrder(entry({ restrained: { name: 'IMAGED, IAN', dob: '19770707' } }), CLERK)).pno;
    writeFileSync(join(dir, 'order.pdf'), PDF);
    writeFileSync(join(dir, 'page2.png'), PNG);
    writeFileSync(join(dir, 'notes.txt'), 'THIS IS NOT A SCAN\n');
    writeFileSync(join(dir, 'disguised.pdf'), 'NOT A PDF EITHER\n');
    writeFileSync(join(dir, 'huge.pdf'), Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(20 * 1024 * 1024 + 1, 0x20)]));
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a clerk of the issuing court uploads; pages are numbered; an officer lists and downloads the same bytes', async () => {
    const up = await sftp('clerk1', [`put ${join(dir, 'order.pdf')} /orders/${pno}/`, `put ${join(dir, 'page2.png')} /orders/${pno}/scan-of-page-2.png`]);
    assert.equal(up.code, 0, up.err);
    const ls = await sftp('officer1', [`ls -l /orders/${pno}`]);
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /page-001\.pdf/);
    assert.match(ls.out, /page-002\.png/);
    assert.match(ls.out, /CLERK1/);
    const out = join(dir, 'downloaded.pdf');
    const get = await sftp('officer1', [`get /orders/${pno}/page-001.pdf ${out}`]);
    assert.equal(get.code, 0, get.err);
    assert.ok(readFileSync(out).equals(PDF), 'the downloaded page is the uploaded one, byte for byte');
    const images = await t.service.registry.orderImages(pno);
    assert.deepEqual(images!.map((i) => [i.page, i.contentType, i.size, i.sha256]), [
      [1, 'application/pdf', PDF.length, createHash('sha256').update(PDF).digest('hex')],
      [2, 'image/png', PNG.length, createHash('sha256').update(PNG).digest('hex')],
    ]);
    // Every hit counts the pages, cached answers included.
    const term = await TestTerminal.connect(t.tcp);
    try {
      assert.equal((await term.send(son('OFFICER'))).status, 'ACK');
      const hit = await term.send(`QPO.${POLICE}.PNO/${pno}`);
      assert.match(hit.body.join('\n'), /IMG\/2\b/);
    } finally {
      term.close();
    }
    await t.service.audit.flush();
    const { rows } = await t.service.registry.db.query<{ user_name: string; outcome: string; op: string }>(
      `SELECT user_name, outcome, fields->>'OP' AS op FROM audit_log WHERE mke = 'IMG' AND fields->>'PNO' = $1 ORDER BY id`, [pno]);
    assert.deepEqual(rows.map((r) => `${r.user_name} ${r.op} ${r.outcome}`), ['CLERK1 UPLOAD ACK', 'CLERK1 UPLOAD ACK', 'OFFICER1 DOWNLOAD ACK']);
  });

  test('an officer or another court’s clerk may not upload; nothing is stored', async () => {
    for (const user of ['officer1', 'clerk2']) {
      const r = await sftp(user, [`put ${join(dir, 'order.pdf')} /orders/${pno}/`]);
      assert.notEqual(r.code, 0, `${user} uploaded`);
      assert.match(r.err, /denied|ONLY A CLERK/i);
    }
    assert.equal((await t.service.registry.orderImages(pno))!.length, 2);
  });

  test('a file that is not a PDF, TIFF, PNG or JPEG — whatever its name — or one over 20 MB is refused', async () => {
    for (const f of ['notes.txt', 'disguised.pdf', 'huge.pdf']) {
      const r = await sftp('clerk1', [`put ${join(dir, f)} /orders/${pno}/`]);
      assert.notEqual(r.code, 0, `${f} was accepted`);
    }
    assert.equal((await t.service.registry.orderImages(pno))!.length, 2);
    const none = await sftp('clerk1', [`put ${join(dir, 'order.pdf')} /orders/PO9999999999/`]);
    assert.notEqual(none.code, 0, 'an upload to an order that does not exist');
  });

  test('content decides the type', () => {
    assert.equal(imageType(PDF), 'application/pdf');
    assert.equal(imageType(PNG), 'image/png');
    assert.equal(imageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])), 'image/jpeg');
    assert.equal(imageType(Buffer.from('II*\0\x08\0\0\0', 'latin1')), 'image/tiff');
    assert.equal(imageType(Buffer.from('MM\0*\0\0\0\x08', 'latin1')), 'image/tiff');
    assert.equal(imageType(Buffer.from('GIF89a')), undefined);
  });
});
