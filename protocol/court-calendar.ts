// California court days: Monday to Friday except judicial holidays (Code of Civil Procedure 135,
// Government Code 6700). The table is ours, by rule, for any year — see SPEC 13 for the list and
// how a holiday on a weekend is observed. Dates are CCYYMMDD strings; pure functions.
import { addDays } from './fields.ts';

const iso = (y: number, m: number, d: number) => `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
const weekday = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 Sunday

/** The n-th `dow` (0 Sunday … 6 Saturday) of a month; n = -1 for the last. */
function nthWeekday(y: number, m: number, dow: number, n: number): string {
  if (n > 0) {
    const first = weekday(y, m, 1);
    return iso(y, m, 1 + ((dow - first + 7) % 7) + 7 * (n - 1));
  }
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const last = weekday(y, m, days);
  return iso(y, m, days - ((last - dow + 7) % 7));
}

/** A fixed-date holiday as the courts observe it: Saturday → the Friday before, Sunday → the Monday after. */
function observed(y: number, m: number, d: number): string {
  const w = weekday(y, m, d);
  const day = iso(y, m, d);
  return w === 6 ? addDays(day, -1) : w === 0 ? addDays(day, 1) : day;
}

const cache = new Map<number, Set<string>>();

/** The judicial holidays of a year, as observed. */
export function courtHolidays(year: number): Set<string> {
  let set = cache.get(year);
  if (set) return set;
  set = new Set([
    observed(year, 1, 1), // New Year's Day
    nthWeekday(year, 1, 1, 3), // Martin Luther King Jr. Day
    observed(year, 2, 12), // Lincoln's Birthday
    nthWeekday(year, 2, 1, 3), // Washington's Birthday
    observed(year, 3, 31), // Cesar Chavez Day
    nthWeekday(year, 5, 1, -1), // Memorial Day
    ...(year >= 2022 ? [observed(year, 6, 19)] : []), // Juneteenth
    observed(year, 7, 4), // Independence Day
    nthWeekday(year, 9, 1, 1), // Labor Day
    ...(year >= 2022 ? [nthWeekday(year, 9, 5, 4)] : []), // Native American Day (fourth Friday of September)
    observed(year, 11, 11), // Veterans Day
    nthWeekday(year, 11, 4, 4), // Thanksgiving
    addDays(nthWeekday(year, 11, 4, 4), 1), // the day after Thanksgiving
    observed(year, 12, 25), // Christmas
  ]);
  cache.set(year, set);
  return set;
}

export function isCourtDay(d: string): boolean {
  const y = Number(d.slice(0, 4));
  const w = weekday(y, Number(d.slice(4, 6)), Number(d.slice(6, 8)));
  return w !== 0 && w !== 6 && !courtHolidays(y).has(d);
}

/** The n-th court day after `d` (d itself not counted). */
export function nthCourtDayAfter(d: string, n: number): string {
  let day = d;
  for (let found = 0; found < n; ) {
    day = addDays(day, 1);
    if (isCourtDay(day)) found++;
  }
  return day;
}
