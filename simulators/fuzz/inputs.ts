// What the fuzzer sends: valid messages built with the codec (formatMessage), the same messages
// mutated (bytes flipped, fields dropped, doubled, swapped, emptied, overlong ...), random bytes,
// binary frames, framing oddities, oversized frames and lines, and the same split into pieces or
// dripped byte by byte. Every input is a Case: bytes, where to cut them into separate writes, and
// how long to wait between the writes. All randomness comes from a seeded Rng.
import { formatMessage, type FrameMode, type InboundMessage } from '../../protocol/index.ts';
import { pnoOf } from '../mdt/text.ts';
import type { Rng } from './rng.ts';

export const INPUT_KINDS = ['valid', 'mutated', 'random', 'binary', 'framing', 'oversized', 'split', 'drip'] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** Inputs that are not one Case on one connection: many connections at once; FIN after the input; a close mid-frame. */
export const CONNECTION_KINDS = ['storm', 'half-close', 'abrupt-close'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];
export type Kind = InputKind | ConnectionKind;
export const ALL_KINDS: readonly Kind[] = [...INPUT_KINDS, ...CONNECTION_KINDS];

/** How often each kind is chosen (inputs on one connection). */
export const KIND_WEIGHTS: Record<InputKind, number> = {
  valid: 10,
  mutated: 40,
  random: 12,
  binary: 8,
  framing: 12,
  oversized: 5,
  split: 10,
  drip: 3,
};

export interface Case {
  kind: InputKind;
  bytes: Buffer;
  /** Offsets (ascending) where the bytes are cut into separate writes. */
  cuts: number[];
  /** Pause between writes; 0: the next event-loop turn. */
  delayMs: number;
}

/** What the templates may refer to: the sender, known orders and people, the service's date. */
export interface TemplateContext {
  /** The ORI the connection signed on with (a demo ORI when it did not). */
  ori: string;
  /** A court ORI, and any other known ORI (DES of AM and YQ). */
  court: string;
  otherOri: string;
  pnos: readonly string[];
  people: readonly { nam: string; dob: string }[];
  /** The service's today (CCYYMMDD) and local time (CCYYMMDDHHMM). */
  today: string;
  now: string;
  /** Unique to the run: case numbers of entered orders (OCA) never collide with another run's. */
  run: string;
  nextEntry(): number;
}

const STX = 0x02;
const ETX = 0x03;
const LAST = ['SMITH', 'GARCIA', "O'BRIEN", 'NGUYEN', 'LEE-PARK', 'JOHNSON', 'KIM', 'DOE'];
const FIRST = ['JOHN', 'MARY', 'JOSE', 'ANA', 'KEVIN', 'LINDA', 'JAMES ALLEN', 'MARY-KATE'];
/** Bytes that matter to framing and parsing: they come up far more often than at random. */
const INTERESTING = [STX, ETX, 0x0d, 0x0a, 0x20, 0x2e, 0x2f, 0x00, 0x09, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x7e, 0x2c, 0x27, 0x2d];
/** Lengths around the limits of the protocol (4,096 bytes a message, 500 a MIS, 30 a name, 10 a CTL). */
const EDGE_LENGTHS = [0, 1, 2, 9, 10, 11, 29, 30, 31, 499, 500, 501];
const TAGS = ['NAM', 'DOB', 'SEX', 'PNO', 'PPN', 'PSX', 'PPB', 'CTL', 'MIS', 'HST', 'TYP', 'EXP', 'ISD', 'PCO', 'DST', 'SRV', 'SDT', 'SHW', 'DES', 'USR', 'PWD', 'OTP', 'XYZ', 'STS', 'REJ', 'NA', 'NAMX'];
const KEYS = ['SON', 'SOF', 'QPO', 'EPO', 'MPO', 'XPO', 'CPO', 'SPO', 'YQ', 'YR', 'AM', 'ULK', 'ZZZ', 'Q', 'QPOX', ''];

const ctlOf = (rng: Rng) => `F${rng.u32().toString(36).toUpperCase().slice(0, rng.range(1, 6))}`;
const nameOf = (rng: Rng) => `${rng.pick(LAST)}, ${rng.pick(FIRST)}`;
const dateOf = (rng: Rng, fromYear: number, toYear: number) =>
  `${rng.range(fromYear, toYear)}${String(rng.range(1, 12)).padStart(2, '0')}${String(rng.range(1, 28)).padStart(2, '0')}`;

function addDays(d: string, days: number): string {
  const t = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8) + days));
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * One valid message text, of any key the service offers (mostly inquiries and order changes).
 * `scope` 'safe': only keys that change no known order (inquiries, new entries, AM), for inputs
 * sent unmutated, so that the registry check can tell a change by a rejected message from one by
 * an ACK; 'inquiries': QPO only (answers that may be lost must not be writes).
 */
export function template(rng: Rng, c: TemplateContext, scope: 'all' | 'safe' | 'inquiries' = 'all'): string {
  const ori = c.ori;
  const ctl = rng.chance(0.7) ? ctlOf(rng) : undefined;
  const pno = c.pnos.length && rng.chance(0.85) ? rng.pick(c.pnos) : pnoOf(rng.range(1, 999_999_999));
  const person = c.people.length && rng.chance(0.7) ? rng.pick(c.people) : { nam: nameOf(rng), dob: dateOf(rng, 1940, 2005) };
  const m = (msg: Record<string, unknown>) => formatMessage({ ori, ...(ctl ? { ctl } : {}), ...msg } as InboundMessage);
  const weights =
    scope === 'inquiries'
      ? { qpoName: 14, qpoPno: 12, qpoOther: 8, epo: 0, mpo: 0, xpo: 0, cpo: 0, spo: 0, yq: 0, yr: 0, am: 0, ulk: 0, son: 0, sof: 0 }
      : scope === 'safe'
        ? { qpoName: 14, qpoPno: 12, qpoOther: 8, epo: 4, mpo: 0, xpo: 0, cpo: 0, spo: 0, yq: 0, yr: 0, am: 2, ulk: 1, son: 1, sof: 1 }
        : { qpoName: 14, qpoPno: 12, qpoOther: 8, epo: 8, mpo: 8, xpo: 4, cpo: 4, spo: 6, yq: 4, yr: 4, am: 4, ulk: 2, son: 2, sof: 1 };
  switch (rng.weighted(weights)) {
    case 'qpoName':
      return m({ mke: 'QPO', inquiry: { form: 'NAME', nam: person.nam, dob: person.dob, ...(rng.chance(0.3) ? { sex: rng.pick(['M', 'F']) } : {}) }, hst: rng.chance(0.2) });
    case 'qpoPno':
      return m({ mke: 'QPO', inquiry: { form: 'PNO', pno }, hst: rng.chance(0.3) });
    case 'qpoOther': {
      const forms = [
        { form: 'PROTECTED', ppn: nameOf(rng), ppb: dateOf(rng, 1950, 2010) },
        { form: 'FCN', fcn: String(rng.range(1e12, 1e13 - 1)) },
        { form: 'LICENCE', oln: `D${rng.range(1_000_000, 9_999_999)}`, ols: 'CA' },
        { form: 'CASE', oca: `24FL${rng.range(100_000, 999_999)}`, cti: c.court },
      ];
      return m({ mke: 'QPO', inquiry: rng.pick(forms), hst: rng.chance(0.2) });
    }
    case 'epo': {
      const isd = addDays(c.today, -rng.range(0, 10));
      const typ = rng.pick(['DVRO', 'DVTRO', 'CPO', 'EPO', 'CHRO', 'OOS'] as const);
      const exp = typ === 'EPO' ? addDays(isd, 3) : typ === 'DVTRO' ? addDays(isd, 20) : addDays(isd, 365);
      const pco = rng.pick([['01', '05'], ['01', '04', '05'], ['02', '08'], ['06', '09']]);
      return m({
        mke: 'EPO',
        order: {
          nam: person.nam, sex: 'M', rac: rng.pick(['W', 'B', 'A', 'U']), dob: person.dob,
          typ, oca: `FZ${c.run}-${c.nextEntry()}`, cti: ori, isd, exp, pco,
          ...(pco.includes('04') ? { dst: rng.range(1, 500) } : {}),
          ...(pco.includes('08') ? { mis: 'SEE ATTACHMENT A. NO CONTACT.' } : {}),
          protected: [{ ppn: nameOf(rng), psx: 'F', ppb: dateOf(rng, 1950, 2010) }],
        },
      });
    }
    case 'mpo':
      return m({ mke: 'MPO', pno, changes: rng.pick([{ brd: 'Y' }, { exp: addDays(c.today, 300) }, { pco: ['01', '04'], dst: 100 }, { mis: 'CHANGED BY THE COURT' }, { srv: 'N' }]) });
    case 'xpo':
      return m({ mke: 'XPO', pno, mis: 'ENTERED IN ERROR' });
    case 'cpo':
      return m({ mke: 'CPO', pno, mis: 'VACATED' });
    case 'spo':
      return m({ mke: 'SPO', pno, sdt: c.now, shw: rng.pick(['PERSONAL', 'VERBAL', 'COURT', 'MAIL']), ...(rng.chance(0.5) ? { svb: 'OFC J SMITH #1234' } : {}) });
    case 'yq':
      return m({ mke: 'YQ', pno, rty: 'PO', rno: rng.range(1, 3), pri: rng.pick(['U', 'R']), des: rng.chance(0.5) ? [c.otherOri] : [], mis: 'SUBJECT DETAINED' });
    case 'yr':
      return m({ mke: 'YR', pno, rno: 1, cnf: 'N' });
    case 'am':
      return m({ mke: 'AM', des: rng.chance(0.8) ? c.court : c.otherOri, mis: 'FUZZ TEST - PLEASE IGNORE.' });
    case 'ulk':
      return m({ mke: 'ULK', usr: 'FUZZNOBODY' });
    case 'son':
      // A user nobody has: a failed sign-on must never lock a real account.
      return m({ mke: 'SON', usr: `FUZZ${rng.range(1, 9)}`, pwd: 'not-the-password' });
    case 'sof':
      return m({ mke: 'SOF' });
  }
  throw new Error('unreachable');
}

// ---- mutations ------------------------------------------------------------------------------

const segments = (t: string) => t.split('.');

function randomText(rng: Rng, n: number, printable: boolean): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(printable ? rng.range(0x20, 0x7e) : rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256));
  return s;
}

/** One change to a message text (latin1: one character per byte). */
function mutateOnce(rng: Rng, t: string, c: TemplateContext): string {
  const pos = () => rng.int(t.length + 1);
  const segs = segments(t);
  const at = () => rng.int(segs.length);
  switch (rng.int(18)) {
    case 0: {
      // flip one byte
      const i = rng.int(Math.max(1, t.length));
      return t.slice(0, i) + String.fromCharCode(rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256)) + t.slice(i + 1);
    }
    case 1: {
      const i = pos();
      return t.slice(0, i) + randomText(rng, rng.range(1, 4), false) + t.slice(i);
    }
    case 2: {
      const i = pos();
      return t.slice(0, i) + t.slice(i + rng.range(1, 12));
    }
    case 3: {
      // a field twice
      const i = at();
      segs.splice(rng.int(segs.length + 1), 0, segs[i]!);
      return segs.join('.');
    }
    case 4: {
      segs.splice(at(), 1);
      return segs.join('.');
    }
    case 5: {
      const i = at();
      const j = at();
      [segs[i], segs[j]] = [segs[j]!, segs[i]!];
      return segs.join('.');
    }
    case 6: {
      // a value emptied, or as long as a limit, or longer
      const i = at();
      const tag = segs[i]!.split('/')[0]!;
      segs[i] = `${tag}/${'X'.repeat(rng.pick(EDGE_LENGTHS))}`;
      return segs.join('.');
    }
    case 7: {
      const i = at();
      const slash = segs[i]!.indexOf('/');
      segs[i] = `${rng.pick(TAGS)}${slash >= 0 ? segs[i]!.slice(slash) : `/${segs[i]}`}`;
      return segs.join('.');
    }
    case 8:
      return rng.chance(0.5) ? t.toLowerCase() : t.replace(/[A-Z]/g, (ch) => (rng.chance(0.5) ? ch.toLowerCase() : ch));
    case 9:
      return t.slice(0, pos());
    case 10:
      return t + rng.pick(['.', '..', '. ', ' ', '/', '.MIS/', '.CTL/X', `.MIS/${'Y'.repeat(rng.pick([499, 500, 501]))}`]);
    case 11:
      segs[0] = rng.pick(KEYS);
      return segs.join('.');
    case 12:
      segs[1 % segs.length] = rng.pick([c.court, c.otherOri, 'CA019420', 'CA01942000', '', 'ca0194200', 'PNO/PO0000000018', '1A0194200']);
      return segs.join('.');
    case 13: {
      const ctl = rng.pick(['CTL/A1', 'CTL/', 'CTL/ A', 'CTL/A ', 'CTL/12345678901', 'CTL/X/Y', 'CTL/#']);
      segs.splice(rng.range(1, segs.length), 0, ctl);
      return segs.join('.');
    }
    case 14:
      return `${' '.repeat(rng.range(1, 3))}${t}${' '.repeat(rng.range(0, 3))}`;
    case 15: {
      // a value with a character outside printable ASCII (é in UTF-8, a tab, NUL)
      const i = at();
      segs[i] = segs[i]! + rng.pick(['\xc3\xa9', '\t', '\x00', '\x7f', '\xff']);
      return segs.join('.');
    }
    case 16: {
      const i = pos();
      return t.slice(0, i) + template(rng, c) + t.slice(i);
    }
    default: {
      // dates, numbers and codes nudged to their edges
      return t.replace(/\d{8}/, () => rng.pick(['00000000', '19000101', '18991231', '20260229', '20240229', '99999999', c.today, addDays(c.today, 1)]));
    }
  }
}

export function mutate(rng: Rng, text: string, c: TemplateContext): string {
  let t = text;
  for (let n = rng.range(1, 4); n > 0; n--) t = mutateOnce(rng, t, c);
  return t;
}

// ---- encoding -------------------------------------------------------------------------------

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** A message text as a terminal sends it: `STX text ETX`, or the text and LF / CR LF. */
function encode(text: string, mode: FrameMode, rng: Rng): string {
  if (mode === 'framed') return `\x02${text}\x03${rng.chance(0.15) ? '\r\n' : ''}`;
  return `${text}${rng.chance(0.6) ? '\r\n' : '\n'}`;
}

function randomCuts(rng: Rng, length: number, max: number): number[] {
  const cuts = new Set<number>();
  for (let n = rng.int(max + 1); n > 0; n--) cuts.add(rng.range(1, Math.max(1, length - 1)));
  return [...cuts].filter((c) => c > 0 && c < length).sort((a, b) => a - b);
}

const everyByte = (length: number) => Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);

/** One input of `kind` for a connection in `mode`. */
export function makeCase(kind: InputKind, mode: FrameMode, rng: Rng, c: TemplateContext): Case {
  const text = (): string => {
    switch (kind) {
      case 'valid':
        return Array.from({ length: rng.range(1, 4) }, () => encode(template(rng, c, 'safe'), mode, rng)).join('');
      case 'mutated':
      case 'split':
        return Array.from({ length: rng.range(1, 4) }, () => encode(rng.chance(kind === 'split' ? 0.5 : 0.95) ? mutate(rng, template(rng, c), c) : template(rng, c, 'safe'), mode, rng)).join('');
      case 'drip':
        return encode((rng.chance(0.5) ? mutate(rng, template(rng, c), c) : template(rng, c, 'safe')).slice(0, 160), mode, rng);
      case 'random': {
        const n = rng.length(1024) + 1;
        const d = rng.int(3);
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCharCode(d === 0 ? rng.int(256) : d === 1 ? rng.range(0x20, 0x7e) : rng.chance(0.3) ? rng.pick(INTERESTING) : rng.range(0x20, 0x7e));
        return s;
      }
      case 'binary':
        return Array.from({ length: rng.range(1, 4) }, () => {
          const body = randomText(rng, rng.length(600), false);
          return mode === 'framed' ? `\x02${rng.chance(0.5) ? body.replace(/[\x02\x03]/g, '') : body}\x03` : `${body.replace(/\n/g, '')}\n`;
        }).join('');
      case 'framing':
        return framing(rng, mode, c);
      case 'oversized':
        return oversized(rng, mode, c);
    }
  };
  const bytes = latin1(text());
  if (kind === 'split') return { kind, bytes, cuts: rng.chance(0.5) ? everyByte(bytes.length) : randomCuts(rng, bytes.length, 40), delayMs: 0 };
  if (kind === 'drip') return { kind, bytes, cuts: everyByte(bytes.length), delayMs: rng.range(1, 4) };
  return { kind, bytes, cuts: randomCuts(rng, bytes.length, kind === 'oversized' ? 8 : 3), delayMs: 0 };
}

/** Frames and what may come between them: blanks, garbage, stray ETX, empty and open frames, long ones. */
function framing(rng: Rng, mode: FrameMode, c: TemplateContext): string {
  let s = '';
  for (let n = rng.range(2, 10); n > 0; n--) {
    if (mode === 'line') {
      s += rng.pick([
        '\n', '\r\n', '   \r\n', '\r\r\n', ' \r \n', `${template(rng, c, 'safe')}\r\r\n`, `\x02${template(rng, c, 'safe')}\x03\r\n`,
        `${template(rng, c, 'safe')}\n`, `${'Q'.repeat(rng.pick([4095, 4096, 4097]))}\r\n`, 'HELLO\n', `${template(rng, c, 'safe')}\r`,
      ]);
      continue;
    }
    s += rng.pick([
      `\x02${template(rng, c, 'safe')}\x03`, '\x02\x03', '\r\n', '  ', 'HELLO', '\x03', '\x03\x03', `\x02${template(rng, c, 'safe').slice(0, 20)}`,
      `\x02${'Z'.repeat(rng.pick([4095, 4096, 4097, 5000]))}\x03`, `\x02${'Z'.repeat(4200)}\x02${template(rng, c, 'safe')}\x03`, ' \x01 ', '\x00',
    ]);
  }
  return s;
}

/** One message at or over the 4,096-byte limit, its key and CTL readable at the start. */
function oversized(rng: Rng, mode: FrameMode, c: TemplateContext): string {
  const size = rng.chance(0.04) ? 1 << 20 : rng.pick([4095, 4096, 4097, 4098, 5000, 8192, 65_536]);
  const head = `AM.${c.ori}.CTL/${ctlOf(rng)}.DES/${c.court}.MIS/`;
  const fill = rng.chance(0.7) ? 'X'.repeat(Math.max(0, size - head.length)) : randomText(rng, Math.max(0, size - head.length), true).replace(/\./g, ',');
  const body = (head + fill).slice(0, size);
  const after = rng.chance(0.3) ? encode(template(rng, c, 'safe'), mode, rng) : '';
  if (mode === 'line') return `${body}\r\n${after}`;
  return `\x02${body}${rng.chance(0.2) ? '' : '\x03'}${after}`;
}
