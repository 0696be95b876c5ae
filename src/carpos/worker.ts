// The CARPOS delivery worker. Every entry and change of an order is queued in carpos_outbox in the
// transaction of the change (db/registry.ts); this worker sends each row to CARPOS with the row's
// Idempotency-Key, in order per order, and records what DOJ answered:
//   accepted  -> DELIVERED (an ENTER's FCN is stored with registry.recordFcn, so replies show it)
//   rejected  -> REJECTED, the order's later rows BLOCKED, a NOTE to the issuing court's terminals
//   no answer -> PENDING again, after an exponential backoff with full jitter
// Rows are claimed under a lease in a short transaction; no transaction is open during a request.
// Several workers (processes) may run at once. All state is in PostgreSQL: a worker that dies
// loses nothing, and the Idempotency-Key makes a row sent twice take effect once at DOJ.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from '../../db/registry.ts';
import type { Logger } from '../log.ts';
import type { Switchboard } from '../session/switchboard.ts';
import { retryDelay, type RetryPolicy } from './backoff.ts';
import type { CarposClient, Outcome } from './client.ts';
import { rejectionNotice } from './notice.ts';
import { claimRows, currentFcn, holderOfFcn, markDelivered, markFailed, markRejected, releaseRow } from './outbox.ts';
import { requestFor, UnsendableError, type OutboxRow } from './requests.ts';

export interface WorkerOptions {
  registry: Registry;
  client: CarposClient;
  log: Logger;
  /** Where rejection NOTEs go: the service's switchboard. */
  switchboard?: Pick<Switchboard, 'deliver'>;
  /** How long to sleep when nothing is due (default 1000 ms). */
  pollMs?: number;
  /** Requests in flight at once, each for a different order (default 8). */
  concurrency?: number;
  /** How long a claim holds its rows; must outlast a request (default 60 s). */
  leaseMs?: number;
  retry?: RetryPolicy;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

const CARPOS_ACTOR_USER = 'CARPOS';

export class CarposWorker {
  readonly stats = { delivered: 0, rejected: 0, failed: 0, abandoned: 0 };
  private readonly name = `${hostname()}:${process.pid}`;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private stopping = false;
  private killed = false;
  private abort = new AbortController();
  private wake: (() => void) | undefined;
  private kicked = false;
  private outboxTrouble = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly o: WorkerOptions) {
    this.pollMs = o.pollMs ?? 1_000;
    this.concurrency = o.concurrency ?? 8;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.retry = o.retry ?? { baseMs: 1_000, capMs: 300_000 };
    this.random = o.random ?? Math.random;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.killed = false;
    this.kicked = false;
    this.abort = new AbortController();
    this.running = this.loop();
  }

  /** Looks at the outbox now instead of at the end of the current (or next) pause. */
  nudge(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Stops: no new claims; requests in flight get `graceMs` to be answered, then are abandoned and
   * their rows released at once (they are sent again, under the same key, by whoever runs next).
   */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stopping = true;
    this.nudge();
    const timer = setTimeout(() => this.abort.abort(new Error('stopping')), opts.graceMs ?? 2_000);
    try {
      await running;
    } finally {
      clearTimeout(timer);
      this.running = undefined;
    }
  }

  /**
   * Stops at once, as a crash would: requests in flight are cut off and nothing more is written.
   * Their rows stay leased until the lease runs out, then any worker sends them again.
   */
  async kill(): Promise<void> {
    this.killed = true;
    this.stopping = true;
    this.abort.abort(new Error('killed'));
    this.nudge();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Claims the rows due now (up to `concurrency`) and delivers them; returns how many it claimed. */
  async runOnce(): Promise<number> {
    const token = this.token();
    const rows = await claimRows(this.o.registry.db, { limit: this.concurrency, leaseMs: this.leaseMs, token });
    await Promise.all(rows.map((row) => this.deliver(row, token)));
    return rows.length;
  }

  // ---- inside -------------------------------------------------------------------------------

  private token(): string {
    return `${this.name}:${randomUUID()}`;
  }

  /**
   * Keeps up to `concurrency` deliveries in flight: claims as many rows as there are free slots,
   * and looks again when a delivery ends (its order's next row may now be due) or after pollMs.
   */
  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.concurrency - this.inflight.size;
      if (free > 0) {
        try {
          const token = this.token();
          const rows = await claimRows(this.o.registry.db, { limit: free, leaseMs: this.leaseMs, token });
          for (const row of rows) this.track(this.deliver(row, token));
          if (this.outboxTrouble) this.o.log.info('CARPOS outbox readable again');
          this.outboxTrouble = false;
        } catch (err) {
          if (!this.outboxTrouble) this.o.log.warn({ err: (err as Error).message }, 'CARPOS gateway cannot read the outbox; trying again');
          this.outboxTrouble = true;
        }
      }
      if (this.stopping) break;
      await this.pause(this.pollMs);
    }
    await Promise.all(this.inflight);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      this.nudge();
    });
  }

  private pause(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async deliver(row: OutboxRow, token: string): Promise<void> {
    try {
      let outcome: Outcome;
      try {
        outcome = await this.o.client.send(requestFor(row), row.idempotencyKey, this.abort.signal);
      } catch (err) {
        if (!(err instanceof UnsendableError)) throw err;
        outcome = { kind: 'failed', error: err.message };
      }
      if (this.killed) return;
      switch (outcome.kind) {
        case 'abandoned':
          this.stats.abandoned++;
          await releaseRow(this.o.registry.db, row, token);
          return;
        case 'failed':
          return await this.failed(row, token, outcome.error, outcome.status);
        case 'rejected':
          return await this.rejected(row, token, outcome);
        case 'accepted':
          return await this.accepted(row, token, outcome);
      }
    } catch (err) {
      // The database failed us mid-way: the lease runs out and the row is sent again, same key.
      this.o.log.warn({ err: (err as Error).message, row: row.id, pno: row.pno, action: row.action }, 'CARPOS delivery not recorded; it will be sent again');
    }
  }

  private async accepted(row: OutboxRow, token: string, a: Extract<Outcome, { kind: 'accepted' }>): Promise<void> {
    const db = this.o.registry.db;
    if (row.action === 'ENTER') {
      if (!row.agencyCode || !a.fcn.startsWith(row.agencyCode)) {
        return this.failed(row, token, `MALFORMED ANSWER: FCN ${a.fcn} DOES NOT BEGIN WITH AGENCY CODE ${row.agencyCode}`, a.status);
      }
      // An ENTER answered before and recorded, whose DELIVERED was lost: the replay brings the same FCN.
      const current = await currentFcn(db, row.orderId);
      if (current !== a.fcn) {
        if (current !== null) return this.failed(row, token, `CARPOS ANSWERED FCN ${a.fcn} BUT THE ORDER HAS FCN ${current}`, a.status);
        const holder = await holderOfFcn(db, a.fcn);
        if (holder) return this.failed(row, token, `CARPOS ANSWERED FCN ${a.fcn}, ALREADY THE FCN OF ${holder}`, a.status);
        if (this.killed) return;
        await this.o.registry.recordFcn(row.pno, a.fcn, { user: CARPOS_ACTOR_USER, ori: row.cti });
      }
    } else if (a.fcn !== row.fcn) {
      return this.failed(row, token, `MALFORMED ANSWER: FCN ${a.fcn} FOR A CHANGE OF ${row.fcn}`, a.status);
    }
    if (this.killed) return;
    if (await markDelivered(db, row, token, { fcn: a.fcn, status: a.status })) {
      this.stats.delivered++;
      this.o.log.info(
        { pno: row.pno, action: row.action, fcn: a.fcn, attempts: row.attempts, ...(a.replayed ? { replayed: true } : {}) },
        'delivered to CARPOS',
      );
    }
  }

  private async failed(row: OutboxRow, token: string, error: string, status?: number): Promise<void> {
    if (this.killed) return;
    const delayMs = retryDelay(row.attempts, this.retry, this.random);
    if (!(await markFailed(this.o.registry.db, row, token, error, delayMs, status))) return;
    this.stats.failed++;
    // The first failure of a row, and every tenth after it, at warn; the rest at debug.
    const level = row.attempts === 1 || row.attempts % 10 === 0 ? 'warn' : 'debug';
    this.o.log[level]({ pno: row.pno, action: row.action, attempts: row.attempts, error, retryInMs: delayMs }, 'CARPOS delivery failed; will retry');
  }

  private async rejected(row: OutboxRow, token: string, r: Extract<Outcome, { kind: 'rejected' }>): Promise<void> {
    if (this.killed) return;
    const held = await markRejected(this.o.registry.db, row, token, { reason: r.reason, status: r.status });
    if (held === undefined) return;
    this.stats.rejected++;
    const lines = rejectionNotice({ action: row.action, pno: row.pno, reason: r.reason, held, cti: row.cti });
    const terminals = this.o.switchboard?.deliver(row.cti, 'NOTE', 'NOTE', lines) ?? 0;
    this.o.log.warn(
      { pno: row.pno, action: row.action, status: r.status, reason: r.reason, held, court: row.cti, terminals },
      terminals > 0 ? 'CARPOS rejected a transaction; the court was told' : 'CARPOS rejected a transaction; no terminal of the court is signed on (see ccpor carpos status)',
    );
  }
}
