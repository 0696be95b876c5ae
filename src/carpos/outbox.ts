// The gateway's side of carpos_outbox (db/migrations/0001, 0003). Every statement is short; none
// is open while CARPOS is being called. Times are the database's (now()), the one clock every
// service process shares.
import type { Database } from '../../db/database.ts';
import type { OutboxRow } from './requests.ts';

/**
 * Claims up to `limit` rows that may be sent now, under a lease: PENDING, due, not leased, and the
 * first undelivered row of their order (so changes go in order, and never before their order's
 * ENTER has an FCN). At most one row per order is ever out at once.
 */
export async function claimRows(db: Database, opts: { limit: number; leaseMs: number; token: string }): Promise<OutboxRow[]> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{ id: string }>(
      `SELECT c.id
         FROM carpos_outbox c
         JOIN orders o ON o.id = c.order_id
        WHERE c.state = 'PENDING'
          AND c.next_attempt_at <= now()
          AND (c.locked_until IS NULL OR c.locked_until <= now())
          AND (c.action = 'ENTER' OR o.fcn IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM carpos_outbox e
                           WHERE e.order_id = c.order_id AND e.id < c.id AND e.state <> 'DELIVERED')
        ORDER BY c.next_attempt_at, c.id
        LIMIT $1
          FOR UPDATE OF c SKIP LOCKED`,
      [opts.limit],
    );
    if (due.rows.length === 0) return [];
    const { rows } = await tx.query<{
      id: number; order_id: number; action: OutboxRow['action']; payload: Record<string, unknown>; key: string;
      attempts: number; pno: string; cti: string; fcn: string | null; entered_ori: string; carpos_code: string | null;
    }>(
      `UPDATE carpos_outbox c
          SET locked_until = now() + $2::int * interval '1 millisecond', locked_by = $3, attempts = c.attempts + 1
         FROM orders o LEFT JOIN agencies a ON a.ori = o.entered_ori
        WHERE c.id = ANY($1::bigint[]) AND o.id = c.order_id
        RETURNING c.id::int AS id, c.order_id::int AS order_id, c.action, c.payload, c.idempotency_key::text AS key,
                  c.attempts, o.pno, o.cti, o.fcn, o.entered_ori, a.carpos_code`,
      [due.rows.map((r) => r.id), opts.leaseMs, opts.token],
    );
    return rows
      .map((r) => ({
        id: r.id, orderId: r.order_id, action: r.action, payload: r.payload, idempotencyKey: r.key, attempts: r.attempts,
        pno: r.pno, cti: r.cti, fcn: r.fcn, enteredOri: r.entered_ori, agencyCode: r.carpos_code,
      }))
      .sort((a, b) => a.id - b.id);
  });
}

/** The row reached CARPOS. False when this worker's lease was lost (another worker has the row). */
export async function markDelivered(db: Database, row: OutboxRow, token: string, answer: { fcn: string; status: number }): Promise<boolean> {
  const r = await db.query(
    `UPDATE carpos_outbox
        SET state = 'DELIVERED', delivered_at = now(), last_attempt_at = now(), locked_until = NULL, locked_by = NULL,
            last_error = NULL, fcn = $3, http_status = $4
      WHERE id = $1 AND locked_by = $2 AND state = 'PENDING'`,
    [row.id, token, answer.fcn, answer.status],
  );
  return r.rowCount === 1;
}

/** No usable answer: try again after `delayMs`. */
export async function markFailed(db: Database, row: OutboxRow, token: string, error: string, delayMs: number, status?: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE carpos_outbox
        SET next_attempt_at = now() + $4::int * interval '1 millisecond', last_attempt_at = now(), last_error = $3, http_status = $5,
            locked_until = NULL, locked_by = NULL
      WHERE id = $1 AND locked_by = $2 AND state = 'PENDING'`,
    [row.id, token, error.slice(0, 500), Math.round(delayMs), status ?? null],
  );
  return r.rowCount === 1;
}

/** Stopped before an answer: give the row back at once, for this or another worker to send again. */
export async function releaseRow(db: Database, row: OutboxRow, token: string): Promise<void> {
  await db.query(
    `UPDATE carpos_outbox SET locked_until = NULL, locked_by = NULL, last_error = 'ABANDONED AT SHUTDOWN - SENT AGAIN LATER'
      WHERE id = $1 AND locked_by = $2 AND state = 'PENDING'`,
    [row.id, token],
  );
}

/**
 * DOJ refused the row: REJECTED, and every later row of the order BLOCKED behind it. The order's row
 * is locked first, as registry writes lock it, so no change of this order is queued in between
 * (and one queued after sees the rejection: the trigger of 0003 holds it). Returns the number of
 * rows now held, or undefined when the lease was lost.
 */
export async function markRejected(
  db: Database,
  row: OutboxRow,
  token: string,
  rejection: { reason: string; status: number },
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM orders WHERE id = $1 FOR UPDATE`, [row.orderId]);
    const r = await tx.query(
      `UPDATE carpos_outbox
          SET state = 'REJECTED', last_attempt_at = now(), last_error = $3, http_status = $4, locked_until = NULL, locked_by = NULL
        WHERE id = $1 AND locked_by = $2 AND state = 'PENDING'`,
      [row.id, token, rejection.reason.slice(0, 500), rejection.status],
    );
    if (r.rowCount !== 1) return undefined;
    const held = await tx.query(
      `UPDATE carpos_outbox SET state = 'BLOCKED', last_error = $3
        WHERE order_id = $1 AND id > $2 AND state = 'PENDING'`,
      [row.orderId, row.id, `HELD BEHIND THE REJECTED ${row.action} OF THIS ORDER`],
    );
    return held.rowCount;
  });
}

/** The order's FCN as the registry has it now. */
export async function currentFcn(db: Database, orderId: number): Promise<string | null> {
  const r = await db.query<{ fcn: string | null }>(`SELECT fcn FROM orders WHERE id = $1`, [orderId]);
  return r.rows[0]?.fcn ?? null;
}

/** The order that already holds an FCN, if any (DOJ must never give one FCN to two orders). */
export async function holderOfFcn(db: Database, fcn: string): Promise<string | undefined> {
  const r = await db.query<{ pno: string }>(`SELECT pno FROM orders WHERE fcn = $1`, [fcn]);
  return r.rows[0]?.pno;
}

/**
 * After the cause of a rejection is corrected: the order's REJECTED rows are sent again (under a
 * new Idempotency-Key: the old one would only get the old refusal back) and its BLOCKED rows with
 * them, in order. Returns how many rows were released.
 */
export async function resendOrder(db: Database, pno: string): Promise<{ found: boolean; released: number }> {
  return db.transaction(async (tx) => {
    const o = await tx.query<{ id: number }>(`SELECT id::int AS id FROM orders WHERE pno = $1 FOR UPDATE`, [pno]);
    const order = o.rows[0];
    if (!order) return { found: false, released: 0 };
    const rej = await tx.query(
      `UPDATE carpos_outbox
          SET state = 'PENDING', idempotency_key = gen_random_uuid(), attempts = 0, next_attempt_at = now(),
              last_error = 'SENT AGAIN AFTER REJECTION: ' || coalesce(last_error, ''), http_status = NULL
        WHERE order_id = $1 AND state = 'REJECTED'`,
      [order.id],
    );
    const held = await tx.query(
      `UPDATE carpos_outbox SET state = 'PENDING', next_attempt_at = now(), last_error = NULL
        WHERE order_id = $1 AND state = 'BLOCKED'`,
      [order.id],
    );
    return { found: true, released: rej.rowCount + held.rowCount };
  });
}
