// What crosses the wire (ICD 1, 2): TLS 1.2+, line mode for people with nc, bad frames refused
// with the connection still usable, the rate limit, the connection limit, and a registry that
// goes away answering REJ UNA — never a hang or a crash.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';
import { POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { TestTerminal } from '../support/terminal.ts';

const backend = backends()[0]!;

describe('transports', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService(backend);
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  test('TLS: a terminal signs on and inquires over TLS 1.2 or later', async () => {
    const term = await TestTerminal.connect(t.tls, { tls: true });
    try {
      assert.ok(['TLSv1.2', 'TLSv1.3'].includes((term.socket as tls.TLSSocket).getProtocol() ?? ''));
      assert.equal((await term.send(son('OFFICER'))).status, 'ACK');
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
    } finally {
      term.close();
    }
  });

  test('TLS 1.1 and older are refused', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tls.connect({ port: t.tls, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => resolve(s));
        s.on('error', reject);
      }),
    );
  });

  test('line mode over a raw socket, as with nc: one line in, the reply and an empty line out', async () => {
    const s = net.connect(t.tcp, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.write(`${son('OFFICER')}\nqpo.${POLICE}.nam/smith, john.dob/19800101.ctl/nc1\r\n`);
    const deadline = Date.now() + 5_000;
    while ((got.match(/\r\n\r\n/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    const replies = got.split('\r\n\r\n').filter(Boolean);
    assert.equal(replies.length, 2);
    assert.match(replies[0]!, /^SON  ACK  CA0194200 000001 \d{14}\r\nSIGNED ON OFFICER1/);
    assert.match(replies[1]!, /^QPO  NREC CA0194200 000002 \d{14} NC1\r\n/);
    assert.ok(!got.includes('\x02'), 'no STX/ETX in line mode');
  });

  test('a frame over 4,096 bytes: REJ LEN, and the connection goes on', async () => {
    const term = await TestTerminal.connect(t.tcp);
    try {
      await term.send(son('OFFICER'));
      term.writeRaw(`\x02QPO.${POLICE}.CTL/BIG.MIS/${'X'.repeat(5000)}\x03`);
      const r = await term.next();
      assert.equal(r.body[0]!.slice(0, 7), 'REJ/LEN');
      assert.equal(r.mke, 'QPO');
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
    } finally {
      term.close();
    }
  });

  test('a byte outside printable ASCII: REJ CHR; bytes outside a frame: REJ FRM; both leave the connection usable', async () => {
    const term = await TestTerminal.connect(t.tcp);
    try {
      await term.send(son('OFFICER'));
      term.writeRaw(Buffer.concat([Buffer.from(`\x02QPO.${POLICE}.NAM/SM`, 'latin1'), Buffer.from([0xc3, 0xa9]), Buffer.from('.DOB/19800101\x03', 'latin1')]));
      assert.equal((await term.next()).body[0]!.slice(0, 7), 'REJ/CHR');
      term.writeRaw('garbage between frames');
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).body[0]!.slice(0, 7), 'REJ/FRM');
      assert.equal((await term.next()).status, 'NREC');
    } finally {
      term.close();
    }
  });

  test('frames split anywhere and joined in one write are each answered once, in order', async () => {
    const term = await TestTerminal.connect(t.tcp);
    try {
      const wire = Buffer.from(`\x02${son('OFFICER')}.CTL/A\x03\x02QPO.${POLICE}.PNO/PO0000000018.CTL/B\x03\r\n\x02SOF.${POLICE}.CTL/C\x03`, 'latin1');
      for (const byte of wire) term.writeRaw(Buffer.from([byte]));
      const replies = [await term.next(), await term.next(), await term.next()];
      assert.deepEqual(replies.map((r) => [r.ctl, r.status]), [['A', 'ACK'], ['B', 'NREC'], ['C', 'ACK']]);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(term.unread, 0, 'exactly one reply each');
    } finally {
      term.close();
    }
  });
});

describe('limits', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService(backend, { env: { CCPOR_RATE_BURST: '5', CCPOR_RATE_PER_SECOND: '1', CCPOR_MAX_CONNECTIONS: '3' } });
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  test('a terminal over its rate gets REJ RAT until its tokens come back', async () => {
    const term = await TestTerminal.connect(t.tcp);
    try {
      await term.send(son('OFFICER'));
      const statuses: string[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await term.send(`QPO.${POLICE}.PNO/PO0000000018.CTL/R${i}`)).body[0]!.slice(0, 7));
      assert.deepEqual(statuses.slice(0, 4), ['PNO/PO0', 'PNO/PO0', 'PNO/PO0', 'PNO/PO0']);
      assert.deepEqual(statuses.slice(4), ['REJ/RAT', 'REJ/RAT']);
      t.clock.advance(3_000);
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
    } finally {
      term.close();
    }
  });

  test('past the connection limit new connections are refused; the others carry on', async () => {
    const held = [await TestTerminal.connect(t.tcp), await TestTerminal.connect(t.tcp), await TestTerminal.connect(t.tcp)];
    await held[2]!.send(son('OFFICER'));
    const extra = await TestTerminal.connect(t.tcp);
    await extra.closedPromise;
    assert.ok(extra.closed);
    assert.equal((await held[2]!.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
    for (const h of held) h.close();
  });
});

describe('registry unavailable', { skip: !process.env.DATABASE_URL && 'needs a real PostgreSQL (DATABASE_URL)' }, () => {
  const pg = backends().find((b) => b.name === 'postgres')!;
  let t: TestService;
  let proxy: TcpProxy;
  before(async () => {
    const direct = new URL(await pg.freshDatabaseUrl!());
    proxy = new TcpProxy(await freePort(), { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.up();
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    t = await startTestService(pg, { env: { DATABASE_URL: viaProxy.toString(), CCPOR_DB_STATEMENT_TIMEOUT_MS: '1000' } });
  });
  after(async () => {
    await proxy.up(); // the service closes its pool through it
    await t.stop();
    await proxy.down();
    await pg.cleanup();
  });

  test('REJ UNA while PostgreSQL is unreachable, answers again when it is back', async () => {
    const term = await TestTerminal.connect(t.tcp);
    try {
      await term.send(son('OFFICER'));
      assert.equal((await term.send(`QPO.${POLICE}.NAM/DOWN, DAN.DOB/19800101`)).status, 'NREC');
      await proxy.down();
      const started = Date.now();
      const r = await term.send(`QPO.${POLICE}.NAM/DOWN, DAN.DOB/19800102`);
      assert.equal(r.body[0]!.slice(0, 7), 'REJ/UNA');
      assert.ok(Date.now() - started < 8_000, 'no hang');
      await proxy.up();
      let status = '';
      for (let i = 0; i < 50 && status !== 'NREC'; i++) {
        status = (await term.send(`QPO.${POLICE}.NAM/DOWN, DAN.DOB/19800103`)).status;
        if (status !== 'NREC') await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(status, 'NREC');
    } finally {
      term.close();
    }
  });
});
