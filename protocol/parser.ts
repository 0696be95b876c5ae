// Inbound message text → typed message (ICD 3, 4, 4.1), and back (formatMessage, for clients).
//
// Checks run in this order, and the first failure is the answer (SPEC.md "Order of checks"):
//   LEN (> 4096 bytes) · CHR (a byte outside 0x20–0x7E) · FRM (empty, no key) · MKE (unknown key)
//   · FRM (no ORI, empty field, field without TAG/) · FLD ORI form · FLD per field in text order
//   (unknown tag, not allowed for the key, repeated, value form) · FLD required tags · FLD rules
//   between fields.
// MKE and CTL are read before any check so that a rejection can echo them in the reply header.
import { MAX_TEXT, type FrameProblemReason } from './framing.ts';
import { controlSchema, isTag, oriSchema, type FieldValue, type Tag, validateField } from './fields.ts';
import {
  MESSAGE_KEYS,
  REJECT_CODES,
  type InboundMessage,
  type Inquiry,
  type MessageKey,
  type OrderFields,
  type ParseResult,
  type ProtectedPersonFields,
  type RejectCode,
  type Rejection,
} from './messages.ts';
import { checkOrder } from './order-rules.ts';

export interface ParseContext {
  /** Today in California, CCYYMMDD: DOB, PPB and SDT may not be later. */
  today: string;
}

/** Tags whose values are taken exactly as sent (not folded to upper case). */
const CASE_KEPT: ReadonlySet<string> = new Set(['PWD', 'OTP']);
const PERSON_GROUP: ReadonlySet<Tag> = new Set(['PPN', 'PSX', 'PPR', 'PPB']);
/** Most aliases and extra YQ destinations one message may carry. */
const MAX_AKA = 10;
const MAX_YQ_DES = 2;

const ORDER_TAGS = [
  'NAM', 'SEX', 'RAC', 'DOB', 'HGT', 'WGT', 'EYE', 'HAI', 'OLN', 'OLS', 'AKA',
  'TYP', 'OCA', 'ISD', 'EXP', 'PCO', 'DST', 'BRD', 'SRV', 'SDT', 'SHW', 'SVB',
  'PPN', 'PSX', 'PPR', 'PPB', 'MIS',
] as const satisfies readonly Tag[];

interface KeyRules {
  allowed: readonly Tag[];
  required: readonly Tag[];
}

const RULES: Record<MessageKey, KeyRules> = {
  SON: { allowed: ['USR', 'PWD', 'OTP'], required: ['USR', 'PWD'] },
  SOF: { allowed: [], required: [] },
  QPO: {
    allowed: ['NAM', 'DOB', 'SEX', 'PPN', 'PPB', 'PSX', 'PNO', 'FCN', 'OLN', 'OLS', 'OCA', 'CTI', 'HST'],
    required: [],
  },
  EPO: { allowed: [...ORDER_TAGS, 'CTI'], required: ['NAM', 'SEX', 'RAC', 'DOB', 'TYP', 'OCA', 'ISD', 'EXP', 'PCO'] },
  MPO: { allowed: ['PNO', ...ORDER_TAGS], required: ['PNO'] },
  XPO: { allowed: ['PNO', 'MIS'], required: ['PNO'] },
  CPO: { allowed: ['PNO', 'MIS'], required: ['PNO'] },
  SPO: { allowed: ['PNO', 'SDT', 'SHW', 'SVB', 'MIS'], required: ['PNO', 'SDT', 'SHW'] },
  YQ: { allowed: ['PNO', 'RTY', 'RNO', 'PRI', 'DES', 'MIS'], required: ['PNO', 'RTY', 'RNO', 'PRI'] },
  YR: { allowed: ['PNO', 'RNO', 'CNF', 'TIM', 'DES', 'MIS'], required: ['PNO', 'RNO', 'CNF'] },
  AM: { allowed: ['DES', 'MIS'], required: ['DES', 'MIS'] },
  ULK: { allowed: ['USR'], required: ['USR'] },
};

/** The inquiry forms of QPO (ICD 4), each with its tags; the first `need` tags are required. */
const QPO_FORMS = [
  { form: 'NAME', tags: ['NAM', 'DOB', 'SEX'], need: 2 },
  { form: 'PROTECTED', tags: ['PPN', 'PPB', 'PSX'], need: 2 },
  { form: 'PNO', tags: ['PNO'], need: 1 },
  { form: 'FCN', tags: ['FCN'], need: 1 },
  { form: 'LICENCE', tags: ['OLN', 'OLS'], need: 2 },
  { form: 'CASE', tags: ['OCA', 'CTI'], need: 2 },
] as const satisfies readonly { form: Inquiry['form']; tags: readonly Tag[]; need: number }[];
type QpoForm = (typeof QPO_FORMS)[number];
const QPO_FORM_OF = new Map<Tag, QpoForm>(QPO_FORMS.flatMap((f) => f.tags.map((t) => [t as Tag, f] as const)));

const isKey = (s: string): s is MessageKey => (MESSAGE_KEYS as readonly string[]).includes(s);

// ---- reading ------------------------------------------------------------------------------

/** Splits at `.`, except that a field starting `MIS/` runs to the end of the text. */
function splitSegments(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (out.length >= 2 && text.slice(i, i + 4).toUpperCase() === 'MIS/') {
      out.push(text.slice(i));
      return out;
    }
    const dot = text.indexOf('.', i);
    if (dot < 0) {
      out.push(text.slice(i));
      return out;
    }
    out.push(text.slice(i, dot));
    i = dot + 1;
  }
}

const trimSpaces = (s: string) => s.replace(/^ +| +$/g, '');

/**
 * MKE and CTL as far as they can be read, for the header of a rejection. `partial`: the text was
 * cut short (too long, or an unterminated frame), so its last field may be incomplete and is not read.
 */
export function readEchoFields(text: string, partial = false): { mke?: string; ctl?: string } {
  const segs = splitSegments(partial ? text.replace(/^ +/, '') : trimSpaces(text));
  const out: { mke?: string; ctl?: string } = {};
  const key = segs[0]!.toUpperCase();
  if (/^[A-Z]{2,4}$/.test(key) && (!partial || segs.length > 1)) out.mke = key;
  const last = partial ? segs.length - 1 : segs.length;
  for (let i = 2; i < last; i++) {
    const s = segs[i]!;
    if (s.slice(0, 4).toUpperCase() !== 'CTL/') continue;
    const v = s.slice(4).toUpperCase();
    if (controlSchema.safeParse(v).success) out.ctl = v;
    break;
  }
  return out;
}

/** The rejection for a frame or line longer than MAX_TEXT (FrameDecoder's `too-long` event). */
export function tooLongRejection(head: string): Rejection {
  return { code: 'LEN', text: `MESSAGE TOO LONG - MORE THAN ${MAX_TEXT} BYTES`, ...readEchoFields(head, true) };
}

/** The rejection for a FrameDecoder `malformed` event. */
export function frameProblemRejection(e: { reason: FrameProblemReason; text: string }): Rejection {
  switch (e.reason) {
    case 'outside-frame':
      return { code: 'FRM', text: 'BYTES OUTSIDE A FRAME (NOT BETWEEN STX AND ETX)' };
    case 'interrupted':
      return { code: 'FRM', text: 'FRAME INTERRUPTED BY STX BEFORE ITS ETX', ...readEchoFields(e.text, true) };
    case 'unterminated':
      return { code: 'FRM', text: 'FRAME NOT TERMINATED BY ETX', ...readEchoFields(e.text, true) };
  }
}

class Reject {
  constructor(
    readonly code: RejectCode,
    readonly text: string,
  ) {}
}
const fld = (text: string) => new Reject('FLD', text);
const frm = (text: string) => new Reject('FRM', text);
/** A tag or key as the sender wrote it, short enough for an 80-column REJ line. */
const shown = (s: string) => (s.length > 12 ? `${s.slice(0, 12)}...` : s);

interface Field {
  tag: string;
  value: string;
}

interface PersonDraft {
  PPN?: string;
  PSX?: FieldValue<'PSX'>;
  PPR?: FieldValue<'PPR'>;
  PPB?: string;
}

/** The validated fields of one message. */
class Fields {
  readonly #single = new Map<Tag, unknown>();
  readonly persons: PersonDraft[] = [];
  readonly aka: string[] = [];
  readonly des: string[] = [];
  /** Tags in the order they appeared (first appearance). */
  readonly order: Tag[] = [];

  has(t: Tag): boolean {
    return this.#single.has(t) || (t === 'AKA' && this.aka.length > 0) || (t === 'DES' && this.des.length > 0);
  }
  get<T extends Tag>(t: T): FieldValue<T> | undefined {
    return this.#single.get(t) as FieldValue<T> | undefined;
  }
  need<T extends Tag>(t: T): FieldValue<T> {
    return this.#single.get(t) as FieldValue<T>;
  }
  set(t: Tag, v: unknown): void {
    this.#single.set(t, v);
  }
}

// ---- parseMessage -------------------------------------------------------------------------

/** Parses one inbound message text (as FrameDecoder gave it: one character per byte). */
export function parseMessage(text: string, ctx: ParseContext): ParseResult {
  const echo = readEchoFields(text);
  try {
    return { ok: true, message: parse(text, ctx) };
  } catch (e) {
    if (!(e instanceof Reject)) throw e;
    const rejection: Rejection = { code: e.code, text: e.text };
    if (echo.mke !== undefined) rejection.mke = echo.mke;
    if (echo.ctl !== undefined) rejection.ctl = echo.ctl;
    return { ok: false, rejection };
  }
}

function parse(raw: string, ctx: ParseContext): InboundMessage {
  if (raw.length > MAX_TEXT) throw new Reject('LEN', `MESSAGE TOO LONG - ${raw.length} BYTES, AT MOST ${MAX_TEXT}`);
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      const hex = c.toString(16).toUpperCase().padStart(2, '0');
      throw new Reject('CHR', `INVALID CHARACTER X'${hex}' AT POSITION ${i + 1}`);
    }
  }
  const text = trimSpaces(raw);
  if (text === '') throw frm('EMPTY MESSAGE');

  const segs = splitSegments(text);
  // One period after the last field is allowed (NCIC habit); after MIS it is part of the text.
  if (segs.length > 2 && segs[segs.length - 1] === '') segs.pop();
  const key = segs[0]!.toUpperCase();
  if (key === '' || key.includes('/')) throw frm('MESSAGE KEY MISSING');
  if (!isKey(key)) throw new Reject('MKE', /^[A-Z]{2,4}$/.test(key) ? `UNKNOWN MESSAGE KEY ${key}` : 'UNKNOWN MESSAGE KEY');
  const oriText = segs[1];
  if (oriText === undefined || oriText === '' || oriText.includes('/')) throw frm('ORI MISSING AFTER THE MESSAGE KEY');

  const fields: Field[] = [];
  for (let i = 2; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '') throw frm(`FIELD ${i - 1} IS EMPTY (TWO PERIODS IN A ROW)`);
    const slash = s.indexOf('/');
    if (slash < 0) throw frm(`FIELD ${i - 1} HAS NO TAG/`);
    if (slash === 0) throw frm(`FIELD ${i - 1} HAS NO TAG BEFORE /`);
    const tag = s.slice(0, slash).toUpperCase();
    const value = s.slice(slash + 1);
    fields.push({ tag, value: CASE_KEPT.has(tag) ? value : value.toUpperCase() });
  }

  const ori = oriText.toUpperCase();
  const oriCheck = oriSchema.safeParse(ori);
  if (!oriCheck.success) throw fld(`ORI ${oriCheck.error.issues[0]?.message ?? 'INVALID'}`);

  const f = readFields(key, fields, ctx);
  const ctl = f.get('CTL');
  const base = ctl === undefined ? { ori } : { ori, ctl };
  return { ...base, ...buildMessage(key, ori, f, ctx) };
}

/** Pass 1: every field in text order — known, allowed, not repeated, well formed. */
function readFields(key: MessageKey, fields: Field[], ctx: ParseContext): Fields {
  const rules = RULES[key];
  const grouped = key === 'EPO' || key === 'MPO';
  const out = new Fields();
  let qpoForm: { form: QpoForm; tag: Tag } | undefined;

  for (const { tag, value } of fields) {
    if (!isTag(tag)) throw fld(`${shown(tag)} UNKNOWN TAG`);
    if (tag !== 'CTL' && !rules.allowed.includes(tag)) {
      if (key === 'MPO' && tag === 'CTI') throw fld('CTI CANNOT BE CHANGED');
      throw fld(`${tag} NOT ALLOWED IN ${key}`);
    }
    if (key === 'QPO' && tag !== 'HST' && tag !== 'CTL') {
      const form = QPO_FORM_OF.get(tag)!;
      if (qpoForm === undefined) qpoForm = { form, tag };
      else if (qpoForm.form !== form) throw fld(`${tag} CANNOT BE COMBINED WITH ${qpoForm.tag} (ONE INQUIRY FORM)`);
    }

    if (grouped && PERSON_GROUP.has(tag)) {
      if (tag === 'PPN') out.persons.push({});
      const person = out.persons[out.persons.length - 1];
      if (person === undefined) throw fld(`${tag} MUST FOLLOW A PPN`);
      if (person[tag as keyof PersonDraft] !== undefined) {
        throw fld(`${tag} REPEATED FOR PROTECTED PERSON ${out.persons.length}`);
      }
      const v = check(tag, value, ctx);
      (person as Record<string, unknown>)[tag] = v;
    } else if (tag === 'AKA') {
      if (out.aka.length === MAX_AKA) throw fld(`AKA AT MOST ${MAX_AKA}`);
      out.aka.push(check(tag, value, ctx));
    } else if (tag === 'DES' && key === 'YQ') {
      if (out.des.length === MAX_YQ_DES) throw fld(`DES AT MOST ${MAX_YQ_DES} (THE ISSUING COURT IS ADDED)`);
      const v = check(tag, value, ctx);
      if (out.des.includes(v)) throw fld(`DES ${v} GIVEN TWICE`);
      out.des.push(v);
    } else {
      if (out.has(tag)) throw fld(`${tag} REPEATED`);
      out.set(tag, check(tag, value, ctx));
    }
    if (!out.order.includes(tag)) out.order.push(tag);
  }
  return out;
}

function check<T extends Tag>(tag: T, value: string, ctx: ParseContext): FieldValue<T> {
  const r = validateField(tag, value, ctx.today);
  if (!r.ok) throw fld(r.text);
  return r.value;
}

/** Passes 2 and 3: required tags, then the rules between fields; builds the typed message. */
function buildMessage(key: MessageKey, ori: string, f: Fields, ctx: ParseContext): MessageBody {
  if (key !== 'QPO') {
    for (const t of RULES[key].required) if (!f.has(t)) throw fld(`${t} REQUIRED`);
  }
  switch (key) {
    case 'SON': {
      const otp = f.get('OTP');
      return { mke: key, usr: f.need('USR'), pwd: f.need('PWD'), ...(otp === undefined ? {} : { otp }) };
    }
    case 'SOF':
      return { mke: key };
    case 'QPO':
      return { mke: key, inquiry: inquiry(f), hst: f.get('HST') === true };
    case 'EPO': {
      if (f.persons.length === 0) throw fld('PPN REQUIRED (AT LEAST ONE PROTECTED PERSON)');
      const fields = orderChanges(f);
      const cti = f.get('CTI') ?? ori;
      if (cti !== ori) throw fld(`CTI MUST BE THE SENDING ORI ${ori}`);
      const order = { ...fields, cti } as OrderFields;
      const problem = checkOrder(order, ctx.today);
      if (problem) throw fld(problem);
      return { mke: key, order };
    }
    case 'MPO': {
      const changes = orderChanges(f);
      if (Object.keys(changes).length === 0) throw fld('MPO NEEDS A FIELD TO CHANGE BESIDES PNO');
      if (changes.srv === 'N') {
        for (const t of ['SDT', 'SHW', 'SVB'] as const) if (f.has(t)) throw fld(`${t} ONLY WITH SRV/Y`);
      }
      return { mke: key, pno: f.need('PNO'), changes };
    }
    case 'XPO':
    case 'CPO':
      return { mke: key, pno: f.need('PNO'), ...opt('mis', f.get('MIS')) };
    case 'SPO':
      return {
        mke: key,
        pno: f.need('PNO'),
        sdt: f.need('SDT'),
        shw: f.need('SHW'),
        ...opt('svb', f.get('SVB')),
        ...opt('mis', f.get('MIS')),
      };
    case 'YQ':
      return {
        mke: key,
        pno: f.need('PNO'),
        rty: f.need('RTY'),
        rno: f.need('RNO'),
        pri: f.need('PRI'),
        des: f.des,
        ...opt('mis', f.get('MIS')),
      };
    case 'YR': {
      const cnf = f.need('CNF');
      const tim = f.get('TIM');
      if (cnf === 'T' && tim === undefined) throw fld('TIM REQUIRED WITH CNF/T');
      if (cnf !== 'T' && tim !== undefined) throw fld('TIM ONLY WITH CNF/T');
      return {
        mke: key,
        pno: f.need('PNO'),
        rno: f.need('RNO'),
        cnf,
        ...opt('tim', tim),
        ...opt('des', f.get('DES')),
        ...opt('mis', f.get('MIS')),
      };
    }
    case 'AM':
      return { mke: key, des: f.need('DES'), mis: f.need('MIS') };
    case 'ULK':
      return { mke: key, usr: f.need('USR') };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type MessageBody = DistributiveOmit<InboundMessage, 'ori' | 'ctl'>;

const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

function inquiry(f: Fields): Inquiry {
  const first = f.order.find((t) => t !== 'HST' && t !== 'CTL');
  if (first === undefined) throw fld('NAM REQUIRED: QPO NEEDS NAM+DOB, PPN+PPB, PNO, FCN, OLN+OLS OR OCA+CTI');
  const form = QPO_FORM_OF.get(first)!;
  for (const t of form.tags.slice(0, form.need)) {
    if (!f.has(t)) throw fld(`${t} REQUIRED WITH ${first}`);
  }
  switch (form.form) {
    case 'NAME':
      return { form: 'NAME', nam: f.need('NAM'), dob: f.need('DOB'), ...opt('sex', f.get('SEX')) };
    case 'PROTECTED':
      return { form: 'PROTECTED', ppn: f.need('PPN'), ppb: f.need('PPB'), ...opt('psx', f.get('PSX')) };
    case 'PNO':
      return { form: 'PNO', pno: f.need('PNO') };
    case 'FCN':
      return { form: 'FCN', fcn: f.need('FCN') };
    case 'LICENCE':
      return { form: 'LICENCE', oln: f.need('OLN'), ols: f.need('OLS') };
    case 'CASE':
      return { form: 'CASE', oca: f.need('OCA'), cti: f.need('CTI') };
  }
}

/** The order fields present in an EPO or MPO (CTI and PNO excepted), protected persons checked. */
function orderChanges(f: Fields): Partial<OrderFields> {
  const o: Partial<OrderFields> = {};
  const put = <K extends keyof OrderFields>(k: K, v: OrderFields[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  put('nam', f.get('NAM'));
  put('sex', f.get('SEX'));
  put('rac', f.get('RAC'));
  put('dob', f.get('DOB'));
  put('hgt', f.get('HGT'));
  put('wgt', f.get('WGT'));
  put('eye', f.get('EYE'));
  put('hai', f.get('HAI'));
  put('oln', f.get('OLN'));
  put('ols', f.get('OLS'));
  if (f.aka.length > 0) o.aka = [...f.aka];
  put('typ', f.get('TYP'));
  put('oca', f.get('OCA'));
  put('isd', f.get('ISD'));
  put('exp', f.get('EXP'));
  put('pco', f.get('PCO'));
  put('dst', f.get('DST'));
  put('brd', f.get('BRD'));
  put('srv', f.get('SRV'));
  put('sdt', f.get('SDT'));
  put('shw', f.get('SHW'));
  put('svb', f.get('SVB'));
  put('mis', f.get('MIS'));
  if (f.persons.length > 0) {
    o.protected = f.persons.map((p, i): ProtectedPersonFields => {
      if (p.PSX === undefined) throw fld(`PSX REQUIRED FOR PROTECTED PERSON ${i + 1}`);
      if (p.PPB === undefined) throw fld(`PPB REQUIRED FOR PROTECTED PERSON ${i + 1}`);
      const person: ProtectedPersonFields = { ppn: p.PPN!, psx: p.PSX, ppb: p.PPB };
      if (p.PPR !== undefined) person.ppr = p.PPR;
      return person;
    });
  }
  return o;
}

// ---- formatMessage ------------------------------------------------------------------------

/**
 * The text of an inbound message, as an MDT or the console sends it: `MKE.ORI.CTL/...` and the
 * key's fields in a fixed order, MIS last. Values are written as given (give them upper case,
 * except PWD and OTP); parseMessage(formatMessage(m)) gives m back for any valid m.
 */
export function formatMessage(m: InboundMessage): string {
  const out: [string, string | number | undefined][] = [['CTL', m.ctl]];
  switch (m.mke) {
    case 'SON':
      out.push(['USR', m.usr], ['PWD', m.pwd], ['OTP', m.otp]);
      break;
    case 'SOF':
      break;
    case 'QPO': {
      const q = m.inquiry;
      switch (q.form) {
        case 'NAME':
          out.push(['NAM', q.nam], ['DOB', q.dob], ['SEX', q.sex]);
          break;
        case 'PROTECTED':
          out.push(['PPN', q.ppn], ['PPB', q.ppb], ['PSX', q.psx]);
          break;
        case 'PNO':
          out.push(['PNO', q.pno]);
          break;
        case 'FCN':
          out.push(['FCN', q.fcn]);
          break;
        case 'LICENCE':
          out.push(['OLN', q.oln], ['OLS', q.ols]);
          break;
        case 'CASE':
          out.push(['OCA', q.oca], ['CTI', q.cti]);
          break;
      }
      if (m.hst) out.push(['HST', 'Y']);
      break;
    }
    case 'EPO':
      out.push(...orderPairs(m.order));
      break;
    case 'MPO':
      out.push(['PNO', m.pno], ...orderPairs(m.changes));
      break;
    case 'XPO':
    case 'CPO':
      out.push(['PNO', m.pno], ['MIS', m.mis]);
      break;
    case 'SPO':
      out.push(['PNO', m.pno], ['SDT', m.sdt], ['SHW', m.shw], ['SVB', m.svb], ['MIS', m.mis]);
      break;
    case 'YQ':
      out.push(['PNO', m.pno], ['RTY', m.rty], ['RNO', m.rno], ['PRI', m.pri], ...m.des.map((d) => ['DES', d] as [string, string]));
      out.push(['MIS', m.mis]);
      break;
    case 'YR':
      out.push(['PNO', m.pno], ['RNO', m.rno], ['CNF', m.cnf], ['TIM', m.tim], ['DES', m.des], ['MIS', m.mis]);
      break;
    case 'AM':
      out.push(['DES', m.des], ['MIS', m.mis]);
      break;
    case 'ULK':
      out.push(['USR', m.usr]);
      break;
  }
  const fields = out.filter(([, v]) => v !== undefined).map(([t, v]) => `${t}/${v}`);
  return [m.mke, m.ori, ...fields].join('.');
}

function orderPairs(o: Partial<OrderFields>): [string, string | number | undefined][] {
  const pairs: [string, string | number | undefined][] = [
    ['NAM', o.nam], ['SEX', o.sex], ['RAC', o.rac], ['DOB', o.dob], ['HGT', o.hgt], ['WGT', o.wgt],
    ['EYE', o.eye], ['HAI', o.hai], ['OLN', o.oln], ['OLS', o.ols],
    ...(o.aka ?? []).map((a) => ['AKA', a] as [string, string]),
    ['TYP', o.typ], ['OCA', o.oca], ['CTI', o.cti], ['ISD', o.isd], ['EXP', o.exp],
    ['PCO', o.pco?.join(' ')], ['DST', o.dst], ['BRD', o.brd],
    ['SRV', o.srv], ['SDT', o.sdt], ['SHW', o.shw], ['SVB', o.svb],
  ];
  for (const p of o.protected ?? []) pairs.push(['PPN', p.ppn], ['PSX', p.psx], ['PPR', p.ppr], ['PPB', p.ppb]);
  pairs.push(['MIS', o.mis]);
  return pairs;
}

/** The standard text of a reject code (REJECT_CODES), for rejections the service produces. */
export const rejectText = (code: RejectCode): string => REJECT_CODES[code];
