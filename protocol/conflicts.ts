// Conflicting orders (issue 5, REFERENCE "California orders"): when two active orders restrain
// the same person and protect someone in common, their terms may contradict each other. Which
// contradictions count, and which order an officer enforces (Family Code 6457, Penal Code
// 136.2(c), Family Code 6383(h)). Pure functions over the NCIC condition codes of ICD 3.1.

/** The terms of an order that conflicts are judged on. */
export interface OrderTerms {
  pno: string;
  typ: string;
  isd: string; // CCYYMMDD
  pco: readonly string[];
  dst: number | null;
}

/** Why two orders conflict (SPEC 13 gives each in words). */
export type ConflictKind = 'CONTACT' | 'DISTANCE' | 'RESIDENCE' | 'CUSTODY';

const has = (o: OrderTerms, code: string) => o.pco.includes(code);

/**
 * The kinds of contradiction between two orders that restrain the same person and protect someone
 * in common; empty when their terms agree.
 *  - CONTACT: one forbids all contact (05), the other allows it (no 05) or grants visitation (06).
 *  - DISTANCE: both order a stay-away (04) with different distances.
 *  - RESIDENCE: one gives the protected person the residence (03), the other lets them live
 *    together (neither 03, 04 nor 05).
 *  - CUSTODY: one gives the restrained person visitation or custody (06), the other gives the
 *    protected person exclusive custody (09).
 */
export function conflictKinds(a: OrderTerms, b: OrderTerms): ConflictKind[] {
  const kinds: ConflictKind[] = [];
  const contact = (x: OrderTerms, y: OrderTerms) => has(x, '05') && (!has(y, '05') || has(y, '06'));
  if (contact(a, b) || contact(b, a)) kinds.push('CONTACT');
  if (has(a, '04') && has(b, '04') && a.dst !== null && b.dst !== null && a.dst !== b.dst) kinds.push('DISTANCE');
  const together = (x: OrderTerms) => !has(x, '03') && !has(x, '04') && !has(x, '05');
  if ((has(a, '03') && together(b)) || (has(b, '03') && together(a))) kinds.push('RESIDENCE');
  if ((has(a, '06') && has(b, '09')) || (has(b, '06') && has(a, '09'))) kinds.push('CUSTODY');
  return kinds;
}

const EMERGENCY = new Set(['EPO', 'GVEPO']);
const CRIMINAL = new Set(['CPO']);

/**
 * Orders ranked as an officer must enforce them, the one that prevails first: (1) an emergency
 * protective order; (2) a no-contact order; (3) a criminal order, the one issued last; (4) the most
 * recent civil order. Later issue date first within a rank; the later PNO breaks a tie (entered last).
 */
export function byPrecedence<T extends OrderTerms>(orders: readonly T[]): T[] {
  const rank = (o: OrderTerms): [number, number, number] => [
    EMERGENCY.has(o.typ) ? 1 : 0,
    has(o, '05') ? 1 : 0,
    CRIMINAL.has(o.typ) ? 1 : 0,
  ];
  return [...orders].sort((x, y) => {
    const rx = rank(x);
    const ry = rank(y);
    for (let i = 0; i < rx.length; i++) if (rx[i] !== ry[i]) return ry[i]! - rx[i]!;
    return y.isd.localeCompare(x.isd) || y.pno.localeCompare(x.pno);
  });
}

/** The order that prevails among an order and those it conflicts with. */
export function prevailing<T extends OrderTerms>(order: T, conflicting: readonly T[]): T {
  return byPrecedence([order, ...conflicting])[0]!;
}
