// Passwords are kept only as scrypt hashes (a memory-hard key-derivation function), salted,
// with their parameters in the stored string so they can be raised later.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const scrypt = (pw: string, salt: Buffer, len: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, o, (e, k) => (e ? reject(e) : resolve(k))));

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const maxmem = (n: number, r: number) => 256 * n * r; // twice what scrypt needs

/** `n` lowers the work factor for benchmark users only (thousands of sign-ons); never for people. */
export async function hashPassword(password: string, n = N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N: n, r: R, p: P, maxmem: maxmem(n, R) });
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: maxmem(Number(n), Number(r)),
  });
  return timingSafeEqual(actual, expected);
}

/** A hash no password matches: compared against for unknown users so timing reveals nothing. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean),
  );
  return common;
}

// How guessable a password is: zxcvbn (Dropbox's estimator, the maintained TypeScript port) with
// its list of some 30,000 passwords from public breaches and its rules for what people do to them
// (P@ssw0rd, Summer2025!, qwerty123). Loaded on first use: only `user add` and the demo need it.
interface Strength { score: 0 | 1 | 2 | 3 | 4 }
let estimator: { check(password: string, userInputs?: string[]): Strength } | undefined;
function guessability(password: string, userName: string): Strength {
  if (!estimator) {
    const require = createRequire(import.meta.url);
    const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    estimator = new ZxcvbnFactory({ dictionary: { ...common.dictionary, ccpor: ['ccpor', 'clets', 'carpos', 'ncic', 'cjis', 'restraining', 'protective'] }, graphs: common.adjacencyGraphs });
  }
  return estimator.check(password, [userName]);
}

/** Below this zxcvbn score (0–4) a password is refused: 3 is "safely unguessable" for an online attack. */
const MIN_SCORE = 3;

/**
 * CJIS IA-5 and NIST SP 800-63B 5.1.1.2: at least 8 characters, not the user name, not a commonly
 * used, expected or compromised password (our list, then zxcvbn's).
 */
export function passwordProblem(password: string, userName: string): string | undefined {
  if (password.length < 8) return 'password must have at least 8 characters';
  if (password.length > 128) return 'password must have at most 128 characters';
  // '.' separates the fields of a message and no control character can be typed in one: such a
  // password could never be sent in SON.
  if (/[^\x20-\x7e]|\./.test(password)) return 'password may not contain a dot or a non-printable character';
  const lower = password.toLowerCase();
  if (lower.includes(userName.toLowerCase())) return 'password must not contain the user name';
  if (commonPasswords().has(lower)) return 'password is on the list of commonly used passwords';
  if (guessability(password, userName).score < MIN_SCORE) return 'password is too easy to guess (a common password, word or pattern); try three or four unrelated words';
  return undefined;
}
