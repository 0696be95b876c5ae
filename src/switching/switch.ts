// The message switch of one service instance (issue 6): store and forward, live delivery on every
// instance, watch notices. See ./messenger.ts for the contract.
//
//   send ──▶ PostgreSQL (kept) ──▶ terminals of the ORI here ──▶ bus ──▶ the same on other instances
//   sign-on ──▶ what waits for the ORI, oldest first, claimed so that one terminal takes it once
//   sweep (every few seconds) ──▶ what still waits for an ORI with a terminal here (bus lost, or a
//   message for one terminal that has signed off: it goes to its ORI)
import type { Database } from '../../db/database.ts';
import { claimWaiting, findMessage, holdMessages, markDelivered, releaseClaim, storeMessage, type StoredMessage } from '../../db/terminal-messages.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Reachable, Switchboard } from '../session/switchboard.ts';
import type { Bus, BusEvent } from './bus.ts';
import type { Destination, Messenger, OutboundMessage, Watches } from './messenger.ts';

/** What the switch needs of a session beyond the switchboard's view. */
interface Terminal extends Reachable {
  firstTime(id: number): boolean;
  afterSignOfLife(heard: () => void, gone: () => void): void;
}

const CLAIM_MS = 30_000;
/** The most recent orders a terminal watches; older watches give way. */
const MAX_WATCHES_PER_TERMINAL = 500;
/** A message for one terminal that is nowhere to be found goes to its ORI after this long. */
const TERMINAL_GRACE_MS = 2_000;

export interface SwitchOptions {
  db: Database;
  switchboard: Switchboard;
  bus: Bus;
  clock: Clock;
  log: Logger;
  /** This instance, to ignore its own bus events. */
  instance: string;
  /** How long a HIT makes a terminal a watcher of the order (24 h). */
  watchMs?: number;
}

export class MessageSwitch implements Messenger, Watches {
  // Watches, both ways: pno → terminals, and terminal → pno → until (ms), oldest first. Bounded per
  // terminal and dropped with the connection, so a busy day cannot grow them without limit.
  private readonly watchers = new Map<string, Set<string>>();
  private readonly watching = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Messages written to terminals here that have not been heard from since: id → terminals. */
  private readonly held = new Map<number, Set<string>>();
  private get holder(): string {
    return `held-${this.o.instance}`;
  }

  constructor(private readonly o: SwitchOptions) {
    o.bus.subscribe((e) => void this.onBus(e));
  }

  // ---- Messenger ------------------------------------------------------------------------------

  async send(to: Destination, m: OutboundMessage): Promise<{ id: number; deliveredHere: number }> {
    const id = await storeMessage(this.o.db, { toOri: to.ori, toTerminal: to.terminal ?? null, mke: m.mke, status: m.status, body: m.body, createdAt: this.o.clock.now() });
    const stored: StoredMessage = { id, toOri: to.ori, toTerminal: to.terminal ?? null, ...m, createdAt: this.o.clock.now() };
    const deliveredHere = this.deliverHere(stored);
    await this.o.bus.publish({ kind: 'message', id, origin: this.o.instance });
    return { id, deliveredHere };
  }

  /** After a sign-on: everything that waited for the terminal's ORI, oldest first, once. */
  async signedOn(s: Terminal): Promise<void> {
    const at = this.o.switchboard.terminal(s.terminal);
    if (!at) return;
    try {
      const waiting = await claimWaiting(this.o.db, [at.ori], s.terminal, this.o.clock.now(), CLAIM_MS);
      for (const m of waiting) this.write(s, m, true);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, terminal: s.terminal }, 'waiting traffic not delivered at sign-on; the sweep will retry');
    }
  }

  // ---- Watches ------------------------------------------------------------------------------

  watch(terminal: string, pnos: string[]): void {
    const until = this.o.clock.now().getTime() + (this.o.watchMs ?? 24 * 3600_000);
    let mine = this.watching.get(terminal);
    if (!mine) this.watching.set(terminal, (mine = new Map()));
    for (const pno of pnos) {
      mine.delete(pno); // re-inserted: the most recent HIT is the last to be dropped
      mine.set(pno, until);
      let set = this.watchers.get(pno);
      if (!set) this.watchers.set(pno, (set = new Set()));
      set.add(terminal);
    }
    while (mine.size > MAX_WATCHES_PER_TERMINAL) this.unwatch(terminal, mine.keys().next().value!);
  }

  /** The connection ended: its watches end with it. */
  forget(terminal: string): void {
    for (const pno of [...(this.watching.get(terminal)?.keys() ?? [])]) this.unwatch(terminal, pno);
    this.watching.delete(terminal);
  }

  /** How many (order, terminal) watches this instance holds (tests, metrics). */
  get watchCount(): number {
    let n = 0;
    for (const m of this.watching.values()) n += m.size;
    return n;
  }

  private unwatch(terminal: string, pno: string): void {
    const mine = this.watching.get(terminal);
    mine?.delete(pno);
    if (mine?.size === 0) this.watching.delete(terminal);
    const set = this.watchers.get(pno);
    set?.delete(terminal);
    if (set?.size === 0) this.watchers.delete(pno);
  }

  async orderChanged(pno: string, action: 'MODIFY' | 'CLEAR' | 'CANCEL' | 'SERVE', by: { ori: string; terminal: string }): Promise<void> {
    this.notifyWatchers(pno, action, by.ori, by.terminal);
    await this.o.bus.publish({ kind: 'order-changed', pno, action, by: by.ori, byTerminal: by.terminal, origin: this.o.instance });
  }

  // ---- Running --------------------------------------------------------------------------------

  /** Delivers what still waits for ORIs with a terminal here (lost bus events, terminals gone). */
  sweep(): Promise<void> {
    this.sweeping ??= this.runSweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.sweep().catch((err: Error) => this.o.log.warn({ err: err.message }, 'message sweep failed')), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => {});
    await this.o.bus.close();
  }

  // ---- Inside -----------------------------------------------------------------------------------

  private async runSweep(): Promise<void> {
    if (this.held.size > 0) await holdMessages(this.o.db, [...this.held.keys()], this.holder, new Date(this.o.clock.now().getTime() + CLAIM_MS));
    const oris = this.o.switchboard.oris();
    if (oris.length === 0) return;
    const now = this.o.clock.now();
    const waiting = await claimWaiting(this.o.db, oris, `sweep-${this.o.instance}`, now, CLAIM_MS, new Date(now.getTime() - TERMINAL_GRACE_MS));
    for (const m of waiting) {
      const targets = this.o.switchboard.terminalsOf(m.toOri) as Terminal[];
      if (targets.length === 0) await releaseClaim(this.o.db, m.id, `sweep-${this.o.instance}`);
      for (const t of targets) this.write(t, m, false);
    }
  }

  private async onBus(e: BusEvent): Promise<void> {
    if (e.origin === this.o.instance) return;
    try {
      if (e.kind === 'order-changed') return this.notifyWatchers(e.pno, e.action, e.by, e.byTerminal);
      // Only an instance with someone to give it to reads the message.
      const m = await findMessage(this.o.db, e.id);
      if (m) this.deliverHere(m);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'bus event not handled; the sweep will deliver');
    }
  }

  /** Live delivery to this instance's terminals: the one addressed, else every one of the ORI. */
  private deliverHere(m: StoredMessage): number {
    if (m.toTerminal) {
      const at = this.o.switchboard.terminal(m.toTerminal);
      // Elsewhere, gone, or now signed on for another agency: its instance or, after a grace, the
      // sweep gives it to the ORI's terminals — never to another agency's.
      if (!at || at.ori !== m.toOri) return 0;
      this.write(at.t as Terminal, m, false);
      return 1;
    }
    const targets = this.o.switchboard.terminalsOf(m.toOri) as Terminal[];
    for (const t of targets) this.write(t, m, false);
    return targets.length;
  }

  /**
   * Writes one message to one terminal (never twice to it). Delivered once the write succeeded
   * *and* the terminal was heard from afterwards (its next message, SOF included): a terminal
   * that vanished without a FIN still takes writes into the kernel's buffer for minutes, and a
   * message marked delivered to it would be lost. If the connection ends first the message waits
   * again for the ORI's next terminal — at least once, never lost.
   */
  private write(t: Terminal, m: StoredMessage, claimed: boolean): void {
    if (!t.firstTime(m.id)) return;
    t.notify(m.status, m.body, m.mke, (ok) => {
      if (!ok) return claimed ? this.record(releaseClaim(this.o.db, m.id, t.terminal), m.id) : undefined;
      // Held for this process while it waits to hear from the terminal: no sweep or sign-on
      // elsewhere takes it meanwhile; the hold is renewed by the sweep and runs out if we die.
      let had = this.held.get(m.id);
      if (!had) this.held.set(m.id, (had = new Set()));
      had.add(t.terminal);
      this.record(holdMessages(this.o.db, [m.id], this.holder, new Date(this.o.clock.now().getTime() + CLAIM_MS)), m.id);
      t.afterSignOfLife(
        () => {
          this.held.delete(m.id);
          this.record(markDelivered(this.o.db, m.id, t.terminal, this.o.clock.now()), m.id);
        },
        () => {
          const still = this.held.get(m.id);
          if (!still?.delete(t.terminal) || still.size > 0) return;
          this.held.delete(m.id);
          this.record(releaseClaim(this.o.db, m.id, this.holder), m.id);
        },
      );
    });
  }

  private record(done: Promise<void>, id: number): void {
    void done.catch((err: Error) => this.o.log.warn({ err: err.message, id }, 'delivery not recorded; it may be delivered again'));
  }

  private notifyWatchers(pno: string, action: string, byOri: string, byTerminal: string): void {
    const set = this.watchers.get(pno);
    if (!set) return;
    const now = this.o.clock.now().getTime();
    const past = { MODIFY: 'MODIFIED', CLEAR: 'CLEARED', CANCEL: 'CANCELLED', SERVE: 'SERVED' }[action] ?? action;
    for (const terminal of [...set]) {
      const until = this.watching.get(terminal)?.get(pno) ?? 0;
      if (until < now) {
        this.unwatch(terminal, pno);
        continue;
      }
      if (terminal === byTerminal) continue;
      const at = this.o.switchboard.terminal(terminal);
      if (!at) continue; // that connection has ended; its next HIT starts a new watch
      at.t.notify('NOTE', [`ORDER ${pno} WAS ${past} BY ${byOri} SINCE YOUR HIT - QUERY AGAIN`]);
    }
  }
}
