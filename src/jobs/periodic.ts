// A job the service runs every few seconds or minutes (expiry, hit-confirmation timers): one run
// at a time, a run that fails is logged and the next one catches up, and stop() waits for the run
// in progress.
import { isUnavailable } from '../../db/database.ts';
import type { Logger } from '../log.ts';

export class PeriodicJob<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<T>,
    private readonly log: Logger,
  ) {}

  /** Runs now, or joins the run in progress. */
  runOnce(): Promise<T> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }

  start(everyMs: number): void {
    const tick = () =>
      void this.runOnce().catch((err: unknown) => {
        if (isUnavailable(err)) this.log.warn({ err: (err as Error).message }, `${this.name}: registry unavailable; the next run will catch up`);
        else this.log.error({ err }, `${this.name} failed`);
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
