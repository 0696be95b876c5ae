// Dates as the registry speaks them: CCYYMMDD, and "today" in California (or the configured zone).
// The calendar checks are the protocol's own (one definition of a real date).
export { addDays, isRealDate } from '../protocol/fields.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date at `now` in `timeZone`, as CCYYMMDD. */
export function localDate(now: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(now).replaceAll('-', '');
}

/** CCYYMMDD → YYYY-MM-DD, the form PostgreSQL reads as a date. */
export const toIsoDate = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;


