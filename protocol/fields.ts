// The fields of ICD 3.1: one zod schema per tag, taking the value as the parser read it (already
// folded to upper case, except PWD and OTP) and giving the typed value the handlers use. Error
// messages are the text of `REJ/FLD` after the tag: `DOB` + ` NOT A REAL DATE`.
// Pure: "today" (CCYYMMDD, California) is passed in; there is no clock here.
import { z } from 'zod';
import { ORDER_TYPES } from './messages.ts';

export const ORI_PATTERN = /^[A-Z]{2}[A-Z0-9]{7}$/;
export const EYE_HAIR_CODES = ['BRO', 'BLK', 'BLU', 'GRN', 'HAZ', 'GRY', 'RED', 'SDY', 'WHI', 'BLN', 'XXX'] as const;
export const CONDITION_CODES = ['01', '02', '03', '04', '05', '06', '07', '08', '09'] as const;
export const SERVICE_METHODS = ['PERSONAL', 'VERBAL', 'COURT', 'MAIL'] as const;

/** Every tag the protocol knows (ICD 3.1, plus the AKA extension of SPEC.md). */
export const TAGS = [
  'NAM', 'DOB', 'SEX', 'RAC', 'HGT', 'WGT', 'EYE', 'HAI', 'OLN', 'OLS', 'AKA',
  'PPN', 'PSX', 'PPR', 'PPB',
  'PNO', 'FCN', 'OCA', 'CTI', 'TYP', 'ISD', 'EXP', 'PCO', 'DST', 'BRD',
  'SRV', 'SDT', 'SHW', 'SVB',
  'USR', 'PWD', 'OTP',
  'RTY', 'RNO', 'PRI', 'CNF', 'TIM', 'DES',
  'CTL', 'HST', 'MIS',
] as const;
export type Tag = (typeof TAGS)[number];
const TAG_SET: ReadonlySet<string> = new Set(TAGS);
export const isTag = (s: string): s is Tag => TAG_SET.has(s);

export const MAX_MIS = 500;

// ---- dates -------------------------------------------------------------------------------

/** True for a CCYYMMDD string naming a real calendar date in 1900 or later. */
export function isRealDate(d: string): boolean {
  if (!/^\d{8}$/.test(d)) return false;
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(4, 6));
  const day = Number(d.slice(6, 8));
  const t = new Date(Date.UTC(y, m - 1, day));
  return y >= 1900 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
}

/** True for HHMM from 0000 to 2359. */
export const isRealTime = (t: string) => /^([01]\d|2[0-3])[0-5]\d$/.test(t);

/** True for CCYYMMDDHHMM naming a real date and time. */
export const isRealDateTime = (s: string) => /^\d{12}$/.test(s) && isRealDate(s.slice(0, 8)) && isRealTime(s.slice(8));

/** Adds whole days to a CCYYMMDD date. */
export function addDays(d: string, days: number): string {
  const t = new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)) + days));
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}

// ---- registry order numbers -------------------------------------------------------------------
// `PO`, nine digits from the registry's sequence, and a Luhn check digit, so a PNO mistyped on an
// MDT keyboard is refused as malformed instead of silently not found.

function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The PNO for the registry sequence's value n. */
export function pnoFromSequence(n: number | bigint | string): string {
  const body = String(n).padStart(9, '0');
  if (body.length > 9) throw new RangeError('PNO sequence exhausted');
  return `PO${body}${luhnDigit(body)}`;
}

/** `PO` + nine digits + a Luhn check digit. */
export function isWellFormedPno(pno: string): boolean {
  const m = /^PO(\d{9})(\d)$/.exec(pno);
  return m !== null && luhnDigit(m[1]!) === Number(m[2]);
}

// ---- schemas -----------------------------------------------------------------------------

const NAME_PART = "[A-Z][A-Z'-]*";
const NAME_WORDS = `${NAME_PART}(?: ${NAME_PART})*`;
const NAME_PATTERN = new RegExp(`^${NAME_WORDS}(?:, ?${NAME_WORDS})?$`);

/** `LAST, FIRST MIDDLE SUFFIX`: letters, space, hyphen, apostrophe, at most one comma; ≤ 30. */
export const nameSchema = z
  .string()
  .min(1, { error: 'MUST NOT BE EMPTY', abort: true })
  .max(30, { error: 'LONGER THAN 30 CHARACTERS', abort: true })
  .regex(NAME_PATTERN, "MUST BE LAST, FIRST MIDDLE: LETTERS, SPACE, - ' AND ONE COMMA");

export const oriSchema = z.string().regex(ORI_PATTERN, 'MUST BE 2 LETTERS AND 7 LETTERS OR DIGITS');

const ccyymmdd = z.string().regex(/^\d{8}$/, { error: 'MUST BE CCYYMMDD', abort: true });

/** Any real date (ISD). */
export const dateSchema = ccyymmdd.refine(isRealDate, 'NOT A REAL DATE');

/** A real date not after `today` (DOB, PPB). */
export const pastDateSchema = (today: string) =>
  ccyymmdd.refine(isRealDate, { error: 'NOT A REAL DATE', abort: true }).refine((d) => d <= today, 'IN THE FUTURE');

/** A real date or `NONEXP` (EXP). */
export const expirySchema = z
  .string()
  .refine((v) => v === 'NONEXP' || /^\d{8}$/.test(v), { error: 'MUST BE CCYYMMDD OR NONEXP', abort: true })
  .refine((v) => v === 'NONEXP' || isRealDate(v), 'NOT A REAL DATE');

/** CCYYMMDDHHMM, real, its date not after `today` (SDT). */
export const serviceDateSchema = (today: string) =>
  z
    .string()
    .regex(/^\d{12}$/, { error: 'MUST BE CCYYMMDDHHMM', abort: true })
    .refine(isRealDateTime, { error: 'NOT A REAL DATE AND TIME', abort: true })
    .refine((s) => s.slice(0, 8) <= today, 'IN THE FUTURE');

export const sexSchema = z.enum(['M', 'F', 'X', 'U'], { error: 'MUST BE M, F, X OR U' });
export const raceSchema = z.enum(['A', 'B', 'I', 'W', 'U'], { error: 'MUST BE A, B, I, W OR U' });
export const heightSchema = z.string().regex(/^[1-8](0\d|1[01])$/, 'MUST BE FII: FEET 1-8, INCHES 00-11 (510)');
export const weightSchema = z
  .string()
  .regex(/^\d{1,3}$/, { error: 'MUST BE 1 TO 3 DIGITS', abort: true })
  .transform(Number)
  .refine((n) => n > 0, 'MUST NOT BE ZERO');
export const colourSchema = z.enum(EYE_HAIR_CODES, { error: 'NOT AN NCIC COLOUR CODE (BRO BLK BLU GRN HAZ ...)' });
export const licenceNumberSchema = z.string().regex(/^[A-Z0-9]{1,20}$/, 'MUST BE 1 TO 20 LETTERS OR DIGITS');
export const stateSchema = z.string().regex(/^[A-Z]{2}$/, 'MUST BE 2 LETTERS');
export const pnoSchema = z
  .string()
  .regex(/^PO\d{10}$/, { error: 'MUST BE PO AND 10 DIGITS', abort: true })
  .refine(isWellFormedPno, 'CHECK DIGIT WRONG');
export const fcnSchema = z.string().regex(/^\d{13}$/, 'MUST BE 13 DIGITS');
export const caseNumberSchema = z.string().regex(/^[A-Z0-9-]{1,20}$/, 'MUST BE 1 TO 20 LETTERS, DIGITS OR HYPHENS');
export const orderTypeSchema = z.enum(ORDER_TYPES, { error: 'NOT AN ORDER TYPE (EPO DVTRO DVRO CHTRO ...)' });

/** `01 04 05`: NCIC codes 01–09, one space apart, each at most once. */
export const conditionsSchema = z
  .string()
  .regex(/^\d\d( \d\d)*$/, { error: 'MUST BE CODES 01-09 SEPARATED BY SPACES', abort: true })
  .transform((s) => s.split(' '))
  .refine((codes) => codes.every((c) => (CONDITION_CODES as readonly string[]).includes(c)), {
    error: 'CODES MUST BE 01 TO 09',
    abort: true,
  })
  .refine((codes) => new Set(codes).size === codes.length, 'CODE REPEATED');

export const distanceSchema = z
  .string()
  .regex(/^\d{1,4}$/, { error: 'MUST BE 1 TO 4 DIGITS', abort: true })
  .transform(Number)
  .refine((n) => n > 0, 'MUST NOT BE ZERO');
export const bradySchema = z.enum(['Y', 'N', 'U'], { error: 'MUST BE Y, N OR U' });
export const yesNoSchema = z.enum(['Y', 'N'], { error: 'MUST BE Y OR N' });
export const serviceMethodSchema = z.enum(SERVICE_METHODS, { error: 'MUST BE PERSONAL, VERBAL, COURT OR MAIL' });
export const servedBySchema = z.string().regex(/^[A-Z0-9][A-Z0-9 ,'#-]{0,29}$/, 'MUST BE 1 TO 30 LETTERS, DIGITS, SPACE , \' # -');
export const userSchema = z.string().regex(/^[A-Z0-9_-]{1,30}$/, 'MUST BE 1 TO 30 LETTERS, DIGITS, _ OR -');
/** Taken exactly as sent; `.` cannot occur (it ends the field). */
export const passwordSchema = z.string().regex(/^[\x20-\x7e]{1,128}$/, 'MUST BE 1 TO 128 CHARACTERS');
export const otpSchema = z.string().regex(/^\d{6,8}$/, 'MUST BE 6 TO 8 DIGITS');
export const requestTypeSchema = z.literal('PO', { error: 'MUST BE PO' });
export const requestNumberSchema = z.enum(['1', '2', '3'], { error: 'MUST BE 1, 2 OR 3' }).transform(Number);
export const prioritySchema = z.enum(['U', 'R'], { error: 'MUST BE U OR R' });
export const confirmSchema = z.enum(['Y', 'N', 'T'], { error: 'MUST BE Y, N OR T' });
export const timeSchema = z
  .string()
  .regex(/^\d{4}$/, { error: 'MUST BE HHMM', abort: true })
  .refine(isRealTime, 'NOT A REAL TIME');
/** 1–10 characters, no leading or trailing space. */
export const controlSchema = z.string().regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,8}[\x21-\x7e])?$/, 'MUST BE 1 TO 10 CHARACTERS');
export const historySchema = z.literal('Y', { error: 'MUST BE Y' }).transform(() => true as const);
export const miscSchema = z
  .string()
  .min(1, { error: 'MUST NOT BE EMPTY', abort: true })
  .max(MAX_MIS, `LONGER THAN ${MAX_MIS} CHARACTERS`);

/** The schema of every tag; the date-relative ones are built for `today`. */
function buildSchemas(today: string) {
  const pastDate = pastDateSchema(today);
  return {
    NAM: nameSchema, DOB: pastDate, SEX: sexSchema, RAC: raceSchema, HGT: heightSchema, WGT: weightSchema,
    EYE: colourSchema, HAI: colourSchema, OLN: licenceNumberSchema, OLS: stateSchema, AKA: nameSchema,
    PPN: nameSchema, PSX: sexSchema, PPR: raceSchema, PPB: pastDate,
    PNO: pnoSchema, FCN: fcnSchema, OCA: caseNumberSchema, CTI: oriSchema, TYP: orderTypeSchema,
    ISD: dateSchema, EXP: expirySchema, PCO: conditionsSchema, DST: distanceSchema, BRD: bradySchema,
    SRV: yesNoSchema, SDT: serviceDateSchema(today), SHW: serviceMethodSchema, SVB: servedBySchema,
    USR: userSchema, PWD: passwordSchema, OTP: otpSchema,
    RTY: requestTypeSchema, RNO: requestNumberSchema, PRI: prioritySchema, CNF: confirmSchema, TIM: timeSchema,
    DES: oriSchema, CTL: controlSchema, HST: historySchema, MIS: miscSchema,
  } satisfies Record<Tag, z.ZodType<unknown, string>>;
}
export type FieldSchemas = ReturnType<typeof buildSchemas>;
export type FieldValue<T extends Tag> = z.output<FieldSchemas[T]>;

let cached: { today: string; schemas: FieldSchemas } | undefined;

/** The schemas for `today` (CCYYMMDD); built once per day. */
export function fieldSchemas(today: string): FieldSchemas {
  if (cached?.today !== today) cached = { today, schemas: buildSchemas(today) };
  return cached.schemas;
}

export type FieldCheck<T extends Tag> = { ok: true; value: FieldValue<T> } | { ok: false; text: string };

/** Validates one value: the typed value, or the `REJ/FLD` text naming the tag. */
export function validateField<T extends Tag>(tag: T, value: string, today: string): FieldCheck<T> {
  const schema = fieldSchemas(today)[tag] as unknown as z.ZodType<FieldValue<T>, string>;
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  if (value === '') return { ok: false, text: `${tag} MUST NOT BE EMPTY` };
  return { ok: false, text: `${tag} ${r.error.issues[0]?.message ?? 'INVALID'}` };
}
