// Hit confirmation timers (ICD 4 YQ/YR, issue 6; Nlets: answer within 10 minutes for PRI/U, 60 for
// PRI/R, day and night). A request not answered in time gets a NOTE to the requester and a second
// request to its destinations; when that is not answered either, a NOTE to the requester and one
// to each destination's escalation ORI. The timers are rows in PostgreSQL (hit_requests), so they
// survive a restart, and several service processes may run this job at once: due rows are claimed
// under a lease (FOR UPDATE SKIP LOCKED), their messages sent, and only then the row advanced.
// Delivery is at least once: a process that dies between sending and advancing leaves the lease
// to run out, and the messages go again.
//
// The message bodies of YQ and YR are built here too, so the handlers and the job say the same.
import { randomBytes } from 'node:crypto';
import { addDays, localDate } from '../../db/dates.ts';
import type { Database } from '../../db/database.ts';
import {
  advanceHitRequest,
  claimDueHitRequests,
  escalationOris,
  releaseHitRequest,
  type DueHitRequest,
  type HitRequest,
  type Priority,
} from '../../db/hit-requests.ts';
import { tagLines } from '../../protocol/index.ts';
import { wrapLine } from '../../protocol/format.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { PeriodicJob } from '../jobs/periodic.ts';
import type { Messenger } from './messenger.ts';

/** Minutes an agency has to answer a request of each priority. */
export const ANSWER_MINUTES: Record<Priority, number> = { U: 10, R: 60 };

const BATCH = 100;
const LEASE_MS = 60_000;

/** `CCYYMMDDHHMM` in UTC, as DUE/ shows a due time. */
export const dueStamp = (t: Date) => t.toISOString().replace(/\D/g, '').slice(0, 12);

export const dueAfter = (now: Date, pri: Priority) => new Date(now.getTime() + ANSWER_MINUTES[pri] * 60_000);

// ---- bodies -----------------------------------------------------------------------------------

type RequestView = Pick<HitRequest, 'pno' | 'rno' | 'priority' | 'requesterOri' | 'requesterUser' | 'destinations' | 'subjectName' | 'subjectDob' | 'mis'> & {
  typ?: string;
  cti?: string;
  oca?: string;
};

/** The `YQ MSG` a destination gets; the second request says so on its first line. */
export function requestBody(r: RequestView, due: Date, second = false): string[] {
  return [
    ...(second ? [`SECOND REQUEST - NO ANSWER TO THE FIRST IN ${ANSWER_MINUTES[r.priority]} MIN`] : []),
    ...tagLines([['PNO', r.pno], ['RNO', r.rno], ['PRI', r.priority], ['RTY', 'PO'], ['DUE', dueStamp(due)]]),
    ...tagLines([['FROM', r.requesterOri], ['USR', r.requesterUser]]),
    ...tagLines([['NAM', r.subjectName], ['DOB', r.subjectDob]]),
    ...tagLines([['TYP', r.typ], ['CTI', r.cti], ['OCA', r.oca]]),
    ...tagLines([['DES', r.destinations.join(' ')]]),
    ...tagLines([['MIS', r.mis]]),
  ];
}

/** The `YR MSG` the requester gets. */
export function responseBody(
  r: Pick<HitRequest, 'pno' | 'rno'>,
  a: { cnf: 'Y' | 'N' | 'T'; tim?: string; until?: Date; ori: string; user: string; mis?: string },
): string[] {
  const first = a.cnf === 'Y' ? 'HIT CONFIRMED' : a.cnf === 'N' ? 'HIT NOT CONFIRMED' : `WILL CONFIRM BY ${a.tim}`;
  return [
    first,
    ...tagLines([['PNO', r.pno], ['RNO', r.rno], ['CNF', a.cnf], ['TIM', a.tim], ['DUE', a.until && dueStamp(a.until)]]),
    ...tagLines([['FROM', a.ori], ['USR', a.user]]),
    ...tagLines([['MIS', a.mis]]),
  ];
}

/** Why the timer ran out: the priority's window, or a CNF/T's promised time. */
function missed(r: HitRequest, what: string): string {
  return r.promisedBy && r.promisedTim
    ? `NO CONFIRMATION BY ${r.promisedTim} AS PROMISED BY ${r.promisedBy}`
    : `NO ANSWER TO ${what} IN ${ANSWER_MINUTES[r.priority]} MIN`;
}

/** The requester's NOTE when the first request ran out. */
export function secondRequestNote(r: HitRequest, due: Date): string[] {
  return [
    ...wrapLine(`${missed(r, 'YQ')} - SECOND REQUEST SENT`),
    ...tagLines([['PNO', r.pno], ['RNO', r.rno], ['PRI', r.priority], ['DUE', dueStamp(due)]]),
    ...tagLines([['DES', r.destinations.join(' ')]]),
  ];
}

/** The requester's NOTE when the second request ran out too. */
export function escalatedNote(r: HitRequest, escalation: Map<string, string | null>): string[] {
  return [
    ...wrapLine(missed(r, 'SECOND YQ')),
    ...r.destinations.map((d) => {
      const to = escalation.get(d);
      return to ? `${d} ESCALATED TO ${to}` : `${d} HAS NO ESCALATION ORI - CALL THE AGENCY`;
    }),
    ...tagLines([['PNO', r.pno], ['RNO', r.rno], ['PRI', r.priority]]),
  ];
}

/** The NOTE an escalation ORI gets about the agencies it stands in for. */
export function escalationNote(r: DueHitRequest, unanswered: string[]): string[] {
  return [
    ...wrapLine(`YQ NOT ANSWERED BY ${unanswered.join(' ')} AFTER TWO REQUESTS - PLEASE ANSWER BY YR`),
    ...tagLines([['PNO', r.pno], ['RNO', r.rno], ['PRI', r.priority], ['RTY', 'PO']]),
    ...tagLines([['FROM', r.requesterOri], ['USR', r.requesterUser]]),
    ...tagLines([['NAM', r.subjectName], ['DOB', r.subjectDob]]),
    ...tagLines([['TYP', r.typ], ['CTI', r.cti], ['OCA', r.oca]]),
    ...tagLines([['MIS', r.mis]]),
  ];
}

// ---- "will confirm by HHMM" -------------------------------------------------------------------

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at instant `t`, in ms. */
function zoneOffsetMs(t: number, timeZone: string): number {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    zoneFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The next instant after `now` at which `timeZone`'s clock shows `hhmm` (today, else tomorrow). */
export function nextLocalTime(now: Date, hhmm: string, timeZone: string): Date {
  const today = localDate(now, timeZone);
  for (let d = 0; ; d++) {
    const day = addDays(today, d);
    const wall = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)), Number(hhmm.slice(0, 2)), Number(hhmm.slice(2, 4)));
    // The offset at the guess, then at the result: right on both sides of a DST change.
    const t = wall - zoneOffsetMs(wall - zoneOffsetMs(wall, timeZone), timeZone);
    if (t > now.getTime()) return new Date(t);
  }
}

// ---- the job ----------------------------------------------------------------------------------

export class HitConfirmationJob {
  private readonly job: PeriodicJob<number>;
  private readonly token = `${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly db: Database,
    private readonly messenger: Messenger,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.job = new PeriodicJob('hit confirmation timers', () => this.run(), log);
  }

  /** Handles every request whose time ran out by now; returns how many. */
  runOnce(): Promise<number> {
    return this.job.runOnce();
  }

  private async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await claimDueHitRequests(this.db, { now: this.clock.now(), limit: BATCH, leaseMs: LEASE_MS, token: this.token });
      for (const r of rows) {
        try {
          await this.timeout(r);
          total++;
        } catch (err) {
          await releaseHitRequest(this.db, r.id, this.token).catch(() => {});
          throw err;
        }
      }
      if (rows.length < BATCH) return total;
    }
  }

  private async timeout(r: DueHitRequest): Promise<void> {
    const now = this.clock.now();
    const requester = { ori: r.requesterOri, terminal: r.requesterTerminal };
    if (r.stage === 'FIRST') {
      const due = dueAfter(now, r.priority);
      for (const ori of r.destinations) await this.messenger.send({ ori }, { mke: 'YQ', status: 'MSG', body: requestBody(r, due, true) });
      await this.messenger.send(requester, { mke: 'NOTE', status: 'NOTE', body: secondRequestNote(r, due) });
      const advanced = await advanceHitRequest(this.db, r, this.token, { stage: 'SECOND', dueAt: due, now });
      this.log.info({ pno: r.pno, rno: r.rno, requester: r.requesterOri, advanced }, 'hit confirmation not answered: second request sent');
      return;
    }
    const escalation = await escalationOris(this.db, r.destinations);
    const byTarget = new Map<string, string[]>();
    for (const d of r.destinations) {
      const to = escalation.get(d);
      if (to) byTarget.set(to, [...(byTarget.get(to) ?? []), d]);
    }
    for (const [to, unanswered] of byTarget) {
      await this.messenger.send({ ori: to }, { mke: 'NOTE', status: 'NOTE', body: escalationNote(r, unanswered) });
    }
    await this.messenger.send(requester, { mke: 'NOTE', status: 'NOTE', body: escalatedNote(r, escalation) });
    const advanced = await advanceHitRequest(this.db, r, this.token, { stage: 'ESCALATED', dueAt: null, now });
    this.log.warn(
      { pno: r.pno, rno: r.rno, requester: r.requesterOri, escalatedTo: [...byTarget.keys()], advanced },
      'hit confirmation not answered after two requests: escalated',
    );
  }

  start(everyMs: number): void {
    this.job.start(everyMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
