// Counting for load mode: a log-bucketed latency histogram (1 % resolution, constant memory
// however long the run) and counters by status, reject code, kind of message and error.

/** Latencies in milliseconds, kept as counts in buckets 1 % wide (from 1 µs to hours). */
export class Histogram {
  readonly #buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  record(ms: number): void {
    const v = Math.max(ms, 0.001);
    const b = Math.round(Math.log(v * 1000) / Math.log(1.01));
    this.#buckets.set(b, (this.#buckets.get(b) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** The value below which `p` (0–100) per cent of the samples fall; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const b of [...this.#buckets.keys()].sort((x, y) => x - y)) {
      seen += this.#buckets.get(b)!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Math.pow(1.01, b) / 1000));
    }
    return this.max;
  }

  get mean(): number {
    return this.count ? this.sum / this.count : 0;
  }

  summary(): LatencySummary {
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      count: this.count,
      p50: r(this.percentile(50)),
      p90: r(this.percentile(90)),
      p99: r(this.percentile(99)),
      max: r(this.max),
      mean: r(this.mean),
      min: r(this.count ? this.min : 0),
    };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  min: number;
}

export class Counter {
  readonly map = new Map<string, number>();
  add(key: string, n = 1): void {
    this.map.set(key, (this.map.get(key) ?? 0) + n);
  }
  get(key: string): number {
    return this.map.get(key) ?? 0;
  }
  get total(): number {
    let t = 0;
    for (const v of this.map.values()) t += v;
    return t;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.map].sort((a, b) => b[1] - a[1]));
  }
  toString(): string {
    const e = [...this.map].sort((a, b) => b[1] - a[1]);
    return e.length ? e.map(([k, v]) => `${k} ${v}`).join(', ') : 'none';
  }
}

export class KindStats {
  sent = 0;
  readonly status = new Counter();
  readonly latency = new Histogram();
  expected = 0;
  noData = 0;
}

/** Everything one load run counts. */
export class LoadStats {
  sent = 0;
  replies = 0;
  readonly latency = new Histogram();
  /** Latency of replies other than REJ RAT. */
  readonly served = new Histogram();
  readonly byStatus = new Counter();
  readonly byReject = new Counter();
  readonly errors = new Counter();
  readonly byKind = new Map<string, KindStats>();
  readonly unsolicited = new Counter();
  readonly signOn = new Histogram();
  readonly signOnRejected = new Counter();
  reconnects = 0;
  drops = 0;
  late = 0;
  strays = 0;
  ctlMismatches = 0;
  /** Requests sent later than the --rate schedule (the terminal was still waiting for a reply). */
  behind = 0;

  kind(k: string): KindStats {
    let s = this.byKind.get(k);
    if (!s) {
      s = new KindStats();
      this.byKind.set(k, s);
    }
    return s;
  }
}
