// The expiry job (issue 5, item 4): moves orders past their expiration date to EXPIRED and records
// it in their history. Answers never wait for it — status is computed at answer time (ICD 4.2) —
// so it runs every few minutes, in batches, and several service processes may run it at once
// (rows are claimed with SKIP LOCKED).
import { localDate } from '../../db/dates.ts';
import type { Registry } from '../../db/registry.ts';
import { isUnavailable } from '../../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

export class ExpiryJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly log: Logger,
  ) {}

  /** Expires everything due now; returns how many orders it expired. */
  runOnce(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
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
    const tick = () =>
      void this.runOnce().catch((err: unknown) => {
        if (isUnavailable(err)) this.log.warn({ err: (err as Error).message }, 'expiry job: registry unavailable; next run will catch up');
        else this.log.error({ err }, 'expiry job failed');
      });
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }
}
