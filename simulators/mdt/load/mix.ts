// The kinds of message a load test sends, their weights (--mix), and how each is built. Messages
// are written with the codec's formatMessage, so they are what a real MDT would send.
import { formatMessage, MAY_SEND, type InboundMessage, type MessageKey, type ReplyStatus } from '../../../protocol/index.ts';
import type { Role } from '../credentials.ts';
import { UsageError, letterCounter, pnoOf, randomDigits } from '../text.ts';
import type { KnownOrder, Pool, PoolField } from './pool.ts';

export interface KindSpec {
  key: MessageKey;
  /** What a reply should be when the service and the pool agree. */
  expect: ReplyStatus;
  /** The pool field this kind needs; without it the kind falls back to qpo-name-miss. */
  needs?: PoolField | 'person';
  description: string;
}

export const KINDS = {
  'qpo-name': { key: 'QPO', expect: 'HIT', needs: 'person', description: 'restrained person NAM+DOB of a known order' },
  'qpo-name-miss': { key: 'QPO', expect: 'NREC', description: 'NAM+DOB nobody has' },
  'qpo-pno': { key: 'QPO', expect: 'HIT', needs: 'pno', description: 'PNO of a known order' },
  'qpo-pno-miss': { key: 'QPO', expect: 'NREC', description: 'a well-formed PNO not yet issued' },
  'qpo-pp': { key: 'QPO', expect: 'HIT', needs: 'ppn', description: 'protected person PPN+PPB' },
  'qpo-oca': { key: 'QPO', expect: 'HIT', needs: 'oca', description: 'court case OCA+CTI' },
  'qpo-oln': { key: 'QPO', expect: 'HIT', needs: 'oln', description: 'driver licence OLN+OLS' },
  'qpo-fcn': { key: 'QPO', expect: 'HIT', needs: 'fcn', description: 'CARPOS number FCN' },
  epo: { key: 'EPO', expect: 'ACK', description: 'enter a new order (CLERK)' },
  spo: { key: 'SPO', expect: 'ACK', needs: 'pno', description: 'record service of a known order' },
  cpo: { key: 'CPO', expect: 'ACK', needs: 'own', description: 'clear an order this run entered (CLERK)' },
  xpo: { key: 'XPO', expect: 'ACK', needs: 'own', description: 'cancel an order this run entered (CLERK)' },
  bad: { key: 'QPO', expect: 'REJ', description: 'an inquiry with an impossible DOB (REJ FLD)' },
} as const satisfies Record<string, KindSpec>;

export type Kind = keyof typeof KINDS;
const isKind = (s: string): s is Kind => Object.hasOwn(KINDS, s);

/** Who may send each key (ICD 4), to choose users for a mix: the protocol's table. */
export { MAY_SEND };

export class Mix {
  readonly #cumulative: [Kind, number][] = [];
  readonly total: number;

  constructor(readonly entries: [Kind, number][]) {
    let t = 0;
    for (const [k, w] of entries) {
      t += w;
      this.#cumulative.push([k, t]);
    }
    this.total = t;
  }

  pick(): Kind {
    const x = Math.random() * this.total;
    for (const [k, c] of this.#cumulative) if (x < c) return k;
    return this.#cumulative[this.#cumulative.length - 1]![0];
  }

  keys(): Set<MessageKey> {
    return new Set(this.entries.map(([k]) => KINDS[k].key));
  }

  toString(): string {
    return this.entries.map(([k, w]) => `${k}:${w}`).join(',');
  }
}

/** `qpo-name:70,qpo-pno:20,epo:10` (weights, any scale). */
export function parseMix(spec: string): Mix {
  const entries: [Kind, number][] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)(?::(\d+(?:\.\d+)?))?$/.exec(part);
    if (!m || !isKind(m[1]!)) {
      throw new UsageError(`--mix: unknown kind '${part}' (kinds: ${Object.keys(KINDS).join(', ')})`);
    }
    const w = m[2] === undefined ? 1 : Number(m[2]);
    if (w > 0) entries.push([m[1] as Kind, w]);
  }
  if (entries.length === 0) throw new UsageError('--mix: no kind with a weight above 0');
  return new Mix(entries);
}

// ---- building messages ---------------------------------------------------------------------

const LAST = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'RODRIGUEZ', 'MARTINEZ',
  'HERNANDEZ', 'LOPEZ', 'GONZALEZ', 'WILSON', 'ANDERSON', 'THOMAS', 'TAYLOR', 'MOORE', 'JACKSON', 'MARTIN', 'LEE',
  'PEREZ', 'THOMPSON', 'WHITE', 'HARRIS', 'SANCHEZ', 'CLARK', 'RAMIREZ', 'LEWIS', 'ROBINSON', 'NGUYEN', 'KIM'];
const FIRST_M = ['JAMES', 'JOHN', 'ROBERT', 'MICHAEL', 'DAVID', 'JOSE', 'CARLOS', 'DANIEL', 'KEVIN', 'ANTHONY', 'LUIS', 'MARK'];
const FIRST_F = ['MARY', 'PATRICIA', 'JENNIFER', 'LINDA', 'MARIA', 'ELIZABETH', 'SUSAN', 'JESSICA', 'SARAH', 'KAREN', 'ANA', 'LISA'];
const pickOf = <T>(a: readonly T[]): T => a[Math.floor(Math.random() * a.length)]!;

function randomDob(): string {
  const y = 1940 + Math.floor(Math.random() * 65);
  const m = 1 + Math.floor(Math.random() * 12);
  const d = 1 + Math.floor(Math.random() * 28);
  return `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
}

function addDays(d: string, days: number): string {
  const t = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8) + days));
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}

export interface BuildContext {
  ori: string;
  ctl: string;
  pool: Pool;
  /** The service's today and local time (CCYYMMDD, CCYYMMDDHHMM). */
  today: string;
  now: string;
  /** Unique per run and per order entered: for OCA. */
  run: string;
  nextEntry(): number;
}

export interface Built {
  kind: Kind;
  /** The kind actually sent (a kind without pool data falls back to qpo-name-miss). */
  sent: Kind;
  text: string;
  /** The order an EPO enters (added to the pool on ACK). */
  entered?: KnownOrder;
}

/** The message text for one `kind`; falls back to a miss inquiry when the pool lacks data. */
export function build(kind: Kind, c: BuildContext): Built {
  const spec: KindSpec = KINDS[kind];
  const order = spec.needs === 'person' ? c.pool.pick() : spec.needs === 'own' ? c.pool.takeOwn() : spec.needs ? c.pool.pick(spec.needs) : undefined;
  if (spec.needs && !order) return { ...build('qpo-name-miss', c), kind };
  const q = (inquiry: Extract<InboundMessage, { mke: 'QPO' }>['inquiry']) => formatMessage({ mke: 'QPO', ori: c.ori, ctl: c.ctl, inquiry, hst: false });
  const o = order!;
  switch (kind) {
    case 'qpo-name':
      return { kind, sent: kind, text: q({ form: 'NAME', nam: o.nam, dob: o.dob }) };
    case 'qpo-name-miss':
      return { kind, sent: kind, text: q({ form: 'NAME', nam: `ZQ${letterCounter(Math.floor(Math.random() * 1e9))}, NOBODY`, dob: randomDob() }) };
    case 'qpo-pno':
      return { kind, sent: kind, text: q({ form: 'PNO', pno: o.pno! }) };
    case 'qpo-pno-miss':
      return { kind, sent: kind, text: q({ form: 'PNO', pno: pnoOf(900_000_000 + Math.floor(Math.random() * 99_999_999)) }) };
    case 'qpo-pp':
      return { kind, sent: kind, text: q({ form: 'PROTECTED', ppn: o.ppn!, ppb: o.ppb! }) };
    case 'qpo-oca':
      return { kind, sent: kind, text: q({ form: 'CASE', oca: o.oca!, cti: o.cti! }) };
    case 'qpo-oln':
      return { kind, sent: kind, text: q({ form: 'LICENCE', oln: o.oln!, ols: o.ols! }) };
    case 'qpo-fcn':
      return { kind, sent: kind, text: q({ form: 'FCN', fcn: o.fcn! }) };
    case 'bad':
      return { kind, sent: kind, text: `QPO.${c.ori}.CTL/${c.ctl}.NAM/SMITH, JOHN.DOB/19810229` };
    case 'spo':
      return { kind, sent: kind, text: formatMessage({ mke: 'SPO', ori: c.ori, ctl: c.ctl, pno: o.pno!, sdt: c.now, shw: 'PERSONAL', svb: `LOAD ${c.run}` }) };
    case 'cpo':
      return { kind, sent: kind, text: formatMessage({ mke: 'CPO', ori: c.ori, ctl: c.ctl, pno: o.pno!, mis: 'LOAD TEST' }) };
    case 'xpo':
      return { kind, sent: kind, text: formatMessage({ mke: 'XPO', ori: c.ori, ctl: c.ctl, pno: o.pno!, mis: 'LOAD TEST' }) };
    case 'epo': {
      const n = c.nextEntry();
      const male = Math.random() < 0.7;
      const nam = `${pickOf(LAST)}, ${pickOf(male ? FIRST_M : FIRST_F)}`;
      const ppn = `${pickOf(LAST)}, ${pickOf(male ? FIRST_F : FIRST_M)}`;
      const dob = randomDob();
      const ppb = randomDob();
      const oca = `LT${c.run}-${n}`;
      const oln = Math.random() < 0.5 ? `L${randomDigits(7)}` : undefined;
      const text = formatMessage({
        mke: 'EPO',
        ori: c.ori,
        ctl: c.ctl,
        order: {
          nam,
          sex: male ? 'M' : 'F',
          rac: pickOf(['W', 'B', 'A', 'I', 'U'] as const),
          dob,
          ...(oln ? { oln, ols: 'CA' } : {}),
          typ: 'DVRO',
          oca,
          cti: c.ori,
          isd: c.today,
          exp: addDays(c.today, 365 * 3),
          pco: ['01', '05'],
          protected: [{ ppn, psx: male ? 'F' : 'M', ppb }],
        },
      });
      return {
        kind,
        sent: kind,
        text,
        entered: { nam, dob, sex: male ? 'M' : 'F', ppn, ppb, oca, cti: c.ori, ...(oln ? { oln, ols: 'CA' } : {}), own: true },
      };
    }
  }
}
