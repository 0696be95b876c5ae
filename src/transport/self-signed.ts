// A self-signed certificate for localhost and 127.0.0.1 (EC P-256), made once and kept in two
// files so that a restart keeps the fingerprint clients have pinned or trusted. Used by the
// service's TLS listener and by the CARPOS simulator's HTTPS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import selfsigned from 'selfsigned';

export interface KeptCertificate {
  cert: string;
  key: string;
  /** Set when this call made the pair (SHA-1 fingerprint, for the log). */
  createdWithFingerprint?: string;
}

export async function keptSelfSigned(o: { certFile: string; keyFile: string; commonName: string; years: number }): Promise<KeptCertificate> {
  if (existsSync(o.certFile) && existsSync(o.keyFile)) {
    return { cert: readFileSync(o.certFile, 'utf8'), key: readFileSync(o.keyFile, 'utf8') };
  }
  mkdirSync(dirname(o.certFile), { recursive: true });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + o.years);
  const pems = await selfsigned.generate([{ name: 'commonName', value: o.commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(o.keyFile, pems.private, { mode: 0o600 });
  writeFileSync(o.certFile, pems.cert);
  return { cert: pems.cert, key: pems.private, createdWithFingerprint: pems.fingerprint };
}
