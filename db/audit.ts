// The audit trail (ICD 6, CJIS AU-2/3/8/9): every inbound message and every sign-on attempt,
// append-only in PostgreSQL and hash-chained: each entry's hash covers its content and the hash
// before it, so a changed, inserted or deleted entry breaks the chain at that point.
//
// Entries are written in batches (one transaction, one chain lock, many rows). A caller that must
// not acknowledge before the entry is durable awaits record(); inquiries need not. close() writes
// whatever is queued, so a clean shutdown loses nothing.
import { createHash } from 'node:crypto';
import type { Logger } from '../src/log.ts';
import type { Database, Queryable } from './database.ts';

export interface AuditEntry {
  at: Date;
  user: string | null;
  ori: string | null;
  terminal: string;
  source: string;
  mke: string | null;
  /** The message's fields, never PWD or OTP (dropped here whatever the caller passes). */
  fields: Record<string, string | number | boolean | string[] | undefined>;
  outcome: string;
  records: number;
  durationMs: number | null;
}

const GENESIS = '0'.repeat(64);
const ignore = () => {};
const CHAIN_LOCK = 4_170_515_1;
const SECRET_FIELDS = new Set(['PWD', 'OTP', 'pwd', 'otp', 'password']);

/** Milliseconds in UTC, the form hashed and the form read back for verification. */
const stamp = (d: Date) => d.toISOString();

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What PostgreSQL can store: text and jsonb refuse NUL, and jsonb a lone surrogate. Callers send
 * printable text already; this is the last defence, so that one odd byte can never stop the trail.
 */
function storable(s: string): string;
function storable(s: string | null): string | null;
function storable(s: string | null): string | null {
  // Nearly every value is plain text: one test, no copies.
  if (s === null || !ODD_CHARACTER.test(s)) return s;
  return s.replace(/\u0000/g, '\\x00').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const ODD_CHARACTER = /[\u0000\ud800-\udfff]/;

function scrub(fields: AuditEntry['fields']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELDS.has(k) || v === undefined) continue;
    out[storable(k)] = typeof v === 'string' ? storable(v) : Array.isArray(v) ? v.map((x) => storable(x)) : v;
  }
  return out;
}

interface Stored {
  at: string;
  user_name: string | null;
  ori: string | null;
  terminal: string | null;
  source: string | null;
  mke: string | null;
  fields: Record<string, unknown>;
  outcome: string;
  records: number;
  duration_ms: number | null;
}

export function entryHash(prev: string, e: Stored): string {
  return createHash('sha256')
    .update(prev)
    .update('\n')
    .update(
      canonical([e.at, e.user_name, e.ori, e.terminal, e.source, e.mke, e.fields, e.outcome, e.records, e.duration_ms]),
    )
    .digest('hex');
}

export class AuditTrail {
  private queue: { row: Stored; done: () => void; fail: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failing = false;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: { batchDelayMs?: number; maxBatch?: number } = {},
  ) {}

  /** Queues an entry; the promise settles when it is written (or the write failed). */
  record(e: AuditEntry): Promise<void> {
    let done!: () => void;
    let fail!: (err: unknown) => void;
    const written = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    written.catch(() => {}); // callers that do not wait must not crash the process; the entry is retried
    this.enqueue(e, done, fail);
    return written;
  }

  /**
   * Queues an entry nobody waits for (an inquiry's): written with the next batch, retried like
   * any other, without a promise per entry.
   */
  recordLater(e: AuditEntry): void {
    this.enqueue(e, ignore, ignore);
  }

  private enqueue(e: AuditEntry, done: () => void, fail: (err: unknown) => void): void {
    if (this.closed) {
      // Work that outlived the shutdown (an SSH authentication finishing, say): nothing is answered
      // for it any more, and the trail is closed; say so rather than keep the process alive.
      this.log.error({ mke: e.mke, outcome: e.outcome, terminal: e.terminal }, 'audit entry after shutdown: not written');
      return fail(new Error('audit trail closed'));
    }
    const row: Stored = {
      at: stamp(e.at),
      user_name: storable(e.user),
      ori: storable(e.ori),
      terminal: storable(e.terminal),
      source: storable(e.source),
      mke: storable(e.mke),
      fields: scrub(e.fields),
      outcome: storable(e.outcome),
      records: e.records,
      duration_ms: e.durationMs,
    };
    this.queue.push({ row, done, fail });
    if (this.queue.length >= (this.opts.maxBatch ?? 500)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.batchDelayMs ?? 20);
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.write(batch.map((b) => b.row)).then(
      () => {
        this.failing = false;
        batch.forEach((b) => b.done());
      },
      (err: unknown) => {
        this.failing = true;
        // Kept for the next flush: an audit entry is never dropped because the database blinked.
        this.queue = [...batch, ...this.queue];
        this.log.error({ err: (err as Error).message, entries: batch.length }, 'audit write failed; will retry');
        batch.forEach((b) => b.fail(err));
        this.timer ??= setTimeout(() => void this.flush(), 1_000);
        this.timer.unref(); // retried while the service runs; never what keeps a process alive
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** False while a batch that could not be written waits to be retried: writes are refused then. */
  get healthy(): boolean {
    return !this.failing && !this.closed;
  }

  pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private write(rows: Stored[]): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      let prev = await chainHead(tx);
      const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], []];
      for (const r of rows) {
        const hash = entryHash(prev, r);
        const values = [r.at, r.user_name, r.ori, r.terminal, r.source, r.mke, JSON.stringify(r.fields), r.outcome, r.records, r.duration_ms, prev, hash];
        values.forEach((v, i) => cols[i]!.push(v));
        prev = hash;
      }
      const ins = await tx.query<{ id: string }>(
        `INSERT INTO audit_log (at, user_name, ori, terminal, source, mke, fields, outcome, records, duration_ms, prev_hash, hash)
         SELECT a, u, o, t, s, m, f::jsonb, oc, r, d, p, h
           FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::int[], $10::int[], $11::text[], $12::text[])
                AS x(a, u, o, t, s, m, f, oc, r, d, p, h)
         RETURNING id::text`,
        cols,
      );
      const lastId = ins.rows.map((r) => BigInt(r.id)).reduce((a, b) => (a > b ? a : b));
      await tx.query(
        `INSERT INTO audit_head (one, last_id, hash) VALUES (true, $1, $2)
         ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash`,
        [lastId.toString(), prev],
      );
    });
  }
}

async function chainHead(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ hash: string }>(`SELECT hash FROM audit_head`);
  return rows[0]?.hash ?? GENESIS;
}

export type VerifyResult =
  | { ok: true; entries: number }
  | { ok: false; entries: number; badId: string | null; reason: string };

/** Walks the whole trail in order and recomputes the chain. */
export async function verifyAuditTrail(db: Database, pageSize = 5_000): Promise<VerifyResult> {
  let prev = GENESIS;
  let lastId = '0';
  let count = 0;
  for (;;) {
    const { rows } = await db.query<Stored & { id: string; prev_hash: string; hash: string }>(
      `SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, user_name, ori, terminal,
              source, mke, fields, outcome, records, duration_ms, prev_hash, hash
         FROM audit_log WHERE audit_log.id > $1::bigint ORDER BY audit_log.id LIMIT $2`,
      [lastId, pageSize],
    );
    for (const r of rows) {
      if (r.prev_hash !== prev) {
        return { ok: false, entries: count, badId: r.id, reason: 'chain broken before this entry (an entry was deleted or inserted)' };
      }
      if (entryHash(prev, r) !== r.hash) return { ok: false, entries: count, badId: r.id, reason: 'entry content changed' };
      prev = r.hash;
      lastId = r.id;
      count++;
    }
    if (rows.length < pageSize) break;
  }
  const head = await db.query<{ last_id: string; hash: string }>(`SELECT last_id::text, hash FROM audit_head`);
  const h = head.rows[0];
  if (h && (h.last_id !== lastId || h.hash !== prev)) {
    return { ok: false, entries: count, badId: h.last_id, reason: 'entries missing from the end of the trail' };
  }
  if (!h && count > 0) return { ok: false, entries: count, badId: null, reason: 'chain head missing' };
  return { ok: true, entries: count };
}
