// What the load test knows of the registry without reading it: orders seen in HIT replies (by
// probing order numbers, or entered by the run itself) and names from a --names file. Inquiries
// pick from here so that they mostly hit. Bounded: at most MAX entries are kept.
import { readFileSync } from 'node:fs';
import { fieldValue, type ParsedReply } from '../../../protocol/index.ts';
import { UsageError } from '../text.ts';

export interface KnownOrder {
  pno?: string;
  nam: string;
  dob: string;
  sex?: string;
  ppn?: string;
  ppb?: string;
  oca?: string;
  cti?: string;
  oln?: string;
  ols?: string;
  fcn?: string;
  /** Entered by this run: it may be cleared or cancelled (cpo, xpo). */
  own?: boolean;
  /** Cleared or cancelled by this run: no longer picked. */
  gone?: boolean;
}

const MAX = 50_000;

export type PoolField = 'pno' | 'ppn' | 'oca' | 'oln' | 'fcn' | 'own';

export class Pool {
  readonly orders: KnownOrder[] = [];
  readonly #pnos = new Set<string>();
  /** Indexes of orders that have each optional field, for kinds that need it. */
  readonly #with = { pno: [] as number[], ppn: [] as number[], oca: [] as number[], oln: [] as number[], fcn: [] as number[], own: [] as number[] };

  get size(): number {
    return this.orders.length;
  }

  add(o: KnownOrder): void {
    if (this.orders.length >= MAX) return;
    if (o.pno) {
      if (this.#pnos.has(o.pno)) return;
      this.#pnos.add(o.pno);
    }
    const i = this.orders.push(o) - 1;
    if (o.pno) this.#with.pno.push(i);
    if (o.ppn && o.ppb) this.#with.ppn.push(i);
    if (o.oca && o.cti) this.#with.oca.push(i);
    if (o.oln && o.ols) this.#with.oln.push(i);
    if (o.fcn) this.#with.fcn.push(i);
    if (o.own) this.#with.own.push(i);
  }

  /** Every ACTIVE record of a HIT; returns how many were new. */
  addHit(r: ParsedReply): number {
    let n = 0;
    for (const rec of r.records) {
      const f = (t: string) => fieldValue(rec.fields, t);
      if (f('STS') !== 'ACTIVE') continue;
      const nam = f('NAM');
      const dob = f('DOB');
      if (!nam || !dob) continue;
      const before = this.size;
      this.add({
        nam,
        dob,
        ...opt('pno', f('PNO')),
        ...opt('sex', f('SEX')),
        ...opt('ppn', f('PPN')),
        ...opt('ppb', f('PPB')),
        ...opt('oca', f('OCA')),
        ...opt('cti', f('CTI')),
        ...opt('oln', f('OLN')),
        ...opt('ols', f('OLS')),
        ...opt('fcn', f('FCN')),
      });
      if (this.size > before) n++;
    }
    return n;
  }

  /** A random order, or one that has `field`; undefined when there is none. */
  pick(field?: PoolField): KnownOrder | undefined {
    const n = field ? this.#with[field].length : this.orders.length;
    for (let tries = 0; n > 0 && tries < 8; tries++) {
      const r = Math.floor(Math.random() * n);
      const o = this.orders[field ? this.#with[field][r]! : r]!;
      if (!o.gone) return o;
    }
    return undefined;
  }

  /** Takes one of this run's own orders out (cpo, xpo): no two terminals end the same order. */
  takeOwn(): KnownOrder | undefined {
    const list = this.#with.own;
    while (list.length) {
      const at = Math.floor(Math.random() * list.length);
      const i = list[at]!;
      list[at] = list[list.length - 1]!;
      list.pop();
      const o = this.orders[i]!;
      if (o.own && !o.gone) {
        o.own = false;
        o.gone = true;
        return o;
      }
    }
    return undefined;
  }

  counts(): Record<string, number> {
    return {
      orders: this.size,
      withPno: this.#with.pno.length,
      withProtectedPerson: this.#with.ppn.length,
      withCase: this.#with.oca.length,
      withLicence: this.#with.oln.length,
      withFcn: this.#with.fcn.length,
      own: this.#with.own.length,
    };
  }
}

const opt = <K extends string>(k: K, v: string | undefined) => (v ? ({ [k]: v } as Record<K, string>) : {});

/**
 * A --names file: one person a line, `LAST, FIRST|CCYYMMDD` (also `;` or a tab between), or
 * `NAM/LAST, FIRST.DOB/CCYYMMDD`. Blank lines and `#` comments are skipped.
 */
export function readNames(file: string): KnownOrder[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --names ${file}: ${(err as Error).message}`);
  }
  const out: KnownOrder[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const tagged = /NAM\/([^.]+)\.DOB\/(\d{8})/i.exec(line);
    const plain = /^\s*([^|;\t]+?)\s*[|;\t]\s*(\d{8})\s*(?:[|;\t]\s*([A-Z0-9]+)\s*)?$/i.exec(line);
    const m = tagged ?? plain;
    if (!m) throw new UsageError(`${file}:${i + 1}: expected 'LAST, FIRST|CCYYMMDD' (and optionally '|PNO')`);
    out.push({ nam: m[1]!.trim().toUpperCase(), dob: m[2]!, ...(m[3] ? { pno: m[3].toUpperCase() } : {}) });
  });
  if (out.length === 0) throw new UsageError(`no names in ${file}`);
  return out;
}
