// A small seeded random generator (sfc32), so that a fuzz run can be repeated: the same seed and
// the same number of inputs per worker give the same bytes. Math.random cannot be seeded.

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // Spread the seed over the state (splitmix32), then discard the first outputs.
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A generator of its own for a worker or a purpose, derived from this one's seed. */
  fork(n: number): Rng {
    return new Rng((this.u32() ^ Math.imul(n + 1, 0x27d4eb2d)) >>> 0);
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** [0, 1). */
  next(): number {
    return this.u32() / 4_294_967_296;
  }

  /** 0 … n-1. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** min … max, both included. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One of the keys, chosen by weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let x = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** A length from 0 to max, small ones more often (most bugs need only a few bytes). */
  length(max: number): number {
    return Math.min(max, Math.floor(Math.pow(this.next(), 3) * (max + 1)));
  }
}
