// The console's forms: what fields each has, where they sit, how typing edits them, and the ICD
// message text each one sends. Pure (no blessed, no I/O): the console draws FormState and sends
// what build() returns. Validation here is light — required fields, and no `.` where the ICD
// syntax cannot carry one; the service's REJ FLD text tells the user everything else.
import { MAY_SEND, ORI_PATTERN, type MessageKey, type Role } from '../protocol/index.ts';

export interface FieldDef {
  /** Unique within the form (PPN1, PPN2 …); also the wire tag unless `tag` says otherwise. */
  key: string;
  /** The wire tag (`PPN` for PPN1). */
  tag: string;
  label: string;
  /** Width of the box on screen; longer values show their end. */
  size: number;
  /** Most characters accepted. */
  max: number;
  row: number;
  col: number;
  hint: string;
  /** A short explanation drawn beside the box on forms with a caption column. */
  caption?: string;
  required?: boolean;
  /** Masked on screen (PWD). */
  secret?: boolean;
  /** Taken exactly as typed, not folded to upper case (PWD, OTP). */
  keepCase?: boolean;
  /** Free text that may hold `.` (MIS, always the last field of a message). */
  freeText?: boolean;
}

export interface BuildContext {
  /** The signed-on user's ORI (the message's ORI). */
  ori: string;
  role: string;
  user: string;
}

export type Built = { ok: true; text: string; summary: string } | { ok: false; error: string; key?: string };

export interface FormDef {
  id: string;
  mke: MessageKey;
  title: string;
  fields: FieldDef[];
  /** Captions beside the fields (the short forms), at this column. */
  captionCol?: number;
  build(values: Readonly<Record<string, string>>, ctx: BuildContext): Built;
}

// ---- editing --------------------------------------------------------------------------------

/** What the user has typed into one form, and which field has the cursor. */
export class FormState {
  readonly values: Record<string, string> = {};
  focus = 0;
  /** The last problem to show under the form (a light check or the service's REJ). */
  error = '';

  constructor(
    readonly def: FormDef,
    initial: Record<string, string> = {},
  ) {
    for (const f of def.fields) this.values[f.key] = initial[f.key] ?? '';
  }

  get field(): FieldDef {
    return this.def.fields[this.focus]!;
  }

  value(key: string): string {
    return this.values[key] ?? '';
  }

  set(key: string, v: string): void {
    if (key in this.values) this.values[key] = v;
  }

  focusOn(key: string): void {
    const i = this.def.fields.findIndex((f) => f.key === key);
    if (i >= 0) this.focus = i;
  }

  /**
   * Shows a rejection on the form and puts the cursor on the field a `REJ FLD` names
   * (`REJ FLD DOB NOT A REAL DATE` → DOB), so the user can correct it.
   */
  rejected(text: string): void {
    this.error = text;
    const tag = /^REJ FLD ([A-Z]{3})\b/.exec(text)?.[1];
    const i = tag ? this.def.fields.findIndex((f) => f.tag === tag) : -1;
    if (i >= 0) this.focus = i;
  }

  /**
   * Types one character into the focused field. Only printable ASCII (ICD 2); folded to upper
   * case unless the field keeps case; `.` refused outside free text (it would end the field).
   * Returns a reason when the character was refused.
   */
  type(ch: string): string | undefined {
    if (!/^[\x20-\x7e]$/.test(ch)) return undefined;
    const f = this.field;
    if (ch === '.' && !f.freeText) return `'.' CANNOT BE SENT IN ${f.label.trim()}`;
    const cur = this.values[f.key] ?? '';
    if (cur.length >= f.max) return `${f.label.trim()} IS AT MOST ${f.max} CHARACTERS`;
    this.values[f.key] = cur + (f.keepCase ? ch : ch.toUpperCase());
    return undefined;
  }

  backspace(): void {
    const k = this.field.key;
    this.values[k] = (this.values[k] ?? '').slice(0, -1);
  }

  clearField(): void {
    this.values[this.field.key] = '';
  }

  next(): void {
    this.focus = (this.focus + 1) % this.def.fields.length;
  }

  prev(): void {
    this.focus = (this.focus + this.def.fields.length - 1) % this.def.fields.length;
  }

  /** Empties the given fields (all when none given); used after sending secrets and after an ACK. */
  clear(keys: readonly string[] = this.def.fields.map((f) => f.key)): void {
    for (const k of keys) if (k in this.values) this.values[k] = '';
  }

  /** The message text, or the first problem (and the field is focused). */
  build(ctx: BuildContext): Built {
    const trimmed: Record<string, string> = {};
    for (const f of this.def.fields) {
      const v = this.values[f.key] ?? '';
      trimmed[f.key] = f.keepCase ? v : v.trim().replace(/ {2,}/g, ' ');
    }
    const missing = this.def.fields.find((f) => f.required && trimmed[f.key] === '');
    const r: Built = missing ? { ok: false, error: requiredText(missing), key: missing.key } : this.def.build(trimmed, ctx);
    if (!r.ok) {
      this.error = r.error;
      if (r.key) this.focusOn(r.key);
    } else {
      this.error = '';
    }
    return r;
  }
}

/** `NAM REQUIRED`, `USER REQUIRED`, `PPN REQUIRED FOR PROTECTED PERSON 1`. */
function requiredText(f: FieldDef): string {
  const n = /\d+$/.exec(f.key)?.[0];
  return n ? `${f.tag} REQUIRED FOR PROTECTED PERSON ${n}` : `${f.label.trim()} REQUIRED`;
}

// ---- composing ICD text ------------------------------------------------------------------------

/**
 * `MKE.ORI.TAG/value...` (ICD 3): empty values left out, MIS last. Values must not hold `.`
 * (FormState.type refuses it) except MIS, which runs to the end of the text.
 */
export function compose(mke: string, ori: string, pairs: readonly (readonly [string, string | undefined])[]): string {
  const fields = pairs.filter(([t, v]) => t !== 'MIS' && v !== undefined && v !== '').map(([t, v]) => `${t}/${v}`);
  const mis = pairs.find(([t, v]) => t === 'MIS' && v !== undefined && v !== '');
  if (mis) fields.push(`MIS/${mis[1]}`);
  return [mke, ori, ...fields].join('.');
}

const field = (key: string, label: string, size: number, max: number, row: number, col: number, hint: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  key,
  tag: key.replace(/\d+$/, ''),
  label,
  size,
  max,
  row,
  col,
  hint,
  ...extra,
});

const HINT = {
  NAM: 'NAME: LAST, FIRST MIDDLE SUFFIX (LETTERS, SPACE, - \')',
  DOB: 'DATE OF BIRTH: CCYYMMDD',
  SEX: 'SEX: M F X U',
  RAC: 'RACE: A B I W U',
  PNO: 'REGISTRY ORDER NUMBER: PO + 10 DIGITS (PO0000000018)',
  ORI: 'ORI: 2 LETTERS AND 7 LETTERS OR DIGITS (CA0194200)',
  MIS: 'FREE TEXT, UP TO 500 CHARACTERS',
};

// ---- sign-on ---------------------------------------------------------------------------------

/** SON from the sign-on form: `SON.<ORI>.USR/<user>.PWD/<pw>[.OTP/<code>]`. */
export const SIGN_ON: FormDef = {
  id: 'SON',
  mke: 'SON',
  title: 'SIGN ON',
  fields: [
    field('USR', 'USER         ', 30, 30, 0, 0, 'USER NAME', { required: true }),
    field('ORI', 'ORI          ', 9, 9, 2, 0, HINT.ORI, { required: true }),
    field('PWD', 'PASSWORD     ', 30, 128, 4, 0, 'PASSWORD (NOT SHOWN, NEVER KEPT)', { required: true, secret: true, keepCase: true }),
    field('OTP', 'ONE-TIME CODE', 8, 8, 6, 0, 'ONE-TIME CODE, IF YOUR ACCOUNT HAS ONE (6 TO 8 DIGITS)', { keepCase: true }),
  ],
  build(v) {
    if (!ORI_PATTERN.test(v.ORI!)) return { ok: false, error: 'ORI MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS', key: 'ORI' };
    const text = compose('SON', v.ORI!, [['USR', v.USR], ['PWD', v.PWD], ['OTP', v.OTP]]);
    return { ok: true, text, summary: `SIGN ON ${v.USR}` };
  },
};

/** The lock screen (ICD 6): the password again, for the user already signed on. */
export const UNLOCK: FormDef = {
  id: 'LOCK',
  mke: 'SON',
  title: 'SESSION LOCKED',
  fields: [
    field('PWD', 'PASSWORD     ', 30, 128, 0, 0, 'PASSWORD (NOT SHOWN, NEVER KEPT)', { required: true, secret: true, keepCase: true }),
    field('OTP', 'ONE-TIME CODE', 8, 8, 2, 0, 'ONE-TIME CODE, IF YOUR ACCOUNT HAS ONE', { keepCase: true }),
  ],
  build(v, ctx) {
    const text = compose('SON', ctx.ori, [['USR', ctx.user], ['PWD', v.PWD], ['OTP', v.OTP]]);
    return { ok: true, text, summary: `SIGN ON ${ctx.user}` };
  },
};

// ---- inquiries (QPO, ICD 4) ------------------------------------------------------------------

/** Roles that may add HST/Y to an inquiry (ICD 4.2). */
export const HISTORY_ROLES: readonly string[] = ['CLERK', 'JUDGE'];

const hstField = (row: number) =>
  field('HST', 'HST', 1, 1, row, 0, 'HST: Y = INCLUDE INACTIVE ORDERS (EXPIRED, CLEARED, CANCELLED)', { caption: 'Y = INCLUDE INACTIVE ORDERS' });

function inquiry(id: string, title: string, fields: FieldDef[], needs: [string, string?]): FormDef {
  return {
    id,
    mke: 'QPO',
    title,
    fields,
    captionCol: 40,
    build(v, ctx) {
      const [a, b] = needs;
      if (b && v[a] !== '' && v[b] === '') return { ok: false, error: `${b} REQUIRED WITH ${a}`, key: b };
      if (v.HST !== undefined && v.HST !== '' && v.HST !== 'Y') return { ok: false, error: 'HST MUST BE Y', key: 'HST' };
      const pairs = fields.filter((f) => f.key !== 'HST').map((f) => [f.tag, v[f.key]] as const);
      const text = compose('QPO', ctx.ori, [...pairs, ['HST', v.HST]]);
      const criteria = pairs.filter(([, x]) => x).map(([t, x]) => `${t}/${x}`).join(' ');
      return { ok: true, text, summary: `QPO ${criteria}${v.HST === 'Y' ? ' HST/Y' : ''}` };
    },
  };
}

/** The six inquiry forms of QPO; HST only for roles that may use it. */
export function inquiryForms(role: string): FormDef[] {
  const hst = HISTORY_ROLES.includes(role);
  const withHst = (fs: FieldDef[]) => (hst ? [...fs, hstField(fs.length * 2)] : fs);
  return [
    inquiry('QPO-NAM', 'RESTRAINED PERSON: NAM + DOB (+ SEX)', withHst([
      field('NAM', 'NAM', 30, 30, 0, 0, HINT.NAM, { required: true, caption: 'LAST, FIRST MIDDLE' }),
      field('DOB', 'DOB', 8, 8, 2, 0, HINT.DOB, { required: true, caption: 'DATE OF BIRTH CCYYMMDD' }),
      field('SEX', 'SEX', 1, 1, 4, 0, `OPTIONAL ${HINT.SEX}`, { caption: 'M F X U (OPTIONAL)' }),
    ]), ['NAM', 'DOB']),
    inquiry('QPO-PPN', 'PROTECTED PERSON: PPN + PPB (+ PSX)', withHst([
      field('PPN', 'PPN', 30, 30, 0, 0, `PROTECTED PERSON ${HINT.NAM}`, { required: true, caption: 'PROTECTED PERSON: LAST, FIRST' }),
      field('PPB', 'PPB', 8, 8, 2, 0, `PROTECTED PERSON ${HINT.DOB}`, { required: true, caption: 'DATE OF BIRTH CCYYMMDD' }),
      field('PSX', 'PSX', 1, 1, 4, 0, `OPTIONAL PROTECTED PERSON ${HINT.SEX}`, { caption: 'M F X U (OPTIONAL)' }),
    ]), ['PPN', 'PPB']),
    inquiry('QPO-PNO', 'ORDER NUMBER: PNO', withHst([field('PNO', 'PNO', 12, 12, 0, 0, HINT.PNO, { required: true, caption: 'PO + 10 DIGITS' })]), ['PNO']),
    inquiry('QPO-FCN', 'CARPOS FILE CONTROL NUMBER: FCN', withHst([
      field('FCN', 'FCN', 13, 13, 0, 0, 'CARPOS FILE CONTROL NUMBER: 13 DIGITS', { required: true, caption: '13 DIGITS' }),
    ]), ['FCN']),
    inquiry('QPO-OLN', 'DRIVER LICENCE: OLN + OLS', withHst([
      field('OLN', 'OLN', 20, 20, 0, 0, 'DRIVER LICENCE NUMBER: LETTERS AND DIGITS', { required: true, caption: 'LICENCE NUMBER' }),
      field('OLS', 'OLS', 2, 2, 2, 0, 'LICENCE STATE: 2 LETTERS (CA)', { required: true, caption: 'STATE (CA)' }),
    ]), ['OLN', 'OLS']),
    inquiry('QPO-OCA', 'COURT CASE: OCA + CTI', withHst([
      field('OCA', 'OCA', 20, 20, 0, 0, 'COURT CASE NUMBER: LETTERS, DIGITS, HYPHENS', { required: true, caption: 'COURT CASE NUMBER' }),
      field('CTI', 'CTI', 9, 9, 2, 0, `ISSUING COURT ${HINT.ORI}`, { required: true, caption: 'ISSUING COURT ORI' }),
    ]), ['OCA', 'CTI']),
  ];
}

// ---- entry (EPO, ICD 4.1) --------------------------------------------------------------------

const PERSONS = 3;

/** EPO: the restrained person and the order on the left, up to three protected persons on the right. */
export const ENTRY: FormDef = {
  id: 'EPO',
  mke: 'EPO',
  title: 'ENTER AN ORDER (EPO)',
  fields: [
    field('NAM', 'NAM', 30, 30, 1, 0, `RESTRAINED PERSON ${HINT.NAM}`, { required: true }),
    field('SEX', 'SEX', 1, 1, 2, 0, HINT.SEX, { required: true }),
    field('RAC', 'RAC', 1, 1, 2, 8, HINT.RAC, { required: true }),
    field('DOB', 'DOB', 8, 8, 2, 16, HINT.DOB, { required: true }),
    field('HGT', 'HGT', 3, 3, 3, 0, 'OPTIONAL HEIGHT FII: 510 = 5 FT 10 IN'),
    field('WGT', 'WGT', 3, 3, 3, 10, 'OPTIONAL WEIGHT IN POUNDS'),
    field('EYE', 'EYE', 3, 3, 3, 20, 'OPTIONAL EYES: BRO BLK BLU GRN HAZ GRY ...'),
    field('HAI', 'HAI', 3, 3, 3, 30, 'OPTIONAL HAIR: BRO BLK BLN RED GRY WHI SDY ...'),
    field('OLN', 'OLN', 20, 20, 4, 0, 'OPTIONAL DRIVER LICENCE NUMBER (WITH OLS)'),
    field('OLS', 'OLS', 2, 2, 4, 28, 'LICENCE STATE, 2 LETTERS (WITH OLN)'),
    field('AKA', 'AKA', 30, 30, 5, 0, `OPTIONAL ALIAS, ${HINT.NAM}`),
    field('TYP', 'TYP', 5, 5, 7, 0, 'ORDER TYPE: EPO DVTRO DVRO CHTRO CHRO EATRO EARO WVTRO WVRO SVTRO SVRO GVEPO GVTRO GVRO CPO JVRO OOS', { required: true }),
    field('OCA', 'OCA', 20, 20, 7, 12, 'COURT CASE NUMBER', { required: true }),
    field('CTI', 'CTI', 9, 9, 8, 0, 'ISSUING COURT: YOUR ORI', { required: true }),
    field('ISD', 'ISD', 8, 8, 8, 16, 'ISSUE DATE CCYYMMDD', { required: true }),
    field('EXP', 'EXP', 8, 8, 9, 0, 'EXPIRATION CCYYMMDD OR NONEXP', { required: true }),
    field('PCO', 'PCO', 14, 14, 9, 15, 'CONDITIONS 01-09, SPACE SEPARATED (04 NEEDS DST, 08 NEEDS MIS)', { required: true }),
    field('DST', 'DST', 4, 4, 10, 0, 'STAY-AWAY DISTANCE IN YARDS (REQUIRED WITH PCO 04)'),
    field('BRD', 'BRD', 1, 1, 10, 11, 'BRADY FIREARMS PROHIBITION: Y N U'),
    ...Array.from({ length: PERSONS }, (_, i) => [
      field(`PPN${i + 1}`, `${i + 1} PPN`, 30, 30, 1 + i * 3, 40, `PROTECTED PERSON ${i + 1} ${HINT.NAM}`, { required: i === 0 }),
      field(`PSX${i + 1}`, '  PSX', 1, 1, 2 + i * 3, 40, `PROTECTED PERSON ${i + 1} ${HINT.SEX}`, { required: i === 0 }),
      field(`PPR${i + 1}`, 'PPR', 1, 1, 2 + i * 3, 50, `OPTIONAL PROTECTED PERSON ${i + 1} ${HINT.RAC}`),
      field(`PPB${i + 1}`, 'PPB', 8, 8, 2 + i * 3, 58, `PROTECTED PERSON ${i + 1} ${HINT.DOB}`, { required: i === 0 }),
    ]).flat(),
    field('SRV', 'SRV', 1, 1, 10, 40, 'SERVED AT ISSUE: Y (THEN SDT AND SHW) OR N'),
    field('SDT', 'SDT', 12, 12, 10, 48, 'SERVICE DATE AND TIME CCYYMMDDHHMM (WITH SRV/Y)'),
    field('SHW', 'SHW', 8, 8, 11, 40, 'HOW SERVED: PERSONAL VERBAL COURT MAIL (WITH SRV/Y)'),
    field('SVB', 'SVB', 16, 30, 11, 55, 'SERVED BY: OFFICER NAME AND BADGE (WITH SRV/Y)'),
    field('MIS', 'MIS', 70, 500, 13, 0, `${HINT.MIS} (REQUIRED WITH PCO 08)`, { freeText: true }),
  ],
  build(v, ctx) {
    const pairs: [string, string | undefined][] = [
      ['NAM', v.NAM], ['SEX', v.SEX], ['RAC', v.RAC], ['DOB', v.DOB], ['HGT', v.HGT], ['WGT', v.WGT],
      ['EYE', v.EYE], ['HAI', v.HAI], ['OLN', v.OLN], ['OLS', v.OLS], ['AKA', v.AKA],
      ['TYP', v.TYP], ['OCA', v.OCA], ['CTI', v.CTI], ['ISD', v.ISD], ['EXP', v.EXP], ['PCO', v.PCO],
      ['DST', v.DST], ['BRD', v.BRD], ['SRV', v.SRV], ['SDT', v.SDT], ['SHW', v.SHW], ['SVB', v.SVB],
    ];
    for (let i = 1; i <= PERSONS; i++) {
      const group = ['PPN', 'PSX', 'PPR', 'PPB'].map((t): [string, string] => [t, v[`${t}${i}`] ?? '']);
      if (group.every(([, x]) => x === '')) continue;
      if (!v[`PPN${i}`]) return { ok: false, error: `PPN REQUIRED FOR PROTECTED PERSON ${i}`, key: `PPN${i}` };
      for (const t of ['PSX', 'PPB']) {
        if (!v[`${t}${i}`]) return { ok: false, error: `${t} REQUIRED FOR PROTECTED PERSON ${i}`, key: `${t}${i}` };
      }
      pairs.push(...group);
    }
    pairs.push(['MIS', v.MIS]);
    const text = compose('EPO', ctx.ori, pairs);
    return { ok: true, text, summary: `EPO ${v.TYP} OCA/${v.OCA} NAM/${v.NAM}` };
  },
};

// ---- service (SPO) ---------------------------------------------------------------------------

export const SERVICE: FormDef = {
  id: 'SPO',
  mke: 'SPO',
  title: 'RECORD SERVICE OF AN ORDER (SPO)',
  captionCol: 40,
  fields: [
    field('PNO', 'PNO', 12, 12, 0, 0, HINT.PNO, { required: true, caption: 'ORDER SERVED' }),
    field('SDT', 'SDT', 12, 12, 2, 0, 'DATE AND TIME SERVED, LOCAL: CCYYMMDDHHMM', { required: true, caption: 'WHEN: CCYYMMDDHHMM' }),
    field('SHW', 'SHW', 8, 8, 4, 0, 'HOW SERVED: PERSONAL VERBAL COURT MAIL', { required: true, caption: 'PERSONAL VERBAL COURT MAIL' }),
    field('SVB', 'SVB', 30, 30, 6, 0, 'SERVED BY: NAME AND BADGE (OFC J SMITH #1234)', { caption: 'SERVED BY (OPTIONAL)' }),
    field('MIS', 'MIS', 70, 500, 8, 0, HINT.MIS, { freeText: true }),
  ],
  build(v, ctx) {
    const text = compose('SPO', ctx.ori, [['PNO', v.PNO], ['SDT', v.SDT], ['SHW', v.SHW], ['SVB', v.SVB], ['MIS', v.MIS]]);
    return { ok: true, text, summary: `SPO PNO/${v.PNO}` };
  },
};

// ---- administrative message (AM) -------------------------------------------------------------

export const ADMIN_MESSAGE: FormDef = {
  id: 'AM',
  mke: 'AM',
  title: 'ADMINISTRATIVE MESSAGE (AM)',
  captionCol: 40,
  fields: [
    field('DES', 'DES', 9, 9, 0, 0, `DESTINATION ${HINT.ORI}`, { required: true, caption: 'DESTINATION ORI' }),
    field('MIS', 'MIS', 70, 500, 2, 0, `MESSAGE TEXT, ${HINT.MIS}`, { required: true, freeText: true }),
  ],
  build(v, ctx) {
    if (!ORI_PATTERN.test(v.DES!)) return { ok: false, error: 'DES MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS', key: 'DES' };
    return { ok: true, text: compose('AM', ctx.ori, [['DES', v.DES], ['MIS', v.MIS]]), summary: `AM DES/${v.DES}` };
  },
};

/** May this role send this key (protocol's MAY_SEND, ICD 4)? */
export const maySend = (role: string, mke: MessageKey): boolean => (MAY_SEND[mke] as readonly string[]).includes(role as Role);
