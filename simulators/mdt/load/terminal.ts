// One load-test terminal: a connection that signs on, and signs on again after a drop, with
// exponential backoff. Workers share it; a request lost with a dropped connection is an error.
import { ConnectionClosed, MdtClient, type Answer, type Endpoint } from '../client.ts';
import type { Credential } from '../credentials.ts';
import type { ServiceClock } from '../service-clock.ts';
import { LeanLink } from './lean.ts';
import type { LoadStats } from './stats.ts';

export class SignOnRejected extends Error {
  override name = 'SignOnRejected';
  constructor(readonly code: string) {
    super(`sign-on refused: REJ ${code}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TerminalShared {
  endpoint: Endpoint;
  replyTimeoutMs: number;
  stats: LoadStats;
  clock: ServiceClock;
  /** Set when the run ends: no more connecting or sending. */
  stopped: boolean;
}

export class LoadTerminal {
  client: MdtClient | undefined;
  #opening: Promise<MdtClient> | undefined;
  #everOpen = false;
  #backoff = 100;
  #seq = 0;
  #lean: { of: MdtClient; link: LeanLink } | undefined;

  constructor(
    readonly id: number,
    readonly cred: Credential & { ori: string; password: string },
    readonly shared: TerminalShared,
    /** Count in the run's statistics (false for the idle fleet, which counts its own). */
    readonly counted = true,
  ) {}

  /** A CTL unique on this connection (at most 10 characters). */
  nextCtl(): string {
    this.#seq = (this.#seq + 1) % 36 ** 6;
    return `L${this.#seq.toString(36).toUpperCase()}`;
  }

  /** A signed-on connection; waits (with backoff) until there is one, or undefined once stopped. */
  async ready(): Promise<MdtClient | undefined> {
    while (!this.shared.stopped) {
      if (this.client?.isOpen) return this.client;
      this.#opening ??= this.#open().finally(() => {
        this.#opening = undefined;
      });
      try {
        return await this.#opening;
      } catch (err) {
        const s = this.shared.stats;
        if (err instanceof SignOnRejected) s.signOnRejected.add(err.code);
        else s.errors.add(err instanceof ConnectionClosed ? 'connection-lost' : 'connect-failed');
        await sleep(this.#backoff * (0.5 + Math.random()));
        this.#backoff = Math.min(this.#backoff * 2, 5_000);
      }
    }
    return undefined;
  }

  /** A signed-on connection read by a LeanLink (--lean), or undefined once stopped. */
  async readyLean(): Promise<LeanLink | undefined> {
    const c = await this.ready();
    if (!c) return undefined;
    if (this.#lean?.of !== c) this.#lean = { of: c, link: new LeanLink(c.takeSocket()) };
    return this.#lean.link;
  }

  /** The lean reader of the current connection, if any (for the run's timeout sweep). */
  get lean(): LeanLink | undefined {
    return this.#lean?.of === this.client ? this.#lean?.link : undefined;
  }

  async #open(): Promise<MdtClient> {
    const { endpoint, replyTimeoutMs, stats } = this.shared;
    const c = await MdtClient.connect(endpoint, { replyTimeoutMs, keepUnsolicited: false });
    c.on('unsolicited', (r) => {
      stats.unsolicited.add(`${r.mke} ${r.status}`.trim());
      this.shared.clock.observe(r.time);
    });
    c.on('late', () => stats.late++);
    c.on('stray', () => stats.strays++);
    c.on('protocol-error', () => stats.errors.add('unreadable-reply'));
    c.on('close', () => {
      if (this.client === c) {
        this.client = undefined;
        if (!this.shared.stopped) stats.drops++;
      }
    });
    let a: Answer;
    try {
      a = await c.send(`SON.${this.cred.ori}.USR/${this.cred.user}.PWD/${this.cred.password}`);
    } catch (err) {
      c.close();
      throw err;
    }
    this.shared.clock.observe(a.time);
    if (a.status !== 'ACK') {
      c.close();
      throw new SignOnRejected(a.reject?.code ?? a.status);
    }
    stats.signOn.record(a.latencyMs);
    if (this.#everOpen) stats.reconnects++;
    this.#everOpen = true;
    this.#backoff = 100;
    this.client = c;
    return c;
  }

  /** Signs off (best effort) and closes. */
  async close(): Promise<void> {
    const lean = this.lean;
    const c = this.client;
    this.client = undefined;
    if (!c?.isOpen) return;
    try {
      const sof = `SOF.${this.cred.ori}`;
      if (lean) await Promise.race([lean.send(sof), sleep(2_000)]);
      else await c.send(sof, { timeoutMs: 2_000 });
    } catch {
      // closing anyway
    }
    await c.end(1_000);
  }
}
