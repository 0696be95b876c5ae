// The rules of ICD 4.1 that tie fields of an order together. The parser applies them to EPO; for
// MPO the service applies them to the order as it would be after the change (mergeOrder), since
// only it knows the stored values.
import { addDays } from './fields.ts';
import type { OrderFields } from './messages.ts';

/** Days after ISD by which an emergency protective order (TYP/EPO, EPO-001) must expire. */
export const EPO_MAX_DAYS = 7;

/** The first rule the order breaks, as `REJ/FLD` text naming the tag; null when it keeps them all. */
export function checkOrder(o: OrderFields): string | null {
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
  if (o.exp !== 'NONEXP' && o.exp < o.isd) return 'EXP BEFORE ISD';
  if (o.typ === 'EPO' && (o.exp === 'NONEXP' || o.exp > addDays(o.isd, EPO_MAX_DAYS))) {
    return `EXP MORE THAN ${EPO_MAX_DAYS} DAYS AFTER ISD FOR TYP EPO`;
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
