// The TLS certificate: the one configured (CCPOR_TLS_CERT / CCPOR_TLS_KEY), or a self-signed one
// generated on first start and kept in the data directory, so a restart keeps the fingerprint
// that terminals have pinned.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import type { Logger } from '../log.ts';

export interface TlsCredentials {
  cert: string;
  key: string;
}

export async function loadTlsCredentials(
  opts: { certFile?: string; keyFile?: string; dataDir: string },
  log: Logger,
): Promise<TlsCredentials> {
  if (opts.certFile && opts.keyFile) {
    return { cert: readFileSync(opts.certFile, 'utf8'), key: readFileSync(opts.keyFile, 'utf8') };
  }
  const dir = join(opts.dataDir, 'tls');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  }
  mkdirSync(dir, { recursive: true });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'ccpor.localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  log.info({ certFile, fingerprint: pems.fingerprint }, 'generated a self-signed TLS certificate');
  return { cert: pems.cert, key: pems.private };
}
