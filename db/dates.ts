// Dates as the registry speaks them: CCYYMMDD, and "today" in California (or the configured zone).

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

/** True for a CCYYMMDD string naming a real calendar date. */
export function isRealDate(d: string): boolean {
  if (!/^\d{8}$/.test(d)) return false;
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(4, 6));
  const day = Number(d.slice(6, 8));
  const t = new Date(Date.UTC(y, m - 1, day));
  return y >= 1800 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
}

/** Adds whole days to a CCYYMMDD date. */
export function addDays(d: string, days: number): string {
  const t = new Date(Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)) + days));
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}
