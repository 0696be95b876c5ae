// Outbound replies (ICD 5): the fixed-column header, the body builders, and the reader clients use.
//
// Every line is at most 80 characters, upper case, printable ASCII, without trailing blanks and
// never empty (an empty line ends a reply in line mode). In bodies a value runs until the next
// ` TAG/` or the end of its line; a value too long for one line continues on following lines
// indented by three spaces. So that a value can never be misread as a new tag, a `/` that follows
// a three-letter word in a value is written `-` (`MIS/SEE ATT/A` → `MIS/SEE ATT-A`).
import {
  REJECT_CODES,
  type Inquiry,
  type OrderView,
  type RejectCode,
  type Reply,
  type ReplyStatus,
} from './messages.ts';

export const MAX_LINE = 80;
const INDENT = '   ';
/** Most records one HIT shows; record numbers are two digits. */
export const MAX_HIT_RECORDS = 99;

/** The first body line of every HIT (ICD 5). */
export const CAVEAT = 'DO NOT ARREST OR DETAIN ON THIS RECORD ALONE - CONFIRM WITH ISSUING AGENCY BY YQ';

const STATUS_TEXT: Record<ReplyStatus, string> = {
  HIT: 'HIT ',
  NREC: 'NREC',
  ACK: 'ACK ',
  REJ: 'REJ ',
  MSG: 'MSG ',
  NOTE: 'NOTE',
};
const STATUS_OF = new Map<string, ReplyStatus>(Object.entries(STATUS_TEXT).map(([k, v]) => [v, k as ReplyStatus]));

// ---- header and reply -----------------------------------------------------------------------

/** UTC `CCYYMMDDHHMMSS`. */
export const utcStamp = (t: Date) => t.toISOString().replace(/\D/g, '').slice(0, 14);

/** Sequence numbers are six digits: 000001 … 999999, then 000001 again. */
export const sequenceText = (seq: number) => String(((Math.max(1, Math.trunc(seq)) - 1) % 999_999) + 1).padStart(6, '0');

/**
 * The header line: 1–4 MKE, 6–9 status, 11–19 ORI, 21–26 sequence, 28–41 UTC time, 43–52 CTL;
 * columns 5, 10, 20, 27 and 42 are spaces; trailing blanks trimmed (so it is 41 to 52 long).
 */
export function formatHeader(r: Omit<Reply, 'body'>): string {
  const mke = printable(r.mke).slice(0, 4).padEnd(4);
  const ori = printable(r.ori).slice(0, 9).padEnd(9);
  const ctl = printable(r.ctl ?? '').slice(0, 10);
  return `${mke} ${STATUS_TEXT[r.status]} ${ori} ${sequenceText(r.seq)} ${utcStamp(r.time)} ${ctl}`.trimEnd();
}

/** Bodies already made safe by safeBody(): formatReply takes their lines as they are. */
const SAFE = new WeakSet<readonly string[]>();

/**
 * A body made safe once, for a reply sent many times (a cached answer): formatReply then only
 * adds the header. The array must not be changed afterwards.
 */
export function safeBody(body: readonly string[]): readonly string[] {
  const lines = formatReply({ mke: '', status: 'ACK', ori: '', seq: 1, time: new Date(0), body }).slice(1);
  SAFE.add(lines);
  return Object.freeze(lines);
}

/** The lines of one outbound message: header, then the body made safe (upper case, ≤ 80, no empty lines). */
export function formatReply(r: Reply): string[] {
  const lines = [formatHeader(r)];
  if (SAFE.has(r.body)) {
    for (const l of r.body) lines.push(l);
    return lines;
  }
  for (const raw of r.body) {
    for (const part of raw.split(/\r\n|\r|\n/)) {
      const line = printable(part).trimEnd();
      if (line !== '') lines.push(...wrapLine(line));
    }
  }
  return lines;
}

/** Upper case, and any character outside 0x20–0x7E as `?`. */
function printable(s: string): string {
  return s.toUpperCase().replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Splits a line longer than MAX_LINE at spaces; continuation lines are indented by three
 * spaces. A word longer than a line is cut, never so that a piece starts like `TAG/`.
 */
export function wrapLine(line: string, width = MAX_LINE): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const lead = out.length === 0 ? /^ */.exec(rest)![0].length : INDENT.length;
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= lead) {
      cut = width;
      while (cut > lead + 1 && /^[A-Z]{3}\//.test(rest.slice(cut))) cut--;
      out.push(rest.slice(0, cut));
      rest = INDENT + rest.slice(cut);
    } else {
      out.push(rest.slice(0, cut).trimEnd());
      rest = INDENT + rest.slice(cut + 1).trimStart();
    }
  }
  out.push(rest);
  return out;
}

// ---- body builders --------------------------------------------------------------------------

type Group = readonly [tag: string, value: string | number | null | undefined];

/** A value as bodies show it: printable upper case, `/` after a three-letter word written `-`. */
export function bodyValue(v: string | number): string {
  return printable(String(v))
    .replace(/[\r\n]/g, ' ')
    .replace(/(^| )([A-Z]{3})\//g, '$1$2-');
}

/**
 * `TAG/value` groups laid out on lines of at most 80 columns: the first line starts with
 * `first`, the others with three spaces. Groups with a null, undefined or empty value are left out.
 */
export function tagLines(groups: readonly Group[], first = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const [tag, v] of groups) {
    if (v === null || v === undefined || v === '') continue;
    const g = `${tag}/${bodyValue(v)}`;
    if (empty) {
      line += g;
    } else if (line.length + 1 + g.length <= MAX_LINE) {
      line += ` ${g}`;
    } else {
      lines.push(...wrapLine(line));
      line = INDENT + g;
    }
    empty = false;
  }
  if (!empty) lines.push(...wrapLine(line));
  return lines;
}

/** A HIT body: the caveat, then one block per order, numbered 01, 02 … (at most 99). */
export function hitBody(records: readonly OrderView[], opts: { total?: number } = {}): string[] {
  const shown = records.slice(0, MAX_HIT_RECORDS);
  const total = Math.max(opts.total ?? records.length, records.length);
  const lines = [CAVEAT];
  if (total > shown.length) lines.push(`RECORDS SHOWN: ${shown.length} OF ${total} - NARROW THE INQUIRY`);
  shown.forEach((r, i) => lines.push(...recordLines(r, i + 1)));
  return lines;
}

/** One order's block: each section on its own line(s), MIS last. */
export function recordLines(v: OrderView, n: number): string[] {
  const p = v.restrained;
  const sections: Group[][] = [
    [['PNO', v.pno], ['FCN', v.fcn], ['TYP', v.typ], ['STS', v.status]],
    [['ISD', v.isd], ['EXP', v.exp], ['CTI', v.cti], ['OCA', v.oca]],
    [
      ['NAM', p.name], ['SEX', p.sex], ['RAC', p.race], ['DOB', p.dob], ['HGT', p.height], ['WGT', p.weight],
      ['EYE', p.eyes], ['HAI', p.hair], ['OLN', p.oln], ['OLS', p.ols],
      ...(p.aliases ?? []).map((a): Group => ['AKA', a]),
    ],
    ...v.protected.map((pp): Group[] => [['PPN', pp.name], ['PSX', pp.sex], ['PPR', pp.race], ['PPB', pp.dob]]),
    [['PCO', v.pco.join(' ')], ['DST', v.dst], ['BRD', v.brady]],
    v.service
      ? [['SRV', 'Y'], ['SDT', v.service.sdt], ['SHW', v.service.shw], ['SVB', v.service.svb]]
      : [['SRV', 'N']],
    [['IMG', v.images], ['MAT', v.match], ...(v.conflict ? ([['CFL', 'Y'], ['PRV', v.conflict.prevails]] as Group[]) : [])],
    ...(v.history ?? []).map((h): Group[] => [['HST', [h.version, h.at, h.user, h.ori || '-', h.action, ...(h.changed.length ? [h.changed.join(',')] : [])].join(' ')]]),
    [['MIS', v.mis]],
  ];
  const lines: string[] = [];
  for (const s of sections) lines.push(...tagLines(s, lines.length === 0 ? `${String(n).padStart(2, '0')} ` : INDENT));
  return lines;
}

/** An NREC body: the criteria searched, and nothing else. */
export function nrecBody(q: Inquiry, hst = false): string[] {
  const groups: Group[] = (() => {
    switch (q.form) {
      case 'NAME':
        return [['NAM', q.nam], ['DOB', q.dob], ['SEX', q.sex]];
      case 'PROTECTED':
        return [['PPN', q.ppn], ['PPB', q.ppb], ['PSX', q.psx]];
      case 'PNO':
        return [['PNO', q.pno]];
      case 'FCN':
        return [['FCN', q.fcn]];
      case 'LICENCE':
        return [['OLN', q.oln], ['OLS', q.ols]];
      case 'CASE':
        return [['OCA', q.oca], ['CTI', q.cti]];
    }
  })();
  if (hst) groups.push(['HST', 'Y']);
  return tagLines(groups);
}

/** An ACK body: `PNO/...`, then any further lines (`CFL/` lines, `STS/`, ...). */
export function ackBody(pno: string, extra: readonly string[] = []): string[] {
  return [`PNO/${pno}`, ...extra];
}

/** The ACK line for a conflicting active order: `CFL/<its PNO> PRV/<the PNO that prevails>`. */
export function conflictLine(pno: string, prevails: string): string {
  return `CFL/${pno} PRV/${prevails}`;
}

/** A REJ body: `REJ/<code> <text>`, the text defaulting to the code's standard text. */
export function rejectBody(code: RejectCode, text: string = REJECT_CODES[code]): string[] {
  return [`REJ/${code} ${printable(text)}`.slice(0, MAX_LINE).trimEnd()];
}

// ---- reading replies (clients) ----------------------------------------------------------------

export type TagValue = [tag: string, value: string];

export interface ParsedReply {
  mke: string;
  status: ReplyStatus;
  ori: string;
  seq: number;
  /** UTC `CCYYMMDDHHMMSS`. */
  time: string;
  ctl: string;
  body: string[];
  /** Every `TAG/value` of the body in order (continuation lines joined with a space). */
  fields: TagValue[];
  /** HIT: the numbered blocks, each with its own fields. */
  records: { no: number; fields: TagValue[] }[];
  /** REJ: the code and text of the `REJ/` line. */
  reject?: { code: string; text: string };
}

const TAG_START = /(?<=^| )[A-Z]{3}\//g;

/** Reads one reply (its lines, as ReplyDecoder returns them); throws on a malformed header. */
export function parseReply(lines: readonly string[]): ParsedReply {
  const h = lines[0] ?? '';
  const status = STATUS_OF.get(h.slice(5, 9));
  const ok =
    h.length >= 41 && h.length <= 52 && status !== undefined && /^\d{6}$/.test(h.slice(20, 26)) &&
    /^\d{14}$/.test(h.slice(27, 41)) && [4, 9, 19, 26, 41].every((i) => h[i] === ' ' || h[i] === undefined);
  if (!ok || status === undefined) throw new Error(`not a reply header: ${JSON.stringify(h)}`);
  const reply: ParsedReply = {
    mke: h.slice(0, 4).trimEnd(),
    status,
    ori: h.slice(10, 19).trimEnd(),
    seq: Number(h.slice(20, 26)),
    time: h.slice(27, 41),
    ctl: h.slice(42, 52),
    body: lines.slice(1),
    fields: [],
    records: [],
  };
  let last: TagValue | undefined;
  let record: { no: number; fields: TagValue[] } | undefined;
  for (const line of reply.body) {
    if (line.startsWith('REJ/')) {
      const rest = line.slice(4);
      const sp = rest.indexOf(' ');
      reply.reject = sp < 0 ? { code: rest, text: '' } : { code: rest.slice(0, sp), text: rest.slice(sp + 1) };
      reply.fields.push(['REJ', rest]);
      last = undefined;
      continue;
    }
    let content = line;
    const numbered = status === 'HIT' ? /^(\d\d) /.exec(line) : null;
    if (numbered) {
      record = { no: Number(numbered[1]), fields: [] };
      reply.records.push(record);
      content = line.slice(3);
    }
    content = content.replace(/^ +/, '');
    if (!/^[A-Z]{3}\//.test(content)) {
      // A continuation of the previous value, or a line that carries no fields (the caveat).
      if (last && line.startsWith(' ')) last[1] = `${last[1]} ${content}`;
      else last = undefined;
      continue;
    }
    const starts = [...content.matchAll(TAG_START)].map((m) => m.index);
    starts.forEach((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]! - 1 : content.length;
      const pair: TagValue = [content.slice(s, s + 3), content.slice(s + 4, end).trimEnd()];
      reply.fields.push(pair);
      record?.fields.push(pair);
      last = pair;
    });
  }
  return reply;
}

/** The first value of `tag` in a reply's fields (or in one record's). */
export function fieldValue(fields: readonly TagValue[], tag: string): string | undefined {
  return fields.find(([t]) => t === tag)?.[1];
}
