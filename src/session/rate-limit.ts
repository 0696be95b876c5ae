// A token bucket per connection: `burst` messages at once, `perSecond` sustained. A message over
// the limit is answered REJ RAT and not processed, so a runaway terminal cannot starve the others.
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    // A clock stepped backwards (NTP) refills nothing and takes nothing away.
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
    this.last = Math.max(now, this.last);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
