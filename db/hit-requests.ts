// Hit confirmation requests (YQ/YR, db/migrations/0007): the pending requests, their timers, and
// the agencies' escalation ORIs. Times are the service's clock, passed in.
import { AccountError, findAgency } from './accounts.ts';
import type { Database } from './database.ts';

export type HitStage = 'FIRST' | 'SECOND' | 'ESCALATED' | 'CONFIRMED' | 'NOT CONFIRMED';
export type Priority = 'U' | 'R';

export interface HitRequest {
  id: number;
  orderId: number;
  pno: string;
  rno: number;
  priority: Priority;
  requesterOri: string;
  requesterTerminal: string;
  requesterUser: string;
  destinations: string[];
  subjectName: string;
  subjectDob: string;
  mis: string | null;
  stage: HitStage;
  dueAt: Date | null;
  promisedBy: string | null;
  promisedTim: string | null;
  version: number;
  createdAt: Date;
}

/** A request as the timer job sees it: with the order's court and case. */
export interface DueHitRequest extends HitRequest {
  typ: string;
  cti: string;
  oca: string;
}

/** Stages in which a YR is still taken (a late answer after escalation too). */
export const OPEN_STAGES: readonly HitStage[] = ['FIRST', 'SECOND', 'ESCALATED'];

const COLUMNS = `h.id::int AS id, h.order_id::int AS order_id, h.pno, h.rno::int AS rno, h.priority, h.requester_ori,
  h.requester_terminal, h.requester_user, h.destinations, h.subject_name, h.subject_dob, h.mis, h.stage, h.due_at,
  h.promised_by, h.promised_tim, h.version, h.created_at`;

interface HitRow {
  id: number; order_id: number; pno: string; rno: number; priority: Priority; requester_ori: string;
  requester_terminal: string; requester_user: string; destinations: string[]; subject_name: string; subject_dob: string;
  mis: string | null; stage: HitStage; due_at: Date | string | null; promised_by: string | null; promised_tim: string | null;
  version: number; created_at: Date | string;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function fromRow(r: HitRow): HitRequest {
  return {
    id: r.id, orderId: r.order_id, pno: r.pno, rno: r.rno, priority: r.priority, requesterOri: r.requester_ori,
    requesterTerminal: r.requester_terminal, requesterUser: r.requester_user, destinations: r.destinations,
    subjectName: r.subject_name, subjectDob: r.subject_dob, mis: r.mis, stage: r.stage,
    dueAt: r.due_at === null ? null : toDate(r.due_at), promisedBy: r.promised_by, promisedTim: r.promised_tim,
    version: r.version, createdAt: toDate(r.created_at),
  };
}

/** A new request: the requester, the order and whom it goes to; its due time; the clock now. */
export type NewHitRequest = Pick<
  HitRequest,
  'orderId' | 'pno' | 'rno' | 'priority' | 'requesterOri' | 'requesterTerminal' | 'requesterUser' | 'destinations' | 'subjectName' | 'subjectDob'
> & { mis?: string; dueAt: Date; now: Date };

export async function createHitRequest(db: Database, r: NewHitRequest): Promise<HitRequest> {
  const { rows } = await db.query<HitRow>(
    `INSERT INTO hit_requests AS h (order_id, pno, rno, priority, requester_ori, requester_terminal, requester_user,
                               destinations, subject_name, subject_dob, mis, due_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13, $13)
     RETURNING ${COLUMNS}`,
    [r.orderId, r.pno, r.rno, r.priority, r.requesterOri, r.requesterTerminal, r.requesterUser, r.destinations,
      r.subjectName, r.subjectDob, r.mis ?? null, r.dueAt, r.now],
  );
  return fromRow(rows[0]!);
}

/** Undoes a request whose YQ could not be sent (a refused message changes nothing). */
export async function deleteHitRequest(db: Database, id: number): Promise<void> {
  await db.query(`DELETE FROM hit_requests WHERE id = $1`, [id]);
}

/** Requests for `pno` and `rno` still open to a YR, newest first; only those from `requesterOri` when given. */
export async function findOpenHitRequests(db: Database, pno: string, rno: number, requesterOri?: string): Promise<HitRequest[]> {
  const { rows } = await db.query<HitRow>(
    `SELECT ${COLUMNS} FROM hit_requests h
      WHERE h.pno = $1 AND h.rno = $2 AND h.stage = ANY($3::text[]) AND ($4::text IS NULL OR h.requester_ori = $4)
      ORDER BY h.id DESC`,
    [pno, rno, OPEN_STAGES, requesterOri ?? null],
  );
  return rows.map(fromRow);
}

export type HitAnswer =
  | { cnf: 'Y' | 'N'; ori: string; user: string; at: Date }
  | { cnf: 'T'; ori: string; user: string; at: Date; tim: string; until: Date };

/**
 * A YR: CNF/Y or CNF/N answers the request (timers stop); CNF/T moves its timer to the promised
 * time (an escalated request gets a timer again: missing the promise escalates once more).
 * False when the request was answered meanwhile.
 */
export async function answerHitRequest(db: Database, id: number, a: HitAnswer): Promise<boolean> {
  const r =
    a.cnf === 'T'
      ? await db.query(
          `UPDATE hit_requests
              SET due_at = $2, promised_by = $3, promised_tim = $4,
                  stage = CASE WHEN stage = 'ESCALATED' THEN 'SECOND' ELSE stage END,
                  version = version + 1, updated_at = $5
            WHERE id = $1 AND stage = ANY($6::text[])`,
          [id, a.until, a.ori, a.tim, a.at, OPEN_STAGES],
        )
      : await db.query(
          `UPDATE hit_requests
              SET stage = $2, due_at = NULL, answered_by_ori = $3, answered_by_user = $4, answered_at = $5,
                  version = version + 1, updated_at = $5
            WHERE id = $1 AND stage = ANY($6::text[])`,
          [id, a.cnf === 'Y' ? 'CONFIRMED' : 'NOT CONFIRMED', a.ori, a.user, a.at, OPEN_STAGES],
        );
  return r.rowCount === 1;
}

/**
 * Claims up to `limit` requests whose timer ran out at `now` under a lease of `leaseMs`, in a short
 * transaction (FOR UPDATE SKIP LOCKED): several service processes may run the job at once.
 */
export async function claimDueHitRequests(
  db: Database,
  o: { now: Date; limit: number; leaseMs: number; token: string },
): Promise<DueHitRequest[]> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{ id: string }>(
      `SELECT id FROM hit_requests
        WHERE stage IN ('FIRST', 'SECOND') AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
        ORDER BY due_at, id
        LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [o.now, o.limit],
    );
    if (due.rows.length === 0) return [];
    const { rows } = await tx.query<HitRow & { typ: string; cti: string; oca: string }>(
      `UPDATE hit_requests h SET lease_until = $2::timestamptz + $3::int * interval '1 millisecond', lease_by = $4
         FROM orders o
        WHERE h.id = ANY($1::bigint[]) AND o.id = h.order_id
        RETURNING ${COLUMNS}, o.typ, o.cti, o.oca`,
      [due.rows.map((r) => r.id), o.now, o.leaseMs, o.token],
    );
    return rows.map((r) => ({ ...fromRow(r), typ: r.typ, cti: r.cti, oca: r.oca })).sort((a, b) => a.id - b.id);
  });
}

/**
 * After the timer's messages went out: the next stage and due time. False when a YR changed the
 * request meanwhile (its answer stands) or the lease was lost.
 */
export async function advanceHitRequest(
  db: Database,
  req: HitRequest,
  token: string,
  next: { stage: 'SECOND' | 'ESCALATED'; dueAt: Date | null; now: Date },
): Promise<boolean> {
  const r = await db.query(
    `UPDATE hit_requests
        SET stage = $4, due_at = $5, promised_by = NULL, promised_tim = NULL, lease_until = NULL, lease_by = NULL,
            version = version + 1, updated_at = $6
      WHERE id = $1 AND version = $2 AND lease_by = $3`,
    [req.id, req.version, token, next.stage, next.dueAt, next.now],
  );
  return r.rowCount === 1;
}

/** Gives a claimed request back (its messages could not all be sent): the next run tries again. */
export async function releaseHitRequest(db: Database, id: number, token: string): Promise<void> {
  await db.query(`UPDATE hit_requests SET lease_until = NULL, lease_by = NULL WHERE id = $1 AND lease_by = $2`, [id, token]);
}

/** The escalation ORI of each agency (null when none is set). */
export async function escalationOris(db: Database, oris: readonly string[]): Promise<Map<string, string | null>> {
  const { rows } = await db.query<{ ori: string; escalation_ori: string | null }>(
    `SELECT ori, escalation_ori FROM agencies WHERE ori = ANY($1::text[])`,
    [oris],
  );
  const out = new Map<string, string | null>(oris.map((o) => [o, null]));
  for (const r of rows) out.set(r.ori, r.escalation_ori);
  return out;
}

/** `ccpor agency escalation`: where `ori`'s unanswered hit confirmations go (null: nowhere). */
export async function setEscalationOri(db: Database, ori: string, to: string | null): Promise<void> {
  if (!(await findAgency(db, ori))) throw new AccountError(`no agency ${ori}`);
  if (to !== null) {
    if (to === ori) throw new AccountError(`an agency cannot be its own escalation ORI`);
    if (!(await findAgency(db, to))) throw new AccountError(`no agency ${to}; add it first with 'ccpor agency add'`);
  }
  await db.query(`UPDATE agencies SET escalation_ori = $2 WHERE ori = $1`, [ori, to]);
}
