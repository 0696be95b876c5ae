// The TLS certificate: the one configured (CCPOR_TLS_CERT / CCPOR_TLS_KEY), or a self-signed one
// generated on first start and kept in the data directory, so a restart keeps the fingerprint
// that terminals have pinned.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { keptSelfSigned } from './self-signed.ts';

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
  const made = await keptSelfSigned({ certFile, keyFile: join(dir, 'server.key'), commonName: 'ccpor.localhost', years: 2 });
  if (made.createdWithFingerprint) log.info({ certFile, fingerprint: made.createdWithFingerprint }, 'generated a self-signed TLS certificate');
  return { cert: made.cert, key: made.key };
}
