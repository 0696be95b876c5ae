// Time-based one-time codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second factor
// of CJIS IA-2 for users who have a secret. One step of clock drift is accepted either way.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(s: string): Buffer {
  const clean = s.toUpperCase().replace(/=+$/, '').replace(/\s/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export const newTotpSecret = () => base32Encode(randomBytes(20));

export function totpAt(secret: string, time: Date, digits = 6, stepSeconds = 30): string {
  const counter = Math.floor(time.getTime() / 1000 / stepSeconds);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(code).padStart(digits, '0');
}

export function verifyTotp(secret: string, code: string, now: Date): boolean {
  return totpStep(secret, code, now) !== null;
}

/** The 30-second time step whose code `code` is (one step either side of now), or null. */
export function totpStep(secret: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  let step: number | null = null;
  for (const drift of [-1, 0, 1]) {
    const at = new Date(now.getTime() + drift * 30_000);
    const expected = totpAt(secret, at);
    // Check every window, whatever matched, so timing says nothing.
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code))) step = Math.floor(at.getTime() / 30_000);
  }
  return step;
}
