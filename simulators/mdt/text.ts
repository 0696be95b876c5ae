// Small pure helpers shared by the MDT simulator's modes: byte escapes, password redaction,
// durations and rates on the command line, and registry order numbers for probing.
import { pnoFromSequence } from '../../protocol/index.ts';

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * A message text with escapes to the bytes that go on the wire. Characters are UTF-8 (what a
 * terminal types: `Ü` is C3 9C); `\xHH` is that one byte and `\\` a backslash. With `raw`, also
 * `\r`, `\n`, `\t`, `<STX>` and `<ETX>`. Any other backslash is kept as it is.
 */
export function textBytes(text: string, raw = false): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  const flush = () => {
    if (plain) parts.push(Buffer.from(plain, 'utf8'));
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const n = text[i + 1];
      if (n === '\\') {
        plain += '\\';
        i++;
        continue;
      }
      if (n === 'x' && HEX.test(text.slice(i + 2, i + 4))) {
        flush();
        parts.push(Buffer.from([parseInt(text.slice(i + 2, i + 4), 16)]));
        i += 3;
        continue;
      }
      if (raw && (n === 'r' || n === 'n' || n === 't')) {
        plain += n === 'r' ? '\r' : n === 'n' ? '\n' : '\t';
        i++;
        continue;
      }
    }
    if (raw && c === '<') {
      const tag = text.slice(i, i + 5).toUpperCase();
      if (tag === '<STX>' || tag === '<ETX>') {
        flush();
        parts.push(Buffer.from([tag === '<STX>' ? 0x02 : 0x03]));
        i += 4;
        continue;
      }
    }
    plain += c;
  }
  flush();
  return Buffer.concat(parts);
}

/** Bytes for display: printable ASCII as is, the rest as `<STX>`, `<ETX>`, `\r`, `\n` or `\xHH`. */
export function showBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x02) s += '<STX>';
    else if (b === 0x03) s += '<ETX>';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b >= 0x20 && b <= 0x7e) s += b === 0x5c ? '\\\\' : String.fromCharCode(b);
    else s += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}

/** PWD and OTP values replaced by `***`: whatever is shown or written never carries them. */
export const redact = (text: string) => text.replace(/((?:^|\.)\s*(?:PWD|OTP)\/)[^.]*/gi, '$1***');

/** Shortened for a one-line report: at most `max` characters, `...` when cut. */
export const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 3)}...`);

/** `500ms`, `10s`, `2m`, `1h` or a plain number of seconds → milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`not a duration: ${s} (use e.g. 500ms, 30s, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

/** `200/s`, `200`, `12000/m` → messages per second. */
export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(s.trim());
  if (!m || Number(m[1]) <= 0) throw new UsageError(`not a rate: ${s} (use e.g. 200/s)`);
  return m[2] === 'm' ? Number(m[1]) / 60 : Number(m[1]);
}

/** A command-line mistake: reported in one line with exit status 2. */
export class UsageError extends Error {}

/** The registry order number of sequence number `n` (SPEC 5: `PO` + 9 digits + Luhn digit). */
export function pnoOf(n: number): string {
  if (n < 0) throw new RangeError(`PNO sequence out of range: ${n}`);
  return pnoFromSequence(Math.trunc(n));
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `n` random capital letters (names and case numbers that are unique per run). */
export function randomLetters(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[Math.floor(Math.random() * 26)];
  return s;
}

/** `n` random digits. */
export function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(Math.random() * 10));
  return s;
}

/** A number written in letters only (A, B, ... Z, BA, BB ...): a counter inside a NAM. */
export function letterCounter(n: number): string {
  let s = '';
  let x = Math.max(0, Math.trunc(n));
  do {
    s = LETTERS[x % 26] + s;
    x = Math.floor(x / 26);
  } while (x > 0);
  return s;
}
