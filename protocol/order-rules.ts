// The rules of ICD 4.1 and of California law that tie fields of an order together (issue dates,
// durations by order type, conditions that need other fields). The parser applies them to EPO;
// for MPO the service applies them to the order as it would be after the change (mergeOrder),
// since only it knows the stored values. Each rule's REJ FLD text names the tag and the reason.
import { nthCourtDayAfter } from './court-calendar.ts';
import { addDays } from './fields.ts';
import type { OrderFields, OrderType } from './messages.ts';

/** Calendar days after ISD by which an emergency protective order (EPO-001) ends at the latest. */
export const EPO_MAX_DAYS = 7;
/** Court days after ISD by which an EPO ends, if that comes first (Family Code 6256). */
export const EPO_MAX_COURT_DAYS = 5;

type Limit = { days: number; why: string } | { years: number; why: string } | { epo: true; why: string } | null;

/** How long each type of order may run (ICD 3.2, REFERENCE "California orders"); null: no limit. */
const LIMITS: Record<OrderType, Limit> = {
  EPO: { epo: true, why: '5TH COURT DAY OR 7TH DAY AFTER ISD' },
  GVEPO: { days: 21, why: 'AT MOST 21 DAYS AFTER ISD' },
  GVTRO: { days: 21, why: 'AT MOST 21 DAYS AFTER ISD' },
  DVTRO: { days: 25, why: 'AT MOST 25 DAYS AFTER ISD' },
  CHTRO: { days: 25, why: 'AT MOST 25 DAYS AFTER ISD' },
  EATRO: { days: 25, why: 'AT MOST 25 DAYS AFTER ISD' },
  WVTRO: { days: 25, why: 'AT MOST 25 DAYS AFTER ISD' },
  SVTRO: { days: 25, why: 'AT MOST 25 DAYS AFTER ISD' },
  DVRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  CHRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  EARO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  WVRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  SVRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  GVRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  JVRO: { years: 5, why: 'AT MOST 5 YEARS AFTER ISD' },
  CPO: { years: 10, why: 'AT MOST 10 YEARS AFTER ISD' },
  OOS: null,
};

/** Types that may have no expiration: a renewed DVRO may be permanent (Family Code 6345); a
 * registered out-of-state or tribal order keeps its own terms. */
export const NONEXP_TYPES: readonly OrderType[] = ['DVRO', 'OOS'];

/** ISD plus whole years, on the same calendar date (29 February → 28 February). */
export function addYears(d: string, years: number): string {
  const y = Number(d.slice(0, 4)) + years;
  const md = d.slice(4);
  if (md === '0229' && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return `${y}0228`;
  return `${y}${md}`;
}

/** The latest EXP a type allows for an order issued on `isd`; null when there is no limit. */
export function latestExpiry(typ: OrderType, isd: string): string | null {
  const limit = LIMITS[typ];
  if (!limit) return null;
  if ('epo' in limit) {
    const courtDay = nthCourtDayAfter(isd, EPO_MAX_COURT_DAYS);
    const calendar = addDays(isd, EPO_MAX_DAYS);
    return courtDay < calendar ? courtDay : calendar;
  }
  return 'days' in limit ? addDays(isd, limit.days) : addYears(isd, limit.years);
}

/**
 * The first rule the order breaks, as `REJ/FLD` text naming the tag; null when it keeps them all.
 * `today`: the service's date in California, for the issue date.
 */
export function checkOrder(o: OrderFields, today: string): string | null {
  if (o.protected.length === 0) return 'PPN REQUIRED (AT LEAST ONE PROTECTED PERSON)';
  if (o.pco.includes('04') && o.dst === undefined) return 'DST REQUIRED WHEN PCO HAS 04';
  if (o.pco.includes('08') && !o.mis) return 'MIS REQUIRED WHEN PCO HAS 08';
  if (o.oln !== undefined && o.ols === undefined) return 'OLS REQUIRED WITH OLN';
  if (o.ols !== undefined && o.oln === undefined) return 'OLN REQUIRED WITH OLS';
  if (o.srv === 'Y') {
    if (o.sdt === undefined) return 'SDT REQUIRED WHEN SRV/Y';
    if (o.shw === undefined) return 'SHW REQUIRED WHEN SRV/Y';
  } else {
    if (o.sdt !== undefined) return 'SDT ONLY WITH SRV/Y';
    if (o.shw !== undefined) return 'SHW ONLY WITH SRV/Y';
    if (o.svb !== undefined) return 'SVB ONLY WITH SRV/Y';
  }
  if (o.isd > today) return `ISD ${o.isd} IS IN THE FUTURE`;
  if (o.exp === 'NONEXP') {
    if (!NONEXP_TYPES.includes(o.typ)) return `EXP NONEXP NOT ALLOWED FOR TYP ${o.typ} - GIVE A DATE`;
  } else {
    if (o.exp <= o.isd) return 'EXP MUST BE AFTER ISD';
    const latest = latestExpiry(o.typ, o.isd);
    const limit = LIMITS[o.typ];
    if (latest && limit && o.exp > latest) return `EXP LATER THAN ${latest} (TYP ${o.typ}: ${limit.why})`;
  }
  if (o.sdt !== undefined && o.sdt.slice(0, 8) < o.isd) return 'SDT BEFORE ISD';
  return null;
}

/**
 * The order after an MPO: given fields replace stored ones, given protected persons replace the
 * whole list, given aliases replace the alias list, and `SRV/N` removes SDT, SHW and SVB.
 */
export function mergeOrder(current: OrderFields, changes: Partial<OrderFields>): OrderFields {
  const merged: OrderFields = { ...current };
  for (const [k, v] of Object.entries(changes) as [keyof OrderFields, unknown][]) {
    if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  if (changes.srv === 'N') {
    delete merged.sdt;
    delete merged.shw;
    delete merged.svb;
  }
  return merged;
}
