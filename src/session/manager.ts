// All sessions of this process: the connection limit, and the idle sweep of ICD 6.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { Session, type SessionDeps, type TerminalLink } from './session.ts';

// Terminal ids must not repeat after a restart (the same pid is usual in a container): traffic
// kept for a terminal must never reach another connection that happens to get its id.
const INSTANCE = randomBytes(3).toString('hex');

export class SessionManager {
  private readonly sessions = new Set<Session>();
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(
    private readonly deps: SessionDeps,
    private readonly maxConnections: number,
  ) {}

  get clock(): Clock {
    return this.deps.clock;
  }

  get size(): number {
    return this.sessions.size;
  }

  terminalId(kind: string): string {
    this.nextId += 1;
    return `${kind}-${process.pid}-${INSTANCE}-${this.nextId}`;
  }

  /** A new session, or undefined when the service is at its connection limit. */
  open(link: TerminalLink): Session | undefined {
    if (this.sessions.size >= this.maxConnections) return undefined;
    const s = new Session(this.deps, link);
    this.sessions.add(s);
    return s;
  }

  closed(s: Session): void {
    s.ended();
    this.sessions.delete(s);
  }

  /** Locks and closes idle sessions; returns how many of each. Tests call it with a moved clock. */
  sweep(): { locked: number; closed: number } {
    const now = this.deps.clock.now();
    let locked = 0;
    let closed = 0;
    for (const s of this.sessions) {
      const r = s.checkIdle(now);
      if (r === 'lock') locked++;
      if (r === 'close') closed++;
    }
    return { locked, closed };
  }

  start(everyMs = 10_000): void {
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Closes every session (service shutdown). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sessions) s.close('shutdown');
  }
}
