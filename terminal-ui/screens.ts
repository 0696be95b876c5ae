// What each console screen looks like, as text: pure drawing onto a character grid that becomes
// blessed-tagged lines. The console (console.ts) owns the state and the keys; this file only
// lays out banner, forms, result list, detail, messages and help. Every screen fits 80×24.
import { CAVEAT } from '../protocol/index.ts';
import type { FormState } from './forms.ts';
import { detailLines, rowHeading, rowText, type HitResult } from './replies.ts';

export type Style = '' | 'inverse' | 'bold' | 'conflict' | 'alert';

const OPEN: Record<Exclude<Style, ''>, string> = {
  inverse: '{inverse}',
  bold: '{bold}',
  conflict: '{yellow-fg}{bold}',
  alert: '{bold}{inverse}',
};

/** blessed tags are `{...}`: literal braces from the wire are written as tags. */
export const escapeTags = (s: string): string => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));

/** A width × height grid of characters with a style per cell. */
export class Canvas {
  readonly #chars: string[][];
  readonly #styles: Style[][];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.#chars = Array.from({ length: Math.max(0, height) }, () => Array<string>(Math.max(0, width)).fill(' '));
    this.#styles = Array.from({ length: Math.max(0, height) }, () => Array<Style>(Math.max(0, width)).fill(''));
  }

  /** Writes text at (row, col), clipped to the grid. */
  put(row: number, col: number, text: string, style: Style = ''): void {
    if (row < 0 || row >= this.height) return;
    for (let i = 0; i < text.length; i++) {
      const c = col + i;
      if (c < 0) continue;
      if (c >= this.width) break;
      this.#chars[row]![c] = text[i]!;
      this.#styles[row]![c] = style;
    }
  }

  /** Text centred on a row. */
  center(row: number, text: string, style: Style = ''): void {
    this.put(row, Math.max(0, Math.floor((this.width - text.length) / 2)), text, style);
  }

  /** Plain text of each row, trailing blanks removed (what a user reads; tests compare this). */
  text(): string[] {
    return this.#chars.map((r) => r.join('').trimEnd());
  }

  /** blessed-tagged lines: runs of one style wrapped in tags, `{/}` back to green on black. */
  tagged(): string[] {
    return this.#chars.map((chars, r) => {
      const styles = this.#styles[r]!;
      let out = '';
      let i = 0;
      while (i < chars.length) {
        const s = styles[i]!;
        let j = i;
        while (j < chars.length && styles[j] === s) j++;
        const run = escapeTags(chars.slice(i, j).join(''));
        out += s === '' ? run : `${OPEN[s]}${run}{/}`;
        i = j;
      }
      return out.replace(/ +$/, '');
    });
  }
}

// ---- banner (ICD 6: CJIS system-use notification, AC-8) ----------------------------------------

export const BANNER_TEXT = [
  'CALIFORNIA PROTECTIVE ORDER REGISTRY - CCPOR',
  '*** WARNING: RESTRICTED CRIMINAL JUSTICE INFORMATION SYSTEM ***',
  '',
  'THIS SYSTEM IS RESTRICTED TO AUTHORIZED USERS FOR AUTHORIZED CRIMINAL',
  'JUSTICE PURPOSES ONLY. USE OF THIS SYSTEM MAY BE MONITORED, RECORDED AND',
  'AUDITED. UNAUTHORIZED USE IS PROHIBITED AND IS SUBJECT TO CRIMINAL AND',
  'CIVIL PENALTIES. INFORMATION FROM THIS SYSTEM MAY BE DISCLOSED ONLY AS THE',
  'LAW AND CJIS SECURITY POLICY PERMIT. BY USING THIS SYSTEM YOU CONSENT TO',
  'THE MONITORING, RECORDING AND AUDITING OF YOUR USE.',
];

export function drawBanner(c: Canvas): void {
  const top = Math.max(0, Math.floor((c.height - 15) / 2));
  c.center(top, BANNER_TEXT[0]!, 'bold');
  c.center(top + 1, BANNER_TEXT[1]!, 'alert');
  BANNER_TEXT.slice(3).forEach((l, i) => c.put(top + 3 + i, Math.max(0, Math.floor((c.width - 74) / 2)), l));
  c.center(top + 11, '[ I ACKNOWLEDGE ]', 'inverse');
  c.center(top + 13, 'TYPE Y OR PRESS ENTER TO ACKNOWLEDGE - N OR ESC TO DISCONNECT');
}

// ---- forms -------------------------------------------------------------------------------------

/**
 * The visible part of a value in a box of `size`: its end when longer. Unfocused boxes are filled
 * with `_`; the focused one (drawn in inverse) shows the cursor as `_` after the value.
 */
function boxText(value: string, size: number, focused: boolean): string {
  if (!focused || value.length >= size) return (value.length > size ? value.slice(value.length - size) : value).padEnd(size, focused ? ' ' : '_');
  return `${value}_`.padEnd(size, ' ');
}

/**
 * Draws a form's fields from `top`: `LABEL [VALUE____]`, the focused field in inverse with the
 * cursor at its end, secrets as `*`. Captions beside the fields when the form has a caption
 * column and the screen room for them.
 */
export function drawForm(c: Canvas, f: FormState, top: number, left = 1, active = true): void {
  for (const [i, d] of f.def.fields.entries()) {
    const raw = f.value(d.key);
    const value = d.secret ? '*'.repeat(raw.length) : raw;
    const focused = active && i === f.focus;
    const row = top + d.row;
    const col = left + d.col;
    c.put(row, col, `${d.label} `, focused ? 'bold' : '');
    const boxCol = col + d.label.length + 1;
    c.put(row, boxCol, '[');
    c.put(row, boxCol + 1, boxText(value, d.size, focused), focused ? 'inverse' : '');
    c.put(row, boxCol + 1 + d.size, ']');
    if (f.def.captionCol !== undefined && d.caption) {
      const capCol = Math.max(left + f.def.captionCol, boxCol + d.size + 3);
      if (capCol + d.caption.length < c.width) c.put(row, capCol, d.caption);
    }
  }
}

// ---- results ---------------------------------------------------------------------------------

export interface ResultView {
  /** What was asked (`QPO NAM/SMITH, JOHN DOB/19800101`). */
  asked: string;
  status: 'HIT' | 'NREC' | 'REJ' | 'OTHER';
  hit?: HitResult;
  /** NREC: the criteria lines; REJ and others: the lines to show. */
  lines: string[];
  /** When the reply came (UTC `CCYYMMDDHHMMSS` from its header). */
  time: string;
}

/**
 * The result list: the caveat always on the first line, the heading, then one row per record,
 * the selected one in inverse, CFL/Y rows highlighted, the prevailing order marked.
 */
export function drawResults(c: Canvas, r: ResultView, selected: number): { first: number } {
  if (r.status !== 'HIT' || !r.hit) {
    c.put(0, 1, r.status === 'NREC' ? 'NREC - NO RECORD FOUND FOR:' : r.status === 'REJ' ? 'REJECTED:' : 'REPLY:', 'bold');
    r.lines.forEach((l, i) => c.put(2 + i, 3, l));
    c.put(3 + r.lines.length, 1, `ASKED: ${r.asked}`);
    return { first: 0 };
  }
  const h = r.hit;
  c.put(0, 0, h.caveat || CAVEAT, 'alert');
  let row = 1;
  for (const n of h.notes) c.put(row++, 0, n, 'bold');
  c.put(row++, 0, rowHeading(c.width), 'bold');
  const room = Math.max(1, c.height - row - 1);
  const first = Math.min(Math.max(0, selected - room + 1), Math.max(0, h.rows.length - room));
  h.rows.slice(first, first + room).forEach((x, i) => {
    const idx = first + i;
    const text = rowText(x, c.width).padEnd(c.width);
    c.put(row + i, 0, text, idx === selected ? 'inverse' : x.conflict ? 'conflict' : '');
  });
  const shown = `${h.rows.length} RECORD(S)${h.rows.length > room ? `  ${first + 1}-${Math.min(h.rows.length, first + room)} SHOWN` : ''}  ASKED: ${r.asked}`;
  c.put(c.height - 1, 0, shown.slice(0, c.width));
  return { first };
}

/** One record in full; scrolls with `offset`. */
export function drawDetail(c: Canvas, r: ResultView, index: number, offset: number): number {
  const h = r.hit!;
  const row = h.rows[index]!;
  c.put(0, 0, h.caveat || CAVEAT, 'alert');
  const lines = detailLines(row, h.rows.length, c.width);
  const room = c.height - 1;
  const max = Math.max(0, lines.length - room);
  const from = Math.min(Math.max(0, offset), max);
  lines.slice(from, from + room).forEach((l, i) => {
    const style: Style = i + from === 0 ? 'bold' : /^(CONFLICT: CFL|PRV\/)/.test(l) ? 'conflict' : '';
    c.put(1 + i, 0, l, style);
  });
  return from;
}

// ---- messages, reply, help -----------------------------------------------------------------

export interface Received {
  /** Header time `CCYYMMDDHHMMSS` (UTC). */
  time: string;
  mke: string;
  status: string;
  lines: string[];
}

/** Every unsolicited message, newest first. */
export function drawMessages(c: Canvas, messages: readonly Received[], offset: number): number {
  if (messages.length === 0) {
    c.put(0, 0, 'NO MESSAGES.');
    return 0;
  }
  const lines: { text: string; style: Style }[] = [];
  for (const m of [...messages].reverse()) {
    const t = m.time;
    const when = t.length === 14 ? `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12)}Z` : '';
    lines.push({ text: `${m.mke.padEnd(4)} ${m.status.padEnd(4)} ${when}`, style: 'bold' });
    for (const l of m.lines) lines.push({ text: `  ${l}`, style: '' });
    lines.push({ text: '', style: '' });
  }
  const room = c.height;
  const from = Math.min(Math.max(0, offset), Math.max(0, lines.length - room));
  lines.slice(from, from + room).forEach((l, i) => c.put(i, 0, l.text, l.style));
  return from;
}

/** A reply shown whole (EPO/SPO/AM acknowledgements); its title is on the title line. */
export function drawReply(c: Canvas, lines: readonly string[]): void {
  lines.slice(0, c.height - 1).forEach((l, i) => c.put(1 + i, 1, l));
}

export interface HelpInfo {
  role: string;
  keys: readonly { key: string; label: string; what: string }[];
  history: boolean;
}

export function drawHelp(c: Canvas, h: HelpInfo): void {
  const lines = [
    `KEYS FOR ROLE ${h.role || '-'}`,
    '',
    ...h.keys.map((k) => `  ${k.key.padEnd(4)} ${k.label.padEnd(10)} ${k.what}`),
    '  WITHOUT FUNCTION KEYS: ESC THEN A DIGIT (ESC 1 = F1 ... ESC 0 = F10)',
    '',
    'IN A FORM: TYPE; TAB OR DOWN: NEXT FIELD; SHIFT-TAB OR UP: PREVIOUS FIELD;',
    '  BACKSPACE; CTRL-U CLEARS THE FIELD, CTRL-X THE WHOLE FORM; ENTER SENDS.',
    'QUERY: PGUP/PGDN (OR F2 AGAIN) CHANGE THE INQUIRY FORM.',
    'RESULTS: UP/DOWN SELECT; ENTER OR F3 SHOWS THE RECORD; ESC GOES BACK.',
    'CONFLICTING ORDERS (CFL/Y) ARE HIGHLIGHTED; *PREVAILS* MARKS THE ONE THAT PREVAILS.',
    ...(h.history ? ['HST/Y IN AN INQUIRY INCLUDES INACTIVE ORDERS.'] : []),
    'MESSAGES (AM, YQ, YR, NOTICES) ARRIVE WHILE YOU WORK; THE STATUS LINE COUNTS',
    '  THE UNREAD ONES (MSG n) UNTIL YOU READ THEM WITH F4.',
    '',
    'A RECORD ALONE IS NOT GROUNDS TO ARREST OR DETAIN: CONFIRM WITH THE ISSUING',
    'AGENCY (YQ).',
  ];
  lines.forEach((l, i) => c.put(i, 0, l, i === 0 ? 'bold' : ''));
}

// ---- legend ----------------------------------------------------------------------------------

/** The bottom line: `F1 HELP  F2 QUERY ...`, shortened to fit. */
export function legendLine(keys: readonly { key: string; label: string }[], width: number): string {
  for (const sep of ['  ', ' ']) {
    const line = keys.map((k) => `${k.key} ${k.label}`).join(sep);
    if (line.length <= width) return line;
  }
  return keys.map((k) => `${k.key}`).join(' ').slice(0, width);
}
