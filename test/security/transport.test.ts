// Protection in transit (CJIS SC-8, SC-13; ICD 1): TLS 1.2 or later only, and SSH algorithm lists
// with nothing weak in them, read off the wire as a client sees them and tried with clients that
// offer nothing else. A refusal counts only when a client able to do the weak thing is shown doing
// it elsewhere: Node's own TLS client will not even offer TLS 1.1 unless told to. And (SC-5,
// SC-10) a connection that leaves before its TLS handshake must not hold anything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/log.ts';
import { listenTerminals } from '../../src/transport/tcp.ts';
import { backends } from '../support/backends.ts';
import { freePort } from '../support/redis-server.ts';
import { startSecurityService } from '../support/security-service.ts';
import { son, type TestService } from '../support/service.ts';
import { handshake, serverOffer } from '../support/ssh-client.ts';

const backend = backends().at(-1)!;

type Tried = { ok: true; protocol: string; cipher: string; reply: string } | { ok: false; error: string };

/**
 * A TLS client with these options; when it gets through, it sends `send` and reads the reply. A
 * message always goes (by default one answered REJ AUT): a client that leaves without a word can
 * keep a service socket open (see the SC-5 test below), and the service's stop() would wait on it.
 */
function tryTls(port: number, o: tls.ConnectionOptions, send = 'SOF.CA0194200'): Promise<Tried> {
  return new Promise((resolve) => {
    let s: tls.TLSSocket;
    try {
      s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...o }, () => {
        const got = { ok: true as const, protocol: s.getProtocol() ?? '', cipher: s.getCipher().name, reply: '' };
        s.on('data', (d: Buffer) => {
          got.reply += d.toString('latin1');
          if (got.reply.includes('\x03')) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('close', () => resolve(got)); // the control server answers and hangs up
        s.write(`\x02${send}\x03`);
      });
    } catch (err) {
      return resolve({ ok: false, error: `client: ${(err as Error).message}` });
    }
    s.on('error', (err) => resolve({ ok: false, error: err.message }));
    s.setTimeout(10_000, () => (s.destroy(), resolve({ ok: false, error: 'timeout' })));
  });
}

describe(`transport security on ${backend.name}`, () => {
  let t: TestService;
  let lax: tls.Server; // the service's certificate on a server that accepts everything: the control
  let laxPort: number;
  const laxSockets = new Set<net.Socket>();
  before(async () => {
    t = await startSecurityService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    const dir = join(t.config.dataDir, 'tls');
    lax = tls.createServer(
      { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')), minVersion: 'TLSv1', ciphers: 'ALL:eNULL:@SECLEVEL=0' },
      (c) => c.end('\x02CONTROL\x03'),
    );
    lax.on('tlsClientError', () => {});
    lax.on('connection', (c: net.Socket) => laxSockets.add(c.on('close', () => laxSockets.delete(c))));
    await new Promise<void>((r) => lax.listen(0, '127.0.0.1', r));
    laxPort = (lax.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const c of laxSockets) c.destroy();
    await new Promise((r) => lax.close(r));
    await t.stop();
    await backend.cleanup();
  });

  test('SC-8: TLS 1.2 and 1.3 are accepted; TLS 1.0 and 1.1 clients are refused', async () => {
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
      const r = await tryTls(t.tls, { minVersion: v, maxVersion: v }, son('OFFICER'));
      assert.ok(r.ok, `${v} refused: ${!r.ok && r.error}`);
      assert.equal(r.protocol, v);
      assert.match(r.reply, /^\x02SON  ACK  CA0194200 /, `${v}: no sign-on`);
    }
    for (const v of ['TLSv1', 'TLSv1.1'] as const) {
      // SECLEVEL=0: the client really offers the old protocol (it does with the control server).
      const client = { minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' };
      const control = await tryTls(laxPort, client);
      assert.ok(control.ok && control.protocol === v, `the ${v} client cannot speak ${v}: ${JSON.stringify(control)}`);
      const r = await tryTls(t.tls, client, son('OFFICER'));
      assert.equal(r.ok, false, `${v} accepted`);
      assert.match(!r.ok ? r.error : '', /protocol version|unsupported protocol/i, `${v}`);
    }
  });

  // NIST SP 800-52r2 suites for TLS 1.2 are AES (GCM, CCM, CBC); ChaCha20 and ARIA are not FIPS-approved.
  test('SC-13: TLS uses AES of at least 128 bits: a client offering only ChaCha20, ARIA or NULL suites is refused', async () => {
    const defaults = await tryTls(t.tls, {});
    assert.ok(defaults.ok && /^TLS_AES_(128|256)_GCM_SHA(256|384)$/.test(defaults.cipher), JSON.stringify(defaults));
    const defaults12 = await tryTls(t.tls, { maxVersion: 'TLSv1.2' });
    assert.ok(defaults12.ok && /^ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)$/.test(defaults12.cipher), JSON.stringify(defaults12));
    const accepted: string[] = [];
    for (const suite of ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-ARIA128-GCM-SHA256', 'ECDHE-ECDSA-ARIA256-GCM-SHA384', 'ECDHE-ECDSA-NULL-SHA']) {
      const client = { maxVersion: 'TLSv1.2' as const, ciphers: `${suite}:@SECLEVEL=0` };
      assert.ok((await tryTls(laxPort, client)).ok, `the client cannot offer ${suite}`);
      if ((await tryTls(t.tls, client)).ok) accepted.push(suite);
    }
    const chacha13 = await tryTls(t.tls, { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    if (chacha13.ok && chacha13.cipher === 'TLS_CHACHA20_POLY1305_SHA256') accepted.push(chacha13.cipher);
    assert.deepEqual(accepted, []);
  });

  // On a listener of its own (the service's code, the service's sessions): a leaked socket would
  // otherwise keep the service's stop() waiting for ever.
  test('SC-5, SC-10: a connection to the TLS port that leaves before its handshake is released at once', async () => {
    const dir = join(t.config.dataDir, 'tls');
    const server = await listenTerminals(t.service.sessions, { host: '127.0.0.1', port: 0, tls: { cert: readFileSync(join(dir, 'server.crt'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') } }, silentLogger);
    const port = (server.address() as net.AddressInfo).port;
    const raw = new Set<net.Socket>(); // to release what the listener keeps, whatever the outcome
    server.on('connection', (c: net.Socket) => raw.add(c));
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((r) => { const c = net.connect(port, '127.0.0.1', () => (c.end(), r())); c.on('error', () => r()); }); // connect, say nothing, leave
        await new Promise<void>((r) => { const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => (c.destroy(), r())); c.on('error', () => r()); });
      }
      await sleep(1_000);
      const open = await new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
      assert.equal(open, 0, `${open} connections still held by the server`);
    } finally {
      for (const c of raw) c.destroy();
      server.close();
    }
  });

  // What CJIS SC-13 and NIST SP 800-131A/800-52 leave: ECDH/curve25519 with SHA-2, AES-GCM/CTR,
  // HMAC-SHA-2, ed25519/ECDSA host keys; plus OpenSSH's strict key exchange marker (Terrapin).
  const APPROVED = {
    kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
      'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512', 'kex-strict-s-v00@openssh.com', 'ext-info-s'],
    hostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-256', 'rsa-sha2-512'],
    cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
    mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  };
  const WEAK = /sha1|md5|cbc|3des|arcfour|rc4|blowfish|cast128|des|group1-|group-exchange|^ssh-rsa$|^ssh-dss$|ripemd|umac-64|^none$|zlib/i;

  test('SC-8, SC-13: the SSH server offers only strong key exchange, AES, HMAC-SHA-2, ed25519/ECDSA host keys, strict key exchange and no compression', async () => {
    const offer = await serverOffer(t.service.ports.ssh!);
    const lists = {
      kex: offer.kex, hostKey: offer.hostKey,
      cipher: [...offer.cipherClientToServer, ...offer.cipherServerToClient],
      mac: [...offer.macClientToServer, ...offer.macServerToClient],
    };
    for (const [what, names] of Object.entries(lists)) {
      assert.ok(names.length > 0, `${what}: nothing offered`);
      for (const name of names) {
        assert.ok(APPROVED[what as keyof typeof APPROVED].includes(name), `${what} ${name} is offered and not approved`);
        if (what !== 'kex' || name !== 'kex-strict-s-v00@openssh.com') assert.doesNotMatch(name, WEAK, `${what} ${name}`);
      }
    }
    assert.ok(offer.kex.includes('kex-strict-s-v00@openssh.com'), 'no strict key exchange (CVE-2023-48795, Terrapin)');
    assert.deepEqual([offer.compressionClientToServer, offer.compressionServerToClient], [['none'], ['none']]);
  });

  test('SC-8, SC-13: an SSH client that offers only weak algorithms gets no session', async () => {
    const port = t.service.ports.ssh!;
    const weakOnly: [string, Parameters<typeof handshake>[1], RegExp][] = [
      ['SHA-1 key exchange', { kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1', 'diffie-hellman-group-exchange-sha1'] }, /no matching key exchange/],
      ['CBC ciphers', { cipher: ['aes128-cbc', 'aes256-cbc', '3des-cbc'] }, /no matching C->S cipher/],
      ['SHA-1 and MD5 MACs with a cipher that needs one', { cipher: ['aes128-ctr'], hmac: ['hmac-sha1', 'hmac-md5'] }, /no matching C->S MAC/],
      ['RSA/SHA-1 and DSA host keys', { serverHostKey: ['ssh-rsa', 'ssh-dss'] }, /no matching host key/],
      ['compression only', { compress: ['zlib@openssh.com', 'zlib'] }, /no matching C->S compression/],
    ];
    for (const [what, algorithms, why] of weakOnly) {
      const r = await handshake(port, algorithms);
      assert.equal(r.ok, false, `${what}: accepted (${JSON.stringify(r)})`);
      assert.match(!r.ok ? r.error : '', why, what);
    }
    // The same client with its defaults gets through, with approved algorithms only.
    const normal = await handshake(port, undefined);
    assert.ok(normal.ok, JSON.stringify(normal));
    assert.ok(APPROVED.kex.includes(normal.negotiated.kex) && APPROVED.cipher.includes(normal.negotiated.cipher), JSON.stringify(normal));
    // Only SHA-1 MACs but AES-GCM allowed: GCM authenticates by itself and no MAC is used.
    const gcm = await handshake(port, { hmac: ['hmac-sha1'] });
    assert.ok(gcm.ok && /gcm/.test(gcm.negotiated.cipher), JSON.stringify(gcm));
  });
});
