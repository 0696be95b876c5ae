// The service's idea of "now". Dates in messages (DOB, SDT, ISD...) are checked against the
// service's today in California, which may not be this machine's: a test service runs on a clock
// of its own. Every reply header carries the service's UTC time (columns 28–41), so the simulator
// keeps the offset of the latest one it saw and reads the date in the service's time zone.

/** `CCYYMMDDHHMMSS` (UTC) → epoch milliseconds, or undefined when malformed. */
export function headerTime(stamp: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(stamp);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : t;
}

/** Adds whole days to `CCYYMMDD`. */
export function addDays(d: string, days: number): string {
  const t = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8) + days));
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}

export class ServiceClock {
  #offsetMs = 0;
  #seen = false;
  readonly #fmt: Intl.DateTimeFormat;

  constructor(readonly timeZone = 'America/Los_Angeles') {
    this.#fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  /** True once a reply header has been seen (before that, this machine's clock is used). */
  get synchronised(): boolean {
    return this.#seen;
  }

  /** A reply arrived: its header time is the service's now (to the second). */
  observe(stamp: string, receivedAt = Date.now()): void {
    const t = headerTime(stamp);
    if (t === undefined) return;
    // The header is truncated to the second: add half a second on average.
    this.#offsetMs = t + 500 - receivedAt;
    this.#seen = true;
  }

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  /** `CCYYMMDDHHMM` in the service's time zone. */
  localDateTime(at = this.now()): string {
    const p = Object.fromEntries(this.#fmt.formatToParts(at).map((x) => [x.type, x.value]));
    return `${p.year}${p.month}${p.day}${p.hour}${p.minute}`;
  }

  /** `CCYYMMDD`: the service's today. */
  today(): string {
    return this.localDateTime().slice(0, 8);
  }
}
