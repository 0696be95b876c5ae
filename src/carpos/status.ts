// `ccpor carpos status`: what the outbox holds, for court staff and operators. Counts by state,
// the oldest row still waiting, and every row DOJ rejected or that is held behind a rejection.
import type { Database } from '../../db/database.ts';

export type OutboxState = 'PENDING' | 'DELIVERED' | 'REJECTED' | 'BLOCKED';

export interface HeldRow {
  pno: string;
  cti: string;
  action: string;
  state: 'REJECTED' | 'BLOCKED';
  reason: string;
  queuedAt: Date;
}

export interface CarposStatus {
  counts: Record<OutboxState, number>;
  /** PENDING rows that have failed at least once (DOJ unreachable, errors). */
  retrying: number;
  /** PENDING changes of orders without an FCN and without an ENTER in the outbox: never sendable. */
  withoutEnter: number;
  oldestPending?: {
    pno: string;
    action: string;
    queuedAt: Date;
    ageSeconds: number;
    attempts: number;
    lastError: string | null;
  };
  held: HeldRow[];
}

export async function carposStatus(db: Database, opts: { limit?: number } = {}): Promise<CarposStatus> {
  const counts: Record<OutboxState, number> = { PENDING: 0, DELIVERED: 0, REJECTED: 0, BLOCKED: 0 };
  const byState = await db.query<{ state: OutboxState; n: number; retrying: number }>(
    `SELECT state, count(*)::int AS n, count(*) FILTER (WHERE last_error IS NOT NULL AND attempts > 0)::int AS retrying
       FROM carpos_outbox GROUP BY state`,
  );
  let retrying = 0;
  for (const r of byState.rows) {
    counts[r.state] = r.n;
    if (r.state === 'PENDING') retrying = r.retrying;
  }
  const oldest = await db.query<{ pno: string; action: string; created_at: Date; age: number; attempts: number; last_error: string | null }>(
    `SELECT o.pno, c.action, c.created_at, extract(epoch FROM now() - c.created_at)::float8 AS age, c.attempts, c.last_error
       FROM carpos_outbox c JOIN orders o ON o.id = c.order_id
      WHERE c.state = 'PENDING' ORDER BY c.created_at, c.id LIMIT 1`,
  );
  const orphans = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM carpos_outbox c JOIN orders o ON o.id = c.order_id
      WHERE c.state = 'PENDING' AND c.action <> 'ENTER' AND o.fcn IS NULL
        AND NOT EXISTS (SELECT 1 FROM carpos_outbox e WHERE e.order_id = c.order_id AND e.id < c.id AND e.state <> 'DELIVERED')`,
  );
  const held = await db.query<{ pno: string; cti: string; action: string; state: 'REJECTED' | 'BLOCKED'; reason: string | null; created_at: Date }>(
    `SELECT o.pno, o.cti, c.action, c.state, c.last_error AS reason, c.created_at
       FROM carpos_outbox c JOIN orders o ON o.id = c.order_id
      WHERE c.state IN ('REJECTED', 'BLOCKED')
      ORDER BY c.order_id, c.id LIMIT $1`,
    [opts.limit ?? 200],
  );
  const o = oldest.rows[0];
  return {
    counts,
    retrying,
    withoutEnter: orphans.rows[0]?.n ?? 0,
    ...(o
      ? { oldestPending: { pno: o.pno, action: o.action, queuedAt: new Date(o.created_at), ageSeconds: Math.max(0, Math.round(o.age)), attempts: o.attempts, lastError: o.last_error } }
      : {}),
    held: held.rows.map((r) => ({ pno: r.pno, cti: r.cti, action: r.action, state: r.state, reason: r.reason ?? '', queuedAt: new Date(r.created_at) })),
  };
}

/** "3 d 4 h", "2 h 05 min", "4 min 10 s", "12 s". */
export function formatAge(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

export function formatCarposStatus(s: CarposStatus, opts: { timeZone: string; gateway: string }): string[] {
  const when = (d: Date) =>
    new Intl.DateTimeFormat('sv-SE', {
      timeZone: opts.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).format(d);
  const c = s.counts;
  const out: string[] = [`CARPOS gateway: ${opts.gateway}`, ''];
  const pendingNotes = [
    s.retrying ? `${s.retrying} after failed attempts` : '',
    s.withoutEnter ? `${s.withoutEnter} of orders with no FCN and no ENTER queued: cannot be sent` : '',
  ].filter(Boolean);
  out.push(`  PENDING    ${String(c.PENDING).padStart(8)}  waiting to be sent${pendingNotes.length ? ` (${pendingNotes.join('; ')})` : ''}`);
  out.push(`  DELIVERED  ${String(c.DELIVERED).padStart(8)}  in CARPOS`);
  out.push(`  REJECTED   ${String(c.REJECTED).padStart(8)}  refused by DOJ: the order must be corrected`);
  out.push(`  BLOCKED    ${String(c.BLOCKED).padStart(8)}  held behind a rejected transaction of the same order`);
  out.push('');
  const o = s.oldestPending;
  if (o) {
    out.push(
      `Oldest pending: ${o.action} of ${o.pno}, queued ${when(o.queuedAt)} (${formatAge(o.ageSeconds)} ago), ` +
        `${o.attempts} attempt${o.attempts === 1 ? '' : 's'}${o.lastError ? `, last error: ${o.lastError}` : ''}`,
    );
  } else {
    out.push('Nothing pending.');
  }
  if (s.held.length > 0) {
    out.push('', 'Rejected and held (each order in the order its transactions were made):');
    const w = Math.max(3, ...s.held.map((h) => h.pno.length));
    out.push(`  ${'PNO'.padEnd(w)}  COURT      ACTION  STATE     QUEUED            REASON`);
    for (const h of s.held) {
      out.push(`  ${h.pno.padEnd(w)}  ${h.cti.padEnd(9)}  ${h.action.padEnd(6)}  ${h.state.padEnd(8)}  ${when(h.queuedAt)}  ${h.reason}`);
    }
    if (s.held.length < c.REJECTED + c.BLOCKED) out.push(`  ... and ${c.REJECTED + c.BLOCKED - s.held.length} more`);
    out.push('', 'Correct the order, then: ccpor carpos resend --pno PNO');
  }
  return out;
}
