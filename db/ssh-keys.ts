// Users' SSH public keys (ICD 1: the console and `exec clets` over SSH). Stored as authorized_keys
// stores them — algorithm and base64 blob — with the SHA256 fingerprint `ssh-keygen -l` prints.
import { createHash } from 'node:crypto';
import { AccountError } from './accounts.ts';
import type { Database } from './database.ts';

// Only the algorithms the SSH server accepts for user keys (docs/DECISIONS.md).
const KEY_ALGORITHMS = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

export interface PublicKeyLine {
  algorithm: string;
  blob: Buffer;
  comment: string;
}

/** One line of an authorized_keys / `.pub` file: `ssh-ed25519 AAAA... comment`. */
export function parsePublicKeyLine(text: string): PublicKeyLine {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  const m = line && /^(\S+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(line);
  if (!m) throw new AccountError('not an OpenSSH public key line (expected e.g. "ssh-ed25519 AAAA... comment")');
  const [, algorithm, b64, comment = ''] = m;
  if (!KEY_ALGORITHMS.has(algorithm!)) throw new AccountError(`key type ${algorithm} is not accepted (use ed25519 or ECDSA)`);
  const blob = Buffer.from(b64!, 'base64');
  // A pasted key that was cut or altered shows here: the blob is its algorithm name and the key's
  // parts as length-prefixed strings (RFC 4253 6.6), exactly filling it.
  const parts = sshStrings(blob);
  const sizes: Record<string, (p: Buffer[]) => boolean> = {
    'ssh-ed25519': (p) => p.length === 2 && p[1]!.length === 32,
    'ecdsa-sha2-nistp256': (p) => p.length === 3 && p[2]!.length === 65,
    'ecdsa-sha2-nistp384': (p) => p.length === 3 && p[2]!.length === 97,
    'ecdsa-sha2-nistp521': (p) => p.length === 3 && p[2]!.length === 133,
  };
  if (!parts || parts[0]!.toString('latin1') !== algorithm || !sizes[algorithm!]!(parts)) {
    throw new AccountError('the key data does not match its type (damaged or truncated key)');
  }
  return { algorithm: algorithm!, blob, comment: comment.trim() };
}

function sshStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out.length ? out : undefined;
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export async function addSshKey(db: Database, userName: string, keyText: string): Promise<{ fingerprint: string; algorithm: string }> {
  const key = parsePublicKeyLine(keyText);
  const fp = fingerprint(key.blob);
  const r = await db.query(
    `INSERT INTO user_ssh_keys (user_id, algorithm, public_key, fingerprint, comment)
     SELECT id, $2, $3, $4, $5 FROM users WHERE name = $1
     ON CONFLICT (user_id, fingerprint) DO NOTHING`,
    [userName.toUpperCase(), key.algorithm, key.blob.toString('base64'), fp, key.comment || null],
  );
  if (r.rowCount === 0) {
    const exists = await db.query(`SELECT 1 FROM users WHERE name = $1`, [userName.toUpperCase()]);
    throw new AccountError(exists.rows.length ? `that key (${fp}) is already registered for ${userName.toUpperCase()}` : `no user ${userName.toUpperCase()}`);
  }
  return { fingerprint: fp, algorithm: key.algorithm };
}

/** Whether `blob` (the key an SSH client offers) is one of the user's registered keys. */
export async function hasSshKey(db: Database, userName: string, algorithm: string, blob: Buffer): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM user_ssh_keys k JOIN users u ON u.id = k.user_id
      WHERE u.name = $1 AND k.fingerprint = $2 AND k.algorithm = $3`,
    [userName.toUpperCase(), fingerprint(blob), algorithm],
  );
  return rows.length > 0;
}
