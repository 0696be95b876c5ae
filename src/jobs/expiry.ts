// The expiry job (issue 5, item 4): moves orders past their expiration date to EXPIRED and records
// it in their history. Answers never wait for it — status is computed at answer time (ICD 4.2) —
// so it runs every few minutes, in batches, and several service processes may run it at once
// (rows are claimed with SKIP LOCKED).
import { localDate } from '../../db/dates.ts';
import type { Registry } from '../../db/registry.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { PeriodicJob } from './periodic.ts';

export class ExpiryJob {
  private readonly job: PeriodicJob<number>;

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly log: Logger,
  ) {
    this.job = new PeriodicJob('expiry job', () => this.run(), log);
  }

  /** Expires everything due now; returns how many orders it expired. */
  runOnce(): Promise<number> {
    return this.job.runOnce();
  }

  private async run(): Promise<number> {
    const today = localDate(this.clock.now(), this.timeZone);
    let total = 0;
    for (;;) {
      const batch = await this.registry.expireOrders(today);
      total += batch.length;
      if (batch.length < 1_000) break;
    }
    if (total) this.log.info({ expired: total, today }, 'orders past their expiration date marked EXPIRED');
    return total;
  }

  start(everyMs: number): void {
    this.job.start(everyMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }
}
