// Time as the service sees it. Tests pass a clock they move by hand.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told: for idle-lock, lockout and expiry tests. */
export class ManualClock implements Clock {
  constructor(private t: Date = new Date('2026-06-15T19:00:00Z')) {}
  now(): Date {
    return new Date(this.t);
  }
  set(t: Date): void {
    this.t = new Date(t);
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}
