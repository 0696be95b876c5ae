// `${...}` in scenario lines: variables (set, default, --var, captures) and helpers for dates in
// the service's time zone, unique values per run and well-formed order numbers.
import type { ServiceClock } from '../service-clock.ts';
import { addDays } from '../service-clock.ts';
import { pnoOf, randomDigits, randomLetters } from '../text.ts';

export class UndefinedVariable extends Error {
  override name = 'UndefinedVariable';
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function addMinutes(dateTime: string, minutes: number): string {
  const t = Date.UTC(+dateTime.slice(0, 4), +dateTime.slice(4, 6) - 1, +dateTime.slice(6, 8), +dateTime.slice(8, 10), +dateTime.slice(10, 12) + minutes);
  return new Date(t).toISOString().replace(/\D/g, '').slice(0, 12);
}

function randomDate(from: string, to: string): string {
  const a = Date.UTC(+from.slice(0, 4), +from.slice(4, 6) - 1, +from.slice(6, 8));
  const b = Date.UTC(+to.slice(0, 4), +to.slice(4, 6) - 1, +to.slice(6, 8));
  if (!(b >= a)) throw new UndefinedVariable(`RANDDATE needs FROM <= TO as CCYYMMDD (got ${from}, ${to})`);
  const t = a + Math.floor(Math.random() * ((b - a) / 86_400_000 + 1)) * 86_400_000;
  return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
}

export class Variables {
  readonly #vars = new Map<string, string>();

  constructor(
    readonly clock: ServiceClock,
    initial: Record<string, string> = {},
  ) {
    for (const [k, v] of Object.entries(initial)) this.#vars.set(k, v);
    if (!this.#vars.has('RUN')) this.#vars.set('RUN', randomLetters(6));
  }

  has(name: string): boolean {
    return this.#vars.has(name);
  }

  get(name: string): string | undefined {
    return this.#vars.get(name);
  }

  set(name: string, value: string): void {
    this.#vars.set(name, value);
  }

  /** A template with every `${...}` replaced; `$${` is a literal `${`. */
  fill(template: string): string {
    return this.#fill(template, (s) => s);
  }

  /** A regular expression template: values of variables are matched literally. */
  regex(source: string, flags: string): RegExp {
    const filled = this.#fill(source, escapeRegExp);
    try {
      return new RegExp(filled, flags);
    } catch (err) {
      throw new UndefinedVariable(`bad regular expression /${filled}/: ${(err as Error).message}`);
    }
  }

  #fill(t: string, escape: (s: string) => string): string {
    let out = '';
    let i = 0;
    while (i < t.length) {
      const at = t.indexOf('${', i);
      if (at < 0) {
        out += t.slice(i);
        break;
      }
      if (at > 0 && t[at - 1] === '$') {
        out += t.slice(i, at - 1) + '${';
        i = at + 2;
        continue;
      }
      out += t.slice(i, at);
      let depth = 1;
      let j = at + 2;
      for (; j < t.length && depth > 0; j++) {
        if (t.startsWith('${', j)) {
          depth++;
          j++;
        } else if (t[j] === '}') depth--;
      }
      if (depth > 0) throw new UndefinedVariable(`unclosed \${ in: ${t}`);
      const inner = this.#fill(t.slice(at + 2, j - 1), (s) => s);
      out += escape(this.resolve(inner));
      i = j;
    }
    return out;
  }

  /** The value of one expression (what is between `${` and `}`). */
  resolve(expr: string): string {
    const e = expr.trim();
    const v = this.#vars.get(e);
    if (v !== undefined) return v;

    const off = /^(TODAY|NOW|HHMM)(?:([+-])(\d+))?$/.exec(e);
    if (off) {
      const n = off[2] ? Number(off[3]) * (off[2] === '-' ? -1 : 1) : 0;
      const now = this.clock.localDateTime();
      if (off[1] === 'TODAY') return addDays(now.slice(0, 8), n);
      const t = addMinutes(now, n);
      return off[1] === 'NOW' ? t : t.slice(8, 12);
    }

    const fn = /^([A-Z]+):(.*)$/s.exec(e);
    if (fn) {
      const args = fn[2]!.split(':');
      const num = (s: string | undefined, what: string) => {
        if (s === undefined || !/^\d+$/.test(s)) throw new UndefinedVariable(`\${${e}}: ${what} must be a number`);
        return Number(s);
      };
      switch (fn[1]) {
        case 'PNO':
          return pnoOf(num(args[0], 'the sequence number'));
        case 'REPEAT': {
          const n = num(args[args.length - 1], 'the count');
          if (n > 1_000_000) throw new UndefinedVariable(`\${${e}}: at most 1000000`);
          return args.slice(0, -1).join(':').repeat(n);
        }
        case 'RAND':
          return randomDigits(num(args[0], 'the length'));
        case 'ALPHA':
          return randomLetters(num(args[0], 'the length'));
        case 'RANDDATE':
          return randomDate(String(num(args[0], 'FROM')), String(num(args[1], 'TO')));
        case 'LOWER':
          return fn[2]!.toLowerCase();
        case 'UPPER':
          return fn[2]!.toUpperCase();
      }
      throw new UndefinedVariable(`unknown helper \${${fn[1]}:...} (PNO REPEAT RAND ALPHA RANDDATE LOWER UPPER)`);
    }
    throw new UndefinedVariable(`undefined variable \${${e}}`);
  }
}
