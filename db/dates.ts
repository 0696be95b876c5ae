// Dates as the registry speaks them: CCYYMMDD, and "today" in California (or the configured zone).
// The calendar checks are the protocol's own (one definition of a real date).
export { addDays, isRealDate } from '../protocol/fields.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

// Every zone's offset is a whole number of minutes, so the local date is the same throughout a
// UTC minute: one Intl call per zone and minute instead of one per message and record.
const lastMinute = new Map<string, { minute: number; date: string }>();

/** The calendar date at `now` in `timeZone`, as CCYYMMDD. */
export function localDate(now: Date, timeZone: string): string {
  const minute = Math.floor(now.getTime() / 60_000);
  const last = lastMinute.get(timeZone);
  if (last && last.minute === minute) return last.date;
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const date = f.format(now).replaceAll('-', '');
  lastMinute.set(timeZone, { minute, date });
  return date;
}

/** CCYYMMDD → YYYY-MM-DD, the form PostgreSQL reads as a date. */
export const toIsoDate = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;


