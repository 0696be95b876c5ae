// Reading the service's replies for the console: pure functions from reply lines (header first,
// as a ProtocolLink delivers them) to what the screens show. The wire format itself is read with
// protocol/'s parseReply and fieldValue; this module only decides what a user sees.
import { fieldValue, parseReply, type ParsedReply, type TagValue } from '../protocol/index.ts';

/** Status of a header line (columns 6–9), trimmed: `HIT`, `NREC`, `ACK`, `REJ`, `MSG`, `NOTE`, or ''. */
export const headerStatus = (header: string): string => header.slice(5, 9).trimEnd();

/** Unsolicited traffic (ICD 4): status `MSG ` (YQ, YR, AM) or `NOTE` (notices from the service). */
export const isUnsolicited = (lines: readonly string[]): boolean => {
  const s = headerStatus(lines[0] ?? '');
  return s === 'MSG' || s === 'NOTE';
};

/** Reads a reply, or undefined when its header is not a reply header. */
export function readReply(lines: readonly string[]): ParsedReply | undefined {
  try {
    return parseReply(lines);
  } catch {
    return undefined;
  }
}

export interface SignedOn {
  user: string;
  role: string;
  ori: string;
}

/** The body of `SON ACK`: `SIGNED ON <USER> <ROLE> <ORI>`. */
export function readSignOn(body: readonly string[]): SignedOn | undefined {
  for (const line of body) {
    const m = /^SIGNED ON (\S+) (\S+) (\S+)\s*$/.exec(line);
    if (m) return { user: m[1]!, role: m[2]!, ori: m[3]! };
  }
  return undefined;
}

/** `REJ <code> <text>` as the user reads it, from a parsed REJ (or the raw first body line). */
export function rejectLine(r: ParsedReply): string {
  if (r.reject) return `REJ ${r.reject.code} ${r.reject.text}`.trimEnd();
  return `REJ ${r.body[0] ?? ''}`.trimEnd();
}

// ---- HIT --------------------------------------------------------------------------------------

/** One order of a HIT, as the result list shows it. */
export interface ResultRow {
  no: number;
  pno: string;
  typ: string;
  sts: string;
  nam: string;
  dob: string;
  exp: string;
  mat: string;
  img: string;
  /** `CFL/Y`: another active order conflicts with this one. */
  conflict: boolean;
  /** `PRV/`: the PNO that prevails among the conflicting orders (may be this one). */
  prevailing?: string;
  /** This order is the one a `PRV/` of the reply names. */
  prevails: boolean;
  /** The record's lines as the service sent them (first starts with the record number). */
  lines: string[];
  fields: TagValue[];
}

export interface HitResult {
  /** The first body line: the record alone is not grounds to arrest (ICD 5). */
  caveat: string;
  /** Lines between the caveat and the first record (`RECORDS SHOWN: 99 OF 120 ...`). */
  notes: string[];
  rows: ResultRow[];
}

/** The rows of a HIT reply. Bodies are read with protocol's parseReply; lines are kept per record. */
export function readHit(reply: ParsedReply): HitResult {
  const caveat = reply.body[0] ?? '';
  const notes: string[] = [];
  const blocks: string[][] = [];
  for (const line of reply.body.slice(1)) {
    if (/^\d\d /.test(line)) blocks.push([line]);
    else if (blocks.length > 0 && line.startsWith(' ')) blocks[blocks.length - 1]!.push(line);
    else notes.push(line);
  }
  const prevailing = new Set<string>();
  for (const r of reply.records) {
    const prv = fieldValue(r.fields, 'PRV');
    if (prv) prevailing.add(prv);
  }
  const rows = reply.records.map((r, i): ResultRow => {
    const v = (tag: string) => fieldValue(r.fields, tag) ?? '';
    const pno = v('PNO');
    return {
      no: r.no,
      pno,
      typ: v('TYP'),
      sts: v('STS'),
      nam: v('NAM'),
      dob: v('DOB'),
      exp: v('EXP'),
      mat: v('MAT'),
      img: v('IMG'),
      conflict: v('CFL') === 'Y',
      prevailing: fieldValue(r.fields, 'PRV'),
      prevails: pno !== '' && prevailing.has(pno),
      lines: blocks[i] ?? [],
      fields: r.fields,
    };
  });
  return { caveat, notes, rows };
}

/** Flag column of a row: `*PREVAILS*`, `CONFLICT`, or blanks. */
export const rowFlag = (r: ResultRow): string => (r.prevails ? '*PREVAILS*' : r.conflict ? 'CONFLICT' : '');

const fit = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s.padEnd(n));

/** Column layout of the result list for a screen `width` wide: the name column takes the rest. */
function columns(width: number) {
  const fixed = 2 + 1 + 12 + 1 + 5 + 1 + 9 + 1 + 1 + 8 + 1 + 3 + 1 + 10;
  return { nam: Math.max(10, width - fixed) };
}

export function rowHeading(width: number): string {
  const c = columns(width);
  return `${'NO'} ${fit('PNO', 12)} ${fit('TYP', 5)} ${fit('STS', 9)} ${fit('NAM', c.nam)} ${fit('EXP', 8)} MAT ${fit('', 10)}`
    .slice(0, width)
    .trimEnd();
}

/** One row of the result list: record number, PNO, TYP, STS, NAM, EXP, MAT and the conflict flag. */
export function rowText(r: ResultRow, width: number): string {
  const c = columns(width);
  const no = String(r.no).padStart(2, '0');
  return `${no} ${fit(r.pno, 12)} ${fit(r.typ, 5)} ${fit(r.sts, 9)} ${fit(r.nam, c.nam)} ${fit(r.exp, 8)}  ${fit(r.mat, 1)}  ${fit(rowFlag(r), 10)}`
    .slice(0, width)
    .trimEnd();
}

/** NCIC protection-order condition codes (PCO, ICD 3.1), as the detail view explains them. */
export const CONDITIONS: Record<string, string> = {
  '01': 'NO ASSAULTING, THREATENING, ABUSING, HARASSING, FOLLOWING OR STALKING',
  '02': 'MAY NOT THREATEN A MEMBER OF THE PROTECTED PERSON\'S FAMILY OR HOUSEHOLD',
  '03': 'PROTECTED PERSON GRANTED EXCLUSIVE POSSESSION OF THE RESIDENCE',
  '04': 'STAY AWAY FROM RESIDENCE, PROPERTY, SCHOOL OR WORKPLACE',
  '05': 'NO COMMUNICATION OF ANY KIND',
  '06': 'SUBJECT HAS VISITATION OR CUSTODY RIGHTS OF THE NAMED CHILDREN',
  '07': 'MAY NOT POSSESS OR PURCHASE A FIREARM OR OTHER WEAPON',
  '08': 'SEE MIS',
  '09': 'PROTECTED PERSON AWARDED TEMPORARY EXCLUSIVE CUSTODY OF THE NAMED CHILDREN',
};

/**
 * The detail of one record: a heading, every line of the record as sent (all its TAG/value
 * groups), then what the groups mean for the officer: the conflict, the images, the conditions.
 */
export function detailLines(r: ResultRow, total: number, width: number): string[] {
  const out: string[] = [];
  const flag = rowFlag(r);
  out.push(`RECORD ${String(r.no).padStart(2, '0')} OF ${String(total).padStart(2, '0')}  PNO/${r.pno}  ${r.typ} ${r.sts}${flag ? `  ${flag}` : ''}`);
  out.push('');
  out.push(...r.lines);
  out.push('');
  if (r.conflict) {
    const prv = r.prevailing ?? '';
    out.push(`CONFLICT: CFL/Y - ANOTHER ACTIVE ORDER CONFLICTS WITH THIS ONE`);
    out.push(prv === r.pno ? `PRV/${prv}: THIS ORDER PREVAILS` : `PRV/${prv}: THAT ORDER PREVAILS, NOT THIS ONE`);
  } else {
    out.push('CONFLICT: NONE REPORTED');
  }
  const img = r.img === '' ? '0' : r.img;
  out.push(`IMAGES: IMG/${img} - ${img === '0' ? 'NO SCANNED PAGES' : `${img} SCANNED PAGE(S): SFTP /orders/${r.pno}/`}`);
  const pco = fieldValue(r.fields, 'PCO');
  if (pco) {
    out.push('CONDITIONS:');
    for (const code of pco.split(' ')) out.push(`  ${code} ${CONDITIONS[code] ?? ''}`.trimEnd());
  }
  const dst = fieldValue(r.fields, 'DST');
  if (dst) out.push(`STAY-AWAY DISTANCE: ${dst} YARDS`);
  const brd = fieldValue(r.fields, 'BRD');
  if (brd === 'Y') out.push('BRADY: FEDERAL FIREARMS PROHIBITION APPLIES');
  if (r.mat === 'P') out.push('MATCH: MAT/P - NAME SOUNDS THE SAME; CHECK THE IDENTIFIERS');
  out.push('');
  out.push('CONFIRM WITH THE ISSUING AGENCY (YQ) BEFORE ACTING ON THIS RECORD.');
  return out.map((l) => l.slice(0, width));
}

/** Describes an ACK body for the reply view: `CFL/<pno> PRV/<pno>` lines spelled out. */
export function ackLines(reply: ParsedReply): string[] {
  const out: string[] = [];
  for (const line of reply.body) {
    out.push(line);
    const m = /^CFL\/(\S+) PRV\/(\S+)/.exec(line);
    if (m) out.push(`   CONFLICTS WITH ACTIVE ORDER ${m[1]} - ${m[2]} PREVAILS`);
  }
  return out;
}
