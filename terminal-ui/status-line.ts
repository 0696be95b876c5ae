// The status line at the top of the console: who is signed on, UTC and local time, unread
// messages and the connection. Pure; the console redraws it every second.

export interface StatusInfo {
  user?: string;
  role?: string;
  ori?: string;
  connection: string;
  unread: number;
  now: Date;
  /** Set while the session is locked after inactivity (ICD 6). */
  locked?: boolean;
}

/** Formats local wall-clock time in one zone: `12:00:05 PDT`. Made once per console. */
export function localClock(timeZone: string): (d: Date) => string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
  } catch {
    // An unknown zone: UTC, labelled as such, rather than no console at all.
    return (d) => `${utcTime(d)} UTC`;
  }
  return (d) => {
    const p = Object.fromEntries(fmt.formatToParts(d).map((x) => [x.type, x.value]));
    return `${p.hour}:${p.minute}:${p.second} ${(p.timeZoneName ?? '').toUpperCase()}`.trimEnd();
  };
}

/** `HH:MM:SS` in UTC. */
export const utcTime = (d: Date): string => d.toISOString().slice(11, 19);

/**
 * One line, at most `width` long: `OFFICER1 OFFICER CA0194200  19:00:05Z  12:00:05 PDT  MSG 0  tcp ...`
 * (UTC as "Zulu" time, then local time in the console's zone; the date too when there is room).
 * When it does not fit, the gaps narrow to one space, then the connection is cut, then the
 * identity, so that the clocks and the unread count always show.
 */
export function statusLine(s: StatusInfo, local: (d: Date) => string, width: number): string {
  let ident = s.user ? `${s.user} ${s.role ?? ''} ${s.ori ?? ''}`.replace(/ +/g, ' ').trim() : 'NOT SIGNED ON';
  if (s.locked) ident += ' LOCKED';
  const date = width >= 100 ? `${s.now.toISOString().slice(0, 10)} ` : '';
  const utc = `${date}${utcTime(s.now)}Z`;
  const msgs = `MSG ${s.unread}`;
  for (const [lead, gap] of [[' ', '  '], [' ', ' '], ['', ' ']]) {
    const line = `${lead}${[ident, utc, local(s.now), msgs, s.connection].join(gap)}`;
    if (line.length <= width) return line;
  }
  const fixed = ` ${utc} ${local(s.now)} ${msgs} `;
  if (ident.length + fixed.length + 8 > width) ident = ident.slice(0, Math.max(8, width - fixed.length - 8));
  return ` ${ident}${fixed}${s.connection}`.slice(0, width);
}
