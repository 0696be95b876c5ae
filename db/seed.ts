// A deterministic synthetic registry: courts and law agencies, and N orders that look like
// California's — common surnames with their sound-alike spellings, people with several orders
// (sometimes under a variant spelling or an alias), TROs followed by orders after hearing,
// pairs of orders from two courts that conflict, expired, cleared and cancelled orders, service.
//
// Same seed, same as-of date and same order count on a fresh registry: the same data, row for row
// (PNOs, ids, timestamps). Everything random comes from one seeded generator; every PNO and id is
// drawn from the tables' own sequences, so seeding onto a registry in use is safe too.
//
// Rows go in as whole batches, one INSERT ... SELECT FROM unnest(...) per table, each batch one
// transaction; on a real server two batches are written at once while the next is generated.
import { deferIndexes, restoreDeferred } from './bulk-load.ts';
import type { Database, Queryable } from './database.ts';
import { isRealDate, localDate } from './dates.ts';
import { formatName, phoneticBase, type PersonName } from './names.ts';
import { nysiis } from './nysiis.ts';
import type { OrderType, Race, ServiceMethod, Sex } from './orders.ts';
import { pnoFromSequence } from '../protocol/fields.ts';

export interface SeedOptions {
  orders: number;
  seed: number;
  /** CCYYMMDD: the day the registry is "as of" (issue, expiry and service dates are relative to it), or 'today'. */
  asOf: string;
  /** Orders per transaction (default 10,000). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Drop the indexes and foreign keys for the load and make them again after (db/bulk-load.ts).
   * Default: on PostgreSQL, for BULK_LOAD_MIN_ORDERS or more into an empty registry.
   */
  bulk?: boolean;
  /** Called when every row is in and a bulk load starts making its indexes (db/bulk-load.ts). */
  onIndexing?: () => void;
}

export interface SeedSummary {
  orders: number;
  persons: number;
  protectedPersons: number;
  aliases: number;
  services: number;
  /** Agencies the seeded orders use (registered now or already there). */
  agencies: number;
  ms: number;
}

/** The user every seeded row is entered by. */
export const SEED_USER = 'SEED';

const TIME_ZONE = 'America/Los_Angeles';
const HISTORY_YEARS = 10;

// ---- Random numbers ------------------------------------------------------------------------------

/** sfc32, seeded through splitmix32: small, fast, and the same on every platform. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 15; i++) this.float();
  }

  /** [0, 1) */
  float(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]; lo when the range is empty. */
  int(lo: number, hi: number): number {
    return hi <= lo ? lo : lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }
}

/** A table of choices with weights, picked by binary search on the running sums. */
class Weighted<T> {
  readonly items: T[];
  private readonly sums: Float64Array;

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = entries.map((e) => e[0]);
    this.sums = new Float64Array(entries.length);
    let total = 0;
    entries.forEach(([, w], i) => (this.sums[i] = total += w));
  }

  pick(rng: Rng): T {
    const x = rng.float() * this.sums[this.sums.length - 1]!;
    let lo = 0;
    let hi = this.sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sums[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

// ---- Days ------------------------------------------------------------------------------------------

// Dates are whole days since 1970-01-01 (UTC calendar), turned into text once each.
const DAY_MS = 86_400_000;
const dayOf = (ccyymmdd: string) =>
  Date.UTC(Number(ccyymmdd.slice(0, 4)), Number(ccyymmdd.slice(4, 6)) - 1, Number(ccyymmdd.slice(6, 8))) / DAY_MS;
const yearStart = (y: number) => Date.UTC(y, 0, 1) / DAY_MS;
const isoCache = new Map<number, string>();
function iso(day: number): string {
  let s = isoCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    isoCache.set(day, s);
  }
  return s;
}
const ccyymmdd = (day: number) => iso(day).replaceAll('-', '');
const yearOf = (day: number) => Number(iso(day).slice(0, 4));
/** The same calendar day `years` later (28 Feb for 29 Feb). */
function plusYears(day: number, years: number): number {
  const d = new Date(day * DAY_MS);
  const t = Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate());
  const back = new Date(t);
  return (back.getUTCDate() === d.getUTCDate() ? t : t - DAY_MS * back.getUTCDate()) / DAY_MS;
}
const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}${String(minute % 60).padStart(2, '0')}`;
/** Local wall-clock time as PostgreSQL reads a timestamp; the insert puts it in California time. */
const stamp = (day: number, minute: number) => `${iso(day)} ${hhmm(minute).slice(0, 2)}:${hhmm(minute).slice(2)}`;

// ---- Agencies ----------------------------------------------------------------------------------------

interface County {
  code: number; // DOJ county number: the 3rd-5th characters of its ORIs
  name: string;
  weight: number; // share of the state's orders, roughly its population
  courts: string[]; // courthouse names; the first is the main one
  police: [string, string][]; // [ORI suffix after CA0cc, name]
}

const COUNTIES: County[] = [
  { code: 19, name: 'LOS ANGELES', weight: 250, courts: ['STANLEY MOSK', 'VAN NUYS', 'LONG BEACH', 'POMONA', 'COMPTON', 'ANTELOPE VALLEY'],
    police: [['4200', 'LOS ANGELES POLICE DEPARTMENT'], ['4400', 'LONG BEACH POLICE DEPARTMENT'], ['4700', 'PASADENA POLICE DEPARTMENT']] },
  { code: 37, name: 'SAN DIEGO', weight: 85, courts: ['CENTRAL', 'EAST COUNTY', 'NORTH COUNTY'], police: [['1100', 'SAN DIEGO POLICE DEPARTMENT']] },
  { code: 30, name: 'ORANGE', weight: 80, courts: ['CENTRAL JUSTICE CENTER', 'LAMOREAUX JUSTICE CENTER'],
    police: [['0100', 'ANAHEIM POLICE DEPARTMENT'], ['2300', 'SANTA ANA POLICE DEPARTMENT']] },
  { code: 33, name: 'RIVERSIDE', weight: 62, courts: ['HALL OF JUSTICE', 'SOUTHWEST JUSTICE CENTER'], police: [['1600', 'RIVERSIDE POLICE DEPARTMENT']] },
  { code: 36, name: 'SAN BERNARDINO', weight: 55, courts: ['JUSTICE CENTER', 'VICTORVILLE'], police: [['2200', 'SAN BERNARDINO POLICE DEPARTMENT']] },
  { code: 43, name: 'SANTA CLARA', weight: 50, courts: ['FAMILY JUSTICE CENTER', 'HALL OF JUSTICE'], police: [['1800', 'SAN JOSE POLICE DEPARTMENT']] },
  { code: 1, name: 'ALAMEDA', weight: 42, courts: ['RENE C DAVIDSON', 'HAYWARD HALL OF JUSTICE'], police: [['0900', 'OAKLAND POLICE DEPARTMENT']] },
  { code: 34, name: 'SACRAMENTO', weight: 40, courts: ['GORDON D SCHABER', 'WILLIAM R RIDGEWAY FAMILY RELATIONS'], police: [['0400', 'SACRAMENTO POLICE DEPARTMENT']] },
  { code: 7, name: 'CONTRA COSTA', weight: 29, courts: ['WAKEFIELD TAYLOR'], police: [['0500', 'RICHMOND POLICE DEPARTMENT']] },
  { code: 10, name: 'FRESNO', weight: 26, courts: ['B F SISK'], police: [['0500', 'FRESNO POLICE DEPARTMENT']] },
  { code: 15, name: 'KERN', weight: 23, courts: ['METROPOLITAN DIVISION'], police: [['0200', 'BAKERSFIELD POLICE DEPARTMENT']] },
  { code: 38, name: 'SAN FRANCISCO', weight: 22, courts: ['CIVIC CENTER'], police: [['0100', 'SAN FRANCISCO POLICE DEPARTMENT']] },
  { code: 56, name: 'VENTURA', weight: 21, courts: ['HALL OF JUSTICE'], police: [['0900', 'OXNARD POLICE DEPARTMENT']] },
  { code: 39, name: 'SAN JOAQUIN', weight: 20, courts: ['STOCKTON'], police: [['0600', 'STOCKTON POLICE DEPARTMENT']] },
  { code: 41, name: 'SAN MATEO', weight: 19, courts: ['HALL OF JUSTICE'], police: [] },
  { code: 50, name: 'STANISLAUS', weight: 14, courts: ['MODESTO'], police: [] },
  { code: 49, name: 'SONOMA', weight: 12, courts: ['HALL OF JUSTICE'], police: [] },
  { code: 54, name: 'TULARE', weight: 12, courts: ['VISALIA'], police: [] },
  { code: 42, name: 'SANTA BARBARA', weight: 11, courts: ['ANACAPA', 'SANTA MARIA'], police: [] },
  { code: 48, name: 'SOLANO', weight: 11, courts: ['HALL OF JUSTICE'], police: [] },
  { code: 27, name: 'MONTEREY', weight: 11, courts: ['SALINAS'], police: [] },
  { code: 31, name: 'PLACER', weight: 10, courts: ['HISTORIC COURTHOUSE'], police: [] },
  { code: 40, name: 'SAN LUIS OBISPO', weight: 7, courts: ['SAN LUIS OBISPO'], police: [] },
  { code: 44, name: 'SANTA CRUZ', weight: 7, courts: ['SANTA CRUZ'], police: [] },
  { code: 24, name: 'MERCED', weight: 7, courts: ['MERCED'], police: [] },
  { code: 21, name: 'MARIN', weight: 6, courts: ['HALL OF JUSTICE'], police: [] },
  { code: 4, name: 'BUTTE', weight: 5, courts: ['OROVILLE'], police: [] },
  { code: 57, name: 'YOLO', weight: 5, courts: ['WOODLAND'], police: [] },
  { code: 9, name: 'EL DORADO', weight: 5, courts: ['PLACERVILLE'], police: [] },
  { code: 13, name: 'IMPERIAL', weight: 5, courts: ['EL CENTRO'], police: [] },
  { code: 45, name: 'SHASTA', weight: 4, courts: ['REDDING'], police: [] },
  { code: 20, name: 'MADERA', weight: 4, courts: ['MADERA'], police: [] },
  { code: 16, name: 'KINGS', weight: 4, courts: ['HANFORD'], police: [] },
  { code: 28, name: 'NAPA', weight: 3, courts: ['NAPA'], police: [] },
  { code: 12, name: 'HUMBOLDT', weight: 3, courts: ['EUREKA'], police: [] },
  { code: 23, name: 'MENDOCINO', weight: 2, courts: ['UKIAH'], police: [] },
  { code: 17, name: 'LAKE', weight: 2, courts: ['LAKEPORT'], police: [] },
];

interface Agency {
  ori: string;
  name: string;
  kind: 'COURT' | 'LAW' | 'SHERIFF';
  carposCode: string;
}

interface Court {
  ori: string;
  county: County;
  /** The CARPOS code as the registry has it (null: no FCNs for its orders). */
  carposCode: string | null;
  /** Serving agencies of its county: the sheriff first. */
  servers: string[];
}

const cc = (county: County) => String(county.code).padStart(3, '0');

/** Courts CA0cc015J (main), CA0cc025J...; sheriffs CA0cc0000; police CA0ccNNNN. CARPOS codes cc*10+n. */
export function seedAgencies(): Agency[] {
  const out: Agency[] = [];
  for (const county of COUNTIES) {
    const c = cc(county);
    const code = (n: number) => String(county.code * 10 + n).padStart(3, '0');
    county.courts.forEach((courthouse, i) =>
      out.push({
        ori: `CA${c}0${i + 1}5J`,
        name: `SUPERIOR COURT OF CALIFORNIA, COUNTY OF ${county.name} - ${courthouse}`.slice(0, 100),
        kind: 'COURT',
        carposCode: code(i === 0 ? 0 : 4 + i), // 0 for the main courthouse, 5.. for the others
      }),
    );
    out.push({ ori: `CA${c}0000`, name: `${county.name} COUNTY SHERIFF`, kind: 'SHERIFF', carposCode: code(1) });
    county.police.forEach(([suffix, name], i) =>
      out.push({ ori: `CA${c}${suffix}`, name, kind: 'LAW', carposCode: code(i === 0 ? 4 : i + 1) }),
    );
  }
  return out;
}

// ---- Names ---------------------------------------------------------------------------------------------

// Surname origin: H Hispanic, C Chinese/Korean/Japanese, V Vietnamese, S South Asian, F Filipino,
// B names common among Black Americans, W other (English, German, Scandinavian...), M Armenian/Arabic.
type Origin = 'H' | 'C' | 'V' | 'S' | 'F' | 'B' | 'W' | 'M';

// [surname, weight (roughly per 100,000 Californians), origin]. Sound-alike spellings are listed
// with their own, smaller weights; SPELLING_GROUPS ties them together.
const SURNAMES: [string, number, Origin][] = [
  ['GARCIA', 1400, 'H'], ['HERNANDEZ', 1000, 'H'], ['HERNANDES', 15, 'H'], ['LOPEZ', 900, 'H'], ['LOPES', 40, 'H'],
  ['MARTINEZ', 850, 'H'], ['MARTINES', 10, 'H'], ['GONZALEZ', 850, 'H'], ['GONZALES', 160, 'H'], ['RODRIGUEZ', 800, 'H'],
  ['RODRIGUES', 30, 'H'], ['SANCHEZ', 600, 'H'], ['SANCHES', 8, 'H'], ['PEREZ', 600, 'H'], ['PERES', 10, 'H'],
  ['RAMIREZ', 550, 'H'], ['RAMIRES', 6, 'H'], ['FLORES', 450, 'H'], ['TORRES', 350, 'H'], ['RIVERA', 300, 'H'],
  ['GOMEZ', 350, 'H'], ['GOMES', 20, 'H'], ['DIAZ', 300, 'H'], ['DIAS', 15, 'H'], ['CRUZ', 280, 'H'], ['REYES', 280, 'H'],
  ['MORALES', 280, 'H'], ['GUTIERREZ', 260, 'H'], ['GUTIERRES', 5, 'H'], ['ORTIZ', 250, 'H'], ['CASTILLO', 220, 'H'],
  ['RAMOS', 230, 'H'], ['ALVAREZ', 230, 'H'], ['ALVARES', 5, 'H'], ['RUIZ', 230, 'H'], ['JIMENEZ', 170, 'H'],
  ['GIMENEZ', 5, 'H'], ['CHAVEZ', 250, 'H'], ['CHAVES', 10, 'H'], ['MENDOZA', 240, 'H'], ['VASQUEZ', 180, 'H'],
  ['VAZQUEZ', 90, 'H'], ['VASQUES', 5, 'H'], ['MORENO', 170, 'H'], ['HERRERA', 170, 'H'], ['MEDINA', 160, 'H'],
  ['AGUILAR', 190, 'H'], ['CONTRERAS', 160, 'H'], ['CASTRO', 150, 'H'], ['VARGAS', 150, 'H'], ['ROMERO', 150, 'H'],
  ['DELGADO', 130, 'H'], ['SALAZAR', 140, 'H'], ['ESPINOZA', 120, 'H'], ['ESPINOSA', 60, 'H'], ['NAVARRO', 110, 'H'],
  ['CERVANTES', 100, 'H'], ['SOLIS', 80, 'H'], ['DE LA CRUZ', 60, 'H'], ['DELACRUZ', 15, 'H'], ['ESTRADA', 120, 'H'],
  ['ROJAS', 90, 'H'], ['GUZMAN', 100, 'H'], ['SANDOVAL', 110, 'H'], ['VALENZUELA', 80, 'H'], ['CAMACHO', 70, 'H'],
  ['MEJIA', 70, 'H'], ['LUNA', 90, 'H'], ['OROZCO', 80, 'H'], ['GUERRERO', 110, 'H'], ['IBARRA', 70, 'H'],
  ['VELASQUEZ', 70, 'H'], ['VELAZQUEZ', 30, 'H'], ['RIOS', 90, 'H'], ['SILVA', 100, 'H'], ['SILVER', 8, 'W'],
  ['NGUYEN', 700, 'V'], ['NGUYENN', 3, 'V'], ['TRAN', 300, 'V'], ['LE', 220, 'V'], ['PHAM', 150, 'V'], ['HUYNH', 80, 'V'],
  ['NGO', 60, 'V'], ['VO', 60, 'V'], ['DANG', 50, 'V'], ['BUI', 50, 'V'], ['DO', 40, 'V'], ['TRUONG', 40, 'V'],
  ['KIM', 300, 'C'], ['LEE', 500, 'C'], ['LI', 150, 'C'], ['LEIGH', 10, 'W'], ['WONG', 200, 'C'], ['CHEN', 260, 'C'],
  ['WANG', 200, 'C'], ['LIU', 90, 'C'], ['YANG', 90, 'C'], ['HUANG', 90, 'C'], ['ZHANG', 60, 'C'], ['CHANG', 120, 'C'],
  ['PARK', 120, 'C'], ['CHOI', 60, 'C'], ['CHUNG', 50, 'C'], ['LAM', 70, 'C'], ['LAMB', 15, 'W'], ['YU', 60, 'C'],
  ['WU', 90, 'C'], ['LIN', 90, 'C'], ['LYNN', 15, 'W'], ['HO', 70, 'C'], ['TANAKA', 30, 'C'], ['NAKAMURA', 25, 'C'],
  ['YAMAMOTO', 25, 'C'],
  ['PATEL', 200, 'S'], ['SINGH', 250, 'S'], ['KAUR', 80, 'S'], ['SHAH', 50, 'S'], ['KHAN', 60, 'S'], ['GUPTA', 40, 'S'],
  ['SANTOS', 130, 'F'], ['BAUTISTA', 70, 'F'], ['VILLANUEVA', 60, 'F'], ['DELA CRUZ', 30, 'F'], ['RAMOS', 40, 'F'],
  ['SMITH', 700, 'W'], ['SMYTH', 10, 'W'], ['SMITHE', 3, 'W'], ['SMYTHE', 3, 'W'], ['JOHNSON', 550, 'W'],
  ['JONSON', 5, 'W'], ['JOHNSEN', 5, 'W'], ['WILLIAMS', 500, 'B'], ['BROWN', 450, 'W'], ['BRAUN', 15, 'W'],
  ['BROWNE', 10, 'W'], ['JONES', 400, 'B'], ['MILLER', 350, 'W'], ['MILLAR', 10, 'W'], ['DAVIS', 380, 'W'],
  ['DAVIES', 10, 'W'], ['WILSON', 250, 'W'], ['ANDERSON', 230, 'W'], ['ANDERSEN', 20, 'W'], ['TAYLOR', 220, 'W'],
  ['THOMAS', 220, 'B'], ['MOORE', 200, 'W'], ['MOOR', 5, 'W'], ['JACKSON', 220, 'B'], ['MARTIN', 200, 'W'],
  ['THOMPSON', 200, 'W'], ['THOMSON', 25, 'W'], ['TOMPSON', 3, 'W'], ['WHITE', 200, 'W'], ['HARRIS', 180, 'B'],
  ['CLARK', 170, 'W'], ['CLARKE', 30, 'W'], ['LEWIS', 150, 'W'], ['ROBINSON', 140, 'B'], ['WALKER', 150, 'W'],
  ['YOUNG', 140, 'W'], ['ALLEN', 140, 'W'], ['KING', 130, 'W'], ['WRIGHT', 120, 'W'], ['SCOTT', 120, 'W'],
  ['HILL', 110, 'W'], ['GREEN', 110, 'W'], ['GREENE', 40, 'W'], ['ADAMS', 110, 'W'], ['BAKER', 110, 'W'],
  ['NELSON', 100, 'W'], ['NIELSEN', 20, 'W'], ['CARTER', 90, 'B'], ['MITCHELL', 90, 'W'], ['ROBERTS', 90, 'W'],
  ['PHILLIPS', 80, 'W'], ['PHILIPS', 10, 'W'], ['CAMPBELL', 80, 'W'], ['EVANS', 70, 'W'], ['TURNER', 70, 'W'],
  ['PARKER', 70, 'W'], ['COLLINS', 60, 'W'], ['EDWARDS', 60, 'W'], ['STEWART', 60, 'W'], ['STUART', 20, 'W'],
  ['MURPHY', 60, 'W'], ['COOK', 60, 'W'], ['ROGERS', 60, 'W'], ['MORGAN', 60, 'W'], ['COOPER', 50, 'W'],
  ['PETERSON', 60, 'W'], ['PETERSEN', 25, 'W'], ['REED', 50, 'W'], ['REID', 30, 'W'], ['READ', 10, 'W'],
  ['BAILEY', 50, 'W'], ['BELL', 50, 'W'], ['KELLY', 50, 'W'], ['KELLEY', 30, 'W'], ['HOWARD', 50, 'W'],
  ['WARD', 50, 'W'], ['COX', 40, 'W'], ['RICHARDSON', 50, 'W'], ['WOOD', 50, 'W'], ['WATSON', 40, 'W'],
  ['BROOKS', 50, 'B'], ['BENNETT', 40, 'W'], ['GRAY', 40, 'W'], ['GREY', 10, 'W'], ['JAMES', 50, 'B'],
  ['HUGHES', 40, 'W'], ['PRICE', 40, 'W'], ['MYERS', 40, 'W'], ['MEYERS', 15, 'W'], ['MEYER', 30, 'W'],
  ['MEIER', 8, 'W'], ['MYER', 5, 'W'], ['MAYER', 10, 'W'], ['LONG', 30, 'W'], ['FOSTER', 40, 'W'], ['SANDERS', 40, 'W'],
  ['ROSS', 40, 'W'], ['POWELL', 30, 'W'], ['JENKINS', 40, 'B'], ['PERRY', 30, 'W'], ['RUSSELL', 30, 'W'],
  ['SULLIVAN', 40, 'W'], ['BUTLER', 40, 'B'], ['BARNES', 30, 'W'], ['FISHER', 40, 'W'], ['FISCHER', 15, 'W'],
  ['HENDERSON', 30, 'W'], ['COLEMAN', 30, 'B'], ['SIMMONS', 30, 'B'], ['PATTERSON', 30, 'W'], ['JORDAN', 30, 'B'],
  ['REYNOLDS', 30, 'W'], ['HAMILTON', 30, 'W'], ['GRAHAM', 30, 'W'], ['WALLACE', 30, 'W'], ['COLE', 25, 'W'],
  ['HAYES', 25, 'W'], ['HAYS', 10, 'W'], ['BRYANT', 30, 'B'], ['GIBSON', 25, 'W'], ['ELLIS', 25, 'W'],
  ['STEPHENS', 30, 'W'], ['STEVENS', 45, 'W'], ['MURRAY', 25, 'W'], ['FORD', 25, 'W'], ['MARSHALL', 25, 'W'],
  ['OWENS', 25, 'W'], ['MCDONALD', 30, 'W'], ['MACDONALD', 10, 'W'], ['HARRISON', 25, 'W'], ['KENNEDY', 25, 'W'],
  ['WELLS', 20, 'W'], ['FREEMAN', 25, 'B'], ['WEBB', 20, 'W'], ['TUCKER', 20, 'W'], ['PORTER', 20, 'W'],
  ['HUNTER', 20, 'W'], ['HICKS', 20, 'W'], ['CRAWFORD', 20, 'W'], ['HENRY', 20, 'W'], ['BOYD', 20, 'W'],
  ['MASON', 20, 'W'], ['WARREN', 20, 'W'], ['DIXON', 20, 'B'], ['BURNS', 20, 'W'], ['GORDON', 20, 'W'],
  ['SHAW', 20, 'W'], ['HOLMES', 20, 'W'], ['RICE', 20, 'W'], ['ROBERTSON', 20, 'W'], ['HUNT', 20, 'W'],
  ['BLACK', 20, 'W'], ['DANIELS', 20, 'W'], ['PALMER', 20, 'W'], ['MILLS', 20, 'W'], ['NICHOLS', 20, 'W'],
  ['NICKOLS', 4, 'W'], ['GRANT', 20, 'W'], ['KNIGHT', 20, 'W'], ['NIGHT', 2, 'W'], ['FERGUSON', 20, 'W'],
  ['HANSEN', 25, 'W'], ['HANSON', 20, 'W'], ['JENSEN', 20, 'W'], ['JENSON', 3, 'W'], ['JANSEN', 8, 'W'],
  ['SCHMIDT', 20, 'W'], ['SCHMITT', 6, 'W'], ['SCHNEIDER', 10, 'W'], ['SNYDER', 30, 'W'], ['SNIDER', 8, 'W'],
  ["O'BRIEN", 15, 'W'], ['OBRIEN', 5, 'W'], ["O'CONNOR", 15, 'W'], ['OCONNOR', 5, 'W'], ['CHRISTENSEN', 15, 'W'],
  ['CHRISTIANSEN', 8, 'W'], ['WASHINGTON', 30, 'B'], ['JEFFERSON', 15, 'B'], ['BANKS', 20, 'B'], ['JOSEPH', 15, 'B'],
  ['HAKOBYAN', 20, 'M'], ['SARGSYAN', 15, 'M'], ['PETROSYAN', 15, 'M'], ['KHACHATRYAN', 10, 'M'],
  ['MOHAMMED', 15, 'M'], ['MOHAMED', 10, 'M'], ['MUHAMMAD', 15, 'M'], ['HASSAN', 10, 'M'], ['ALI', 20, 'M'],
];

// Spellings of one name that people, clerks and officers mix up. Each group is one person's
// name written differently; the inquiry finds them through NYSIIS or Double Metaphone.
const SPELLING_GROUPS: string[][] = [
  ['SMITH', 'SMYTH', 'SMITHE', 'SMYTHE'], ['STEPHENS', 'STEVENS'], ['JOHNSON', 'JONSON', 'JOHNSEN'],
  ['THOMPSON', 'THOMSON', 'TOMPSON'], ['MEYER', 'MEIER', 'MYER', 'MAYER'], ['MYERS', 'MEYERS'],
  ['HERNANDEZ', 'HERNANDES'], ['LOPEZ', 'LOPES'], ['MARTINEZ', 'MARTINES'], ['GONZALEZ', 'GONZALES'],
  ['RODRIGUEZ', 'RODRIGUES'], ['SANCHEZ', 'SANCHES'], ['PEREZ', 'PERES'], ['RAMIREZ', 'RAMIRES'], ['GOMEZ', 'GOMES'],
  ['DIAZ', 'DIAS'], ['GUTIERREZ', 'GUTIERRES'], ['ALVAREZ', 'ALVARES'], ['JIMENEZ', 'GIMENEZ'], ['CHAVEZ', 'CHAVES'],
  ['VASQUEZ', 'VAZQUEZ', 'VASQUES'], ['ESPINOZA', 'ESPINOSA'], ['VELASQUEZ', 'VELAZQUEZ'], ['DE LA CRUZ', 'DELACRUZ'],
  ['NGUYEN', 'NGUYENN'], ['LEE', 'LI', 'LEIGH'], ['BROWN', 'BRAUN', 'BROWNE'], ['MILLER', 'MILLAR'], ['DAVIS', 'DAVIES'],
  ['ANDERSON', 'ANDERSEN'], ['MOORE', 'MOOR'], ['CLARK', 'CLARKE'], ['GREEN', 'GREENE'], ['NELSON', 'NIELSEN'],
  ['PHILLIPS', 'PHILIPS'], ['STEWART', 'STUART'], ['PETERSON', 'PETERSEN'], ['REED', 'REID', 'READ'], ['KELLY', 'KELLEY'],
  ['GRAY', 'GREY'], ['HAYES', 'HAYS'], ['MCDONALD', 'MACDONALD'], ['NICHOLS', 'NICKOLS'], ['KNIGHT', 'NIGHT'],
  ['HANSEN', 'HANSON'], ['JENSEN', 'JENSON', 'JANSEN'], ['SCHMIDT', 'SCHMITT'], ['SNYDER', 'SNIDER', 'SCHNEIDER'],
  ["O'BRIEN", 'OBRIEN'], ["O'CONNOR", 'OCONNOR'], ['CHRISTENSEN', 'CHRISTIANSEN'], ['FISHER', 'FISCHER'],
  ['MOHAMMED', 'MOHAMED', 'MUHAMMAD'], ['LIN', 'LYNN'], ['LAM', 'LAMB'], ['SILVA', 'SILVER'],
];

type FirstNames = { M: Weighted<string>; F: Weighted<string> };
const names = (m: string, f: string): FirstNames => ({ M: listOf(m), F: listOf(f) });
/** 'A B C': weights fall off gently down the list. */
function listOf(spaced: string): Weighted<string> {
  const list = spaced.split(' ');
  return new Weighted(list.map((n, i) => [n, 1 / Math.sqrt(i + 2)] as const));
}

const GENERAL = names(
  'MICHAEL DAVID JAMES JOHN ROBERT CHRISTOPHER JOSEPH DANIEL WILLIAM MATTHEW ANTHONY BRIAN KEVIN JASON RICHARD ' +
    'STEVEN THOMAS ERIC JEFFREY MARK TIMOTHY RYAN JOSHUA ANDREW PAUL SCOTT JUSTIN CHARLES KENNETH GREGORY ' +
    'JONATHAN STEPHEN BRANDON AARON ADAM TYLER NICHOLAS PATRICK SEAN SHAWN TERRANCE TERRELL DEMETRIUS MARCUS ' +
    'DERRICK ANDRE DARNELL JEROME TRAVIS CODY DUSTIN KYLE JEREMY GARY DENNIS DOUGLAS PETER RAYMOND BRYAN ' +
    'PHILIP PHILLIP ALAN ALLEN JON JAKE JACOB ETHAN LOGAN AUSTIN CHAD CRAIG TODD TROY WAYNE RONALD DONALD LARRY',
  'JENNIFER JESSICA SARAH ASHLEY ELIZABETH MICHELLE AMANDA MELISSA STEPHANIE NICOLE HEATHER AMY ANGELA ' +
    'REBECCA LAURA KIMBERLY LISA CHRISTINA RACHEL EMILY MEGAN SAMANTHA KATHERINE CATHERINE KATHRYN ANDREA ' +
    'DANIELLE BRITTANY TIFFANY CRYSTAL VANESSA ERICA ERIKA TANYA KEISHA LATOYA EBONY SHANICE AALIYAH MONIQUE ' +
    'TAMARA DIANA JULIE KELLY KELLI SHANNON APRIL AMBER CHELSEA COURTNEY KAYLA HANNAH SARA ANN ANNE ' +
    'KRISTEN KRISTIN TERESA THERESA STEFANIE DEBORAH SUSAN KAREN PATRICIA LINDA BARBARA DONNA CYNTHIA',
);
const HISPANIC = names(
  'JOSE JUAN LUIS CARLOS JESUS MIGUEL FRANCISCO ANTONIO JORGE RICARDO ALEJANDRO MANUEL EDUARDO JAVIER ' +
    'FERNANDO RAFAEL DANIEL DAVID OSCAR SERGIO MARIO ROBERTO ARMANDO VICTOR HECTOR RAUL PEDRO RAMON ' +
    'ALFREDO ENRIQUE ADRIAN GERARDO IVAN CESAR RUBEN JULIO ERNESTO ARTURO GUILLERMO ABEL ISMAEL',
  'MARIA GUADALUPE ROSA ANA VERONICA ALEJANDRA CLAUDIA GABRIELA PATRICIA ELIZABETH YESENIA LETICIA ' +
    'ADRIANA MONICA SANDRA LAURA BLANCA SILVIA MARTHA ESPERANZA JUANA DIANA CARMEN ISABEL ISABELLE ' +
    'LILIANA KARINA MARISOL LORENA ROCIO XOCHITL ARACELI BRENDA DANIELA JESSICA STEPHANIE ANDREA',
);
const EAST_ASIAN = names(
  'DAVID MICHAEL KEVIN JASON DANIEL JAMES ANDREW ERIC BRIAN STEVEN WEI JUN HAO MIN JIN SUNG HYUN JAE ' +
    'KENJI HIROSHI TAKESHI CHRISTOPHER JOHN PETER',
  'JENNIFER GRACE SUSAN ANGELA HELEN MICHELLE CHRISTINE JANE MEI LI XIAO YAN HUI JI SOO MIN JUNG ' +
    'YUKI KEIKO EMILY AMY JULIE',
);
const VIETNAMESE = names(
  'MINH TUAN HUNG THANH DUC KHANH LONG NAM QUANG VAN HIEU PHONG BAO DAVID PETER KEVIN JOHNNY',
  'LINH HUONG THAO TRANG MAI LAN HANH NGOC PHUONG THUY ANH TAM KIM VY JENNY TINA',
);
const SOUTH_ASIAN = names(
  'RAJ AMIT SANJAY RAHUL VIKRAM HARPREET GURPREET MANPREET JASWINDER SUKHWINDER ARJUN ROHIT IMRAN',
  'PRIYA ANJALI SUNITA NEHA POOJA HARPREET GURPREET MANPREET JASPREET KIRAN SIMRAN AYESHA',
);
const FILIPINO = names(
  'JOSE JOHN MARK MICHAEL RONALD ROMEO EDWIN ARNEL RODEL NOEL JOMAR RYAN JERICHO',
  'MARIA MARY GRACE JOY CRISTINA ROSALIE MARICEL JOCELYN LEAH ANGELICA KRISTINE',
);
const ARMENIAN_ARABIC = names(
  'ARMEN ARAM DAVIT HAYK NAREK TIGRAN ARTUR GEVORG MOHAMMED AHMED OMAR KHALED YOUSEF ALI HASSAN',
  'ANI ARMINE LILIT NAIRA MARINE ANNA FATIMA AISHA LAYLA MARIAM NOOR SARA',
);
const FIRST_BY_ORIGIN: Record<Origin, FirstNames> = {
  H: HISPANIC, C: EAST_ASIAN, V: VIETNAMESE, S: SOUTH_ASIAN, F: FILIPINO, B: GENERAL, W: GENERAL, M: ARMENIAN_ARABIC,
};

// Spellings of one given name with the same first letter (a name inquiry needs the initial).
const FIRST_SPELLINGS: string[][] = [
  ['JOHN', 'JON'], ['STEVEN', 'STEPHEN'], ['JEFFREY', 'JEFFERY'], ['ERIC', 'ERIK'], ['BRIAN', 'BRYAN'],
  ['SEAN', 'SHAWN', 'SHAUN'], ['MATTHEW', 'MATHEW'], ['PHILIP', 'PHILLIP'], ['ALAN', 'ALLEN', 'ALLAN'],
  ['MARC', 'MARK'], ['JONATHAN', 'JOHNATHAN', 'JONATHON'], ['SARA', 'SARAH'], ['ANN', 'ANNE'], ['KRISTEN', 'KRISTIN'],
  ['TERESA', 'THERESA'], ['STEPHANIE', 'STEFANIE'], ['ERICA', 'ERIKA'], ['KELLY', 'KELLI', 'KELLIE'],
  ['ISABEL', 'ISABELLE'], ['CATHERINE', 'CATHRYN'], ['KATHERINE', 'KATHRYN'], ['GEOFFREY', 'GEOFFERY'],
  ['MOHAMMED', 'MOHAMED'], ['YESENIA', 'YESSENIA'], ['JESUS', 'JESSUS'], ['TERRANCE', 'TERRENCE'],
];
// Names people go by: aliases.
const NICKNAMES: Record<string, string[]> = {
  ROBERT: ['BOB', 'ROB', 'BOBBY'], WILLIAM: ['BILL', 'WILL', 'BILLY'], RICHARD: ['RICK', 'RICH', 'DICK'],
  JAMES: ['JIM', 'JIMMY'], MICHAEL: ['MIKE'], JOSEPH: ['JOE'], THOMAS: ['TOM', 'TOMMY'], CHRISTOPHER: ['CHRIS'],
  DANIEL: ['DAN', 'DANNY'], ANTHONY: ['TONY'], JOSE: ['PEPE'], FRANCISCO: ['PANCHO', 'FRANK'], ALEJANDRO: ['ALEX'],
  ELIZABETH: ['LIZ', 'BETH'], JENNIFER: ['JEN', 'JENNY'], KATHERINE: ['KATE', 'KATIE'], MARGARET: ['PEGGY'],
  PATRICIA: ['PATTY', 'TRICIA'], GUADALUPE: ['LUPE'], KIMBERLY: ['KIM'], NICHOLAS: ['NICK'], KENNETH: ['KEN'],
  TIMOTHY: ['TIM'], GREGORY: ['GREG'], DOUGLAS: ['DOUG'], JONATHAN: ['JON'], SAMANTHA: ['SAM'], REBECCA: ['BECKY'],
  MANUEL: ['MANNY'], ENRIQUE: ['HENRY'], JESUS: ['CHUY'], ROBERTO: ['BETO'], ALFREDO: ['FREDDY'], EDUARDO: ['LALO'],
};

// ---- Orders: types, durations, conditions --------------------------------------------------------

const SINGLE_TYPES = new Weighted<OrderType>([
  ['DVTRO', 20], ['DVRO', 24], ['CPO', 20], ['EPO', 9], ['CHTRO', 4], ['CHRO', 6], ['EATRO', 1.5], ['EARO', 2.5],
  ['WVTRO', 1], ['WVRO', 1.5], ['SVTRO', 0.3], ['SVRO', 0.5], ['GVEPO', 1], ['GVTRO', 1], ['GVRO', 1.5],
  ['JVRO', 1.5], ['OOS', 2],
]);
const REPEAT_TYPES = new Weighted<OrderType>([['DVTRO', 25], ['DVRO', 30], ['CPO', 30], ['EPO', 8], ['CHRO', 4], ['OOS', 3]]);
// A temporary order, then the order after hearing in the same case (an EPO first, sometimes).
const CHAINS = new Weighted<OrderType[]>([
  [['DVTRO', 'DVRO'], 60], [['EPO', 'DVTRO', 'DVRO'], 8], [['CHTRO', 'CHRO'], 15], [['EATRO', 'EARO'], 6],
  [['WVTRO', 'WVRO'], 4], [['GVTRO', 'GVRO'], 5], [['SVTRO', 'SVRO'], 2],
]);

type Family = 'DV' | 'CR' | 'CH' | 'EA' | 'WV' | 'SV' | 'GV' | 'JV' | 'OS';
const FAMILY: Record<OrderType, Family> = {
  EPO: 'DV', DVTRO: 'DV', DVRO: 'DV', CPO: 'CR', CHTRO: 'CH', CHRO: 'CH', EATRO: 'EA', EARO: 'EA', WVTRO: 'WV',
  WVRO: 'WV', SVTRO: 'SV', SVRO: 'SV', GVEPO: 'GV', GVTRO: 'GV', GVRO: 'GV', JVRO: 'JV', OOS: 'OS',
};
const TEMPORARY = new Set<OrderType>(['EPO', 'GVEPO', 'DVTRO', 'CHTRO', 'EATRO', 'WVTRO', 'SVTRO', 'GVTRO']);
const years = (y: number) => Math.round(y * 365.25);

/** Days in force, by the rules of each form (EPO-001: 5-7 days; TROs: to the hearing; after hearing: years). */
function duration(rng: Rng, typ: OrderType): number {
  switch (typ) {
    case 'EPO': return rng.int(5, 7);
    case 'GVEPO': return 21;
    case 'DVTRO': case 'CHTRO': case 'EATRO': case 'WVTRO': case 'SVTRO': case 'GVTRO':
      return rng.chance(0.75) ? 21 : rng.int(22, 25);
    case 'DVRO': return years(rng.pick([1, 2, 3, 3, 3, 5, 5, 5, 5]));
    case 'CHRO': case 'EARO': return years(rng.pick([1, 2, 3, 3, 5]));
    case 'WVRO': case 'SVRO': case 'JVRO': return years(rng.pick([1, 2, 3, 3]));
    case 'GVRO': return years(rng.pick([1, 1, 1, 2, 3, 5]));
    case 'CPO': return years(rng.pick([1, 2, 3, 3, 3, 3, 5, 10]));
    case 'OOS': return years(rng.pick([1, 2, 3, 5]));
  }
}
const NONEXP_SHARE: Partial<Record<OrderType, number>> = { DVRO: 0.04, CPO: 0.03, OOS: 0.1 };
/** Share of orders of a type that are in force on the as-of date. */
const activeShare = (typ: OrderType) => (typ === 'EPO' || typ === 'GVEPO' ? 0.1 : TEMPORARY.has(typ) ? 0.3 : 0.62);

const DISTANCES = new Weighted<number>([[100, 50], [50, 8], [150, 8], [200, 14], [300, 10], [500, 5], [25, 3], [1000, 2]]);
const MIS_08 = [
  'SURRENDER ALL FIREARMS AND AMMUNITION WITHIN 24 HOURS',
  'NO CONTACT WITH PROTECTED PERSONS PETS',
  'STAY AWAY FROM PROTECTED PERSONS VEHICLE',
  'PEACEFUL CONTACT ONLY FOR EXCHANGE OF CHILDREN',
  'NO POSTING ABOUT PROTECTED PERSON ON SOCIAL MEDIA',
  'ENROLL IN 52 WEEK BATTERER INTERVENTION PROGRAM',
  'NO ALCOHOL OR DRUGS DURING VISITATION',
  'MAY NOT ACCESS PROTECTED PERSONS RECORDS OR ACCOUNTS',
  'STAY AWAY FROM CHILDRENS SCHOOL AND CHILD CARE',
];
const MIS_OTHER = ['INTERPRETER NEEDED SPANISH', 'RESTRAINED PERSON HAS GANG AFFILIATION', 'CAUTION KNOWN TO CARRY KNIFE', 'SEE ATTACHED CHILD CUSTODY ORDER FL-341'];

/** NCIC conditions for an order of this type; 05/06 and 06/09 never together in one order. */
function conditions(rng: Rng, typ: OrderType, withChildren: boolean): string[] {
  const f = FAMILY[typ];
  const has = new Set<string>();
  const maybe = (code: string, p: number) => rng.chance(p) && has.add(code);
  if (f === 'GV') {
    has.add('07');
    maybe('01', 0.1);
    maybe('08', 0.5);
  } else if (f === 'CR') {
    maybe('01', 0.98); maybe('02', 0.5); maybe('04', 0.6); maybe('05', 0.55); has.add('07'); maybe('08', 0.06);
    if (withChildren && !has.has('05')) maybe('06', 0.1);
  } else if (f === 'CH' || f === 'WV' || f === 'SV') {
    maybe('01', 0.97); maybe('02', 0.3); maybe('04', 0.8); maybe('05', 0.4); maybe('07', 0.9); maybe('08', 0.05);
  } else if (f === 'EA') {
    maybe('01', 0.97); maybe('02', 0.4); maybe('03', 0.2); maybe('04', 0.7); maybe('05', 0.3); maybe('07', 0.9); maybe('08', 0.06);
  } else {
    maybe('01', 0.97); maybe('02', 0.6); maybe('03', typ === 'EPO' ? 0.25 : 0.2); maybe('04', 0.75); maybe('05', 0.35);
    maybe('07', f === 'OS' ? 0.6 : f === 'JV' ? 0.8 : 0.95); maybe('08', 0.08);
    if (withChildren) {
      const custody = rng.float();
      if (custody < 0.25) has.add('06');
      else if (custody < 0.5) has.add('09');
    }
    if (has.has('06')) has.delete('05');
  }
  if (has.size === 0) has.add('01');
  return [...has].sort();
}

const BRADY: Record<Family, Weighted<'Y' | 'N' | 'U'>> = (() => {
  const w = (y: number, n: number, u: number) => new Weighted<'Y' | 'N' | 'U'>([['Y', y], ['N', n], ['U', u]]);
  return { DV: w(85, 5, 10), CR: w(60, 10, 30), CH: w(10, 50, 40), EA: w(10, 50, 40), WV: w(10, 50, 40), SV: w(5, 55, 40), GV: w(30, 30, 40), JV: w(10, 45, 45), OS: w(50, 0, 50) };
})();
const bradyFor = (rng: Rng, typ: OrderType) => (TEMPORARY.has(typ) ? (rng.chance(0.6) ? 'N' : 'U') : BRADY[FAMILY[typ]].pick(rng));

// ---- People ------------------------------------------------------------------------------------------

interface Person extends PersonName {
  dob: number;
  sex: Sex;
  race: Race | null;
}

interface Human extends Person {
  origin: Origin;
  height: string;
  weight: number;
  eyes: string;
  hair: string;
  oln: string | null;
  ols: string | null;
}

/** The restrained person as one order writes them. */
interface Restrained extends Omit<Human, 'origin'> {
  aliases: { name: PersonName; dob: number }[];
}

interface Service {
  day: number;
  minute: number;
  how: ServiceMethod;
  by: string | null;
  ori: string;
  /** Part of the entry (served in court or at the scene that day), or recorded later (SPO). */
  atEntry: boolean;
}

interface PlannedOrder {
  typ: OrderType;
  court: Court;
  oca: string;
  isd: number;
  exp: number | null;
  pco: string[];
  dst: number | null;
  brady: 'Y' | 'N' | 'U';
  mis: string | null;
  status: 'ACTIVE' | 'EXPIRED' | 'CLEARED' | 'CANCELLED';
  /** The change that gave the stored status: when and by which history action. */
  change: { action: 'EXPIRE' | 'CLEAR' | 'CANCEL'; day: number; minute: number } | null;
  enteredMinute: number;
  restrained: Restrained;
  protected: Person[];
  service: Service | null;
  fcnPending: boolean;
}

type Fate = 'ACTIVE' | 'EXPIRED' | 'CLEARED' | 'CANCELLED';

const RACE_BY_ORIGIN: Record<Origin, Weighted<Race>> = (() => {
  const w = (e: [Race, number][]) => new Weighted<Race>(e);
  return {
    H: w([['W', 85], ['U', 9], ['I', 4], ['B', 2]]), C: w([['A', 95], ['U', 5]]), V: w([['A', 96], ['U', 4]]),
    S: w([['A', 92], ['U', 8]]), F: w([['A', 93], ['U', 7]]), B: w([['B', 60], ['W', 35], ['U', 5]]),
    W: w([['W', 70], ['B', 20], ['A', 3], ['I', 2], ['U', 5]]), M: w([['W', 92], ['U', 8]]),
  };
})();
const EYES_DARK = new Weighted<string>([['BRO', 85], ['BLK', 12], ['HAZ', 3]]);
const EYES_ANY = new Weighted<string>([['BRO', 45], ['BLU', 27], ['HAZ', 10], ['GRN', 10], ['GRY', 3], ['BLK', 5]]);
const HAIR_DARK = new Weighted<string>([['BLK', 70], ['BRO', 28], ['XXX', 2]]);
const HAIR_ANY = new Weighted<string>([['BRO', 45], ['BLK', 25], ['BLN', 15], ['RED', 4], ['SDY', 5], ['XXX', 6]]);
const LICENCE_STATES = new Weighted<string>([['CA', 90], ['NV', 3], ['AZ', 3], ['OR', 2], ['TX', 2]]);

// ---- The generator -------------------------------------------------------------------------------------

class Generator {
  private readonly rng: Rng;
  private readonly surnames: Weighted<[string, Origin]>;
  private readonly surnamesByOrigin = new Map<Origin, Weighted<[string, Origin]>>();
  private readonly originOf = new Map<string, Origin>();
  private readonly spellings = new Map<string, string[]>();
  private readonly firstSpellings = new Map<string, string[]>();
  private readonly courts: Weighted<Court>;
  private readonly courtsByCounty = new Map<County, Court[]>();
  private readonly caseCounters = new Map<string, number>();
  private readonly pending: { due: number; seq: number; order: PlannedOrder }[] = [];
  private pendingSeq = 0;
  private humans = 0;
  private made = 0;
  private readonly spread: number;
  readonly asOf: number;
  private readonly earliest: number;
  private readonly latestDob: number;
  private readonly licenceSalt: number;

  constructor(seed: number, asOf: string, private readonly total: number, courts: Court[]) {
    this.rng = new Rng(seed);
    this.asOf = dayOf(asOf);
    this.earliest = plusYears(this.asOf, -HISTORY_YEARS);
    // Restrained people are born 1950-2006 and at least 18 on the as-of date.
    this.latestDob = Math.min(yearStart(2007) - 1, plusYears(this.asOf, -18));
    this.spread = Math.max(8, Math.floor(total / 20));
    this.licenceSalt = this.rng.int(0, 25_999_999);
    this.surnames = new Weighted(SURNAMES.map(([n, w, o]) => [[n, o], w] as const));
    for (const [n, , o] of SURNAMES) this.originOf.set(n, o);
    for (const o of ['H', 'C', 'V', 'S', 'F', 'B', 'W', 'M'] as Origin[]) {
      this.surnamesByOrigin.set(o, new Weighted(SURNAMES.filter((s) => s[2] === o).map(([n, w]) => [[n, o], w] as const)));
    }
    for (const g of SPELLING_GROUPS) for (const n of g) this.spellings.set(n, g.filter((x) => x !== n));
    for (const g of FIRST_SPELLINGS) for (const n of g) this.firstSpellings.set(n, g.filter((x) => x !== n));
    this.courts = new Weighted(courts.map((c) => [c, c.county.weight / c.county.courts.length] as const));
    for (const c of courts) {
      const list = this.courtsByCounty.get(c.county) ?? [];
      list.push(c);
      this.courtsByCounty.set(c.county, list);
    }
  }

  /** The next `n` orders, in PNO order. */
  take(n: number): PlannedOrder[] {
    const out: PlannedOrder[] = [];
    while (out.length < n && this.made < this.total) {
      const head = this.pending[0];
      if (head && head.due <= this.made) out.push(this.popPending());
      else {
        const [first, ...later] = this.cluster();
        out.push(first!);
        for (const o of later) this.schedule(o);
      }
      this.made++;
    }
    return out;
  }

  // -- Clusters: orders that belong together, the later ones entered some orders later. --

  private cluster(): PlannedOrder[] {
    const r = this.rng.float();
    if (r < 0.69) return [this.single()];
    if (r < 0.845) return this.chain();
    if (r < 0.975) return this.repeat();
    return this.conflict();
  }

  private single(): PlannedOrder {
    const typ = SINGLE_TYPES.pick(this.rng);
    const human = this.human();
    const fate = this.fate(typ);
    const { isd, exp } = this.dates(typ, fate, this.minIsd(human));
    const court = this.courts.pick(this.rng);
    const prot = this.protectedFor(typ, human, isd);
    return this.order(typ, court, this.caseNumber(typ, court, isd), isd, exp, fate, this.asEntered(human), prot);
  }

  /** TRO, then the order after hearing in the same case and court (or the TRO just lapses). */
  private chain(): PlannedOrder[] {
    const rng = this.rng;
    const types = CHAINS.pick(rng);
    const final = types[types.length - 1]!;
    const tro = types[types.length - 2]!;
    const human = this.human();
    const court = this.courts.pick(rng);
    const who = this.asEntered(human);
    // A fifth of the chains are waiting for their hearing: the TRO is in force now.
    const waiting = rng.chance(0.2);
    let hearing: number;
    let troIsd: number;
    let after: { isd: number; exp: number | null; fate: Fate } | null = null;
    if (waiting) {
      troIsd = Math.max(this.asOf - rng.int(0, 20), this.minIsd(human));
      hearing = troIsd + duration(rng, tro);
    } else {
      const fate = this.fate(final);
      const d = this.dates(final, fate, this.minIsd(human) + 40);
      hearing = d.isd;
      troIsd = hearing - duration(rng, tro);
      if (rng.chance(0.8)) after = { ...d, fate }; // granted; otherwise the TRO lapses at the hearing
    }
    const epoIsd = troIsd - rng.int(1, 4);
    const prot = this.protectedFor(final, human, types[0] === 'EPO' ? epoIsd : troIsd);
    const oca = this.caseNumber(final, court, troIsd);
    const out: PlannedOrder[] = [];
    if (types[0] === 'EPO') {
      out.push(this.order('EPO', court, this.caseNumber('EPO', court, epoIsd), epoIsd, epoIsd + duration(rng, 'EPO'), 'ACTIVE', who, prot));
    }
    const troOrder = this.order(tro, court, oca, troIsd, hearing, 'ACTIVE', who, prot);
    out.push(troOrder);
    if (after) out.push(this.order(final, court, oca, after.isd, after.exp, after.fate, this.maybeVariant(human, 0.1), prot, troOrder.pco));
    return out;
  }

  /** One person, two to four orders over the years, sometimes under another spelling or an alias. */
  private repeat(): PlannedOrder[] {
    const human = this.human();
    const k = this.rng.chance(0.6) ? 2 : this.rng.chance(0.6) ? 3 : 4;
    const home = this.courts.pick(this.rng);
    let prot: Person[] | null = null;
    const out: PlannedOrder[] = [];
    for (let i = 0; i < k; i++) {
      const typ = REPEAT_TYPES.pick(this.rng);
      const fate = this.fate(typ);
      const { isd, exp } = this.dates(typ, fate, this.minIsd(human));
      const court = this.rng.chance(0.6) ? this.sameCounty(home) : this.courts.pick(this.rng);
      if (!prot || this.rng.chance(0.5)) prot = this.protectedFor(typ, human, isd);
      else prot = prot.filter((p) => p.dob < isd);
      if (prot.length === 0) prot = this.protectedFor(typ, human, isd);
      out.push(this.order(typ, court, this.caseNumber(typ, court, isd), isd, exp, fate, this.maybeVariant(human, 0.35), prot));
    }
    return out;
  }

  /** Two courts, the same two people, both orders in force, terms that cannot both be obeyed. */
  private conflict(): PlannedOrder[] {
    const human = this.human();
    const [ta, tb] = this.rng.pick<[OrderType, OrderType]>([
      ['CPO', 'DVRO'], ['CPO', 'DVRO'], ['CPO', 'DVRO'], ['DVRO', 'DVRO'], ['CPO', 'CHRO'], ['DVRO', 'OOS'], ['CPO', 'CPO'],
    ]);
    const a = this.courts.pick(this.rng);
    const b = this.otherCourt(a);
    const da = this.dates(ta, 'ACTIVE', this.minIsd(human));
    const db = this.dates(tb, 'ACTIVE', Math.max(this.minIsd(human), da.isd - 60));
    const kind = this.rng.pick(['05v06', '05v06', 'DST', '03v04', '06v09'] as const);
    const needsChild = kind === '05v06' || kind === '06v09';
    let prot = this.protectedFor('DVRO', human, Math.min(da.isd, db.isd), needsChild);
    if (needsChild && prot.length < 2) prot = [...prot, this.child(human, prot[0]!, Math.min(da.isd, db.isd))];
    const who = this.asEntered(human);
    const oa = this.order(ta, a, this.caseNumber(ta, a, da.isd), da.isd, da.exp, 'ACTIVE', who, prot);
    const ob = this.order(tb, b, this.caseNumber(tb, b, db.isd), db.isd, db.exp, 'ACTIVE', this.maybeVariant(human, 0.2), prot);
    const set = (o: PlannedOrder, add: string[], drop: string[]) => {
      const codes = new Set(o.pco);
      for (const c of drop) codes.delete(c);
      for (const c of add) codes.add(c);
      o.pco = [...codes].sort();
      o.dst = codes.has('04') ? (o.dst ?? DISTANCES.pick(this.rng)) : null;
      if (codes.has('08') && !o.mis) o.mis = this.rng.pick(MIS_08);
    };
    if (kind === '05v06') {
      set(oa, ['05'], ['06', '09']);
      set(ob, ['06'], ['05', '09']);
    } else if (kind === '06v09') {
      set(oa, ['06'], ['05', '09']);
      set(ob, ['09'], ['06']);
    } else if (kind === '03v04') {
      set(oa, ['03'], ['04']);
      set(ob, ['04'], ['03']);
    } else {
      set(oa, ['04'], []);
      set(ob, ['04'], []);
      oa.dst = 100;
      ob.dst = this.rng.pick([25, 50, 300, 500]);
    }
    return [oa, ob];
  }

  // -- Pieces --

  private fate(typ: OrderType): Fate {
    const r = this.rng.float();
    const cancelled = 0.015;
    const cleared = typ === 'EPO' || typ === 'GVEPO' ? 0.01 : 0.045;
    if (r < cancelled) return 'CANCELLED';
    if (r < cancelled + cleared) return 'CLEARED';
    return this.rng.chance(activeShare(typ)) ? 'ACTIVE' : 'EXPIRED';
  }

  /** Issue and expiration days for an order that is to end up `fate` on the as-of date. */
  private dates(typ: OrderType, fate: Fate, minIsd: number): { isd: number; exp: number | null } {
    const from = Math.min(Math.max(this.earliest, minIsd), this.asOf);
    const nonexp = this.rng.chance(NONEXP_SHARE[typ] ?? 0);
    const dur = duration(this.rng, typ);
    let isd: number;
    if (nonexp) isd = this.rng.int(from, this.asOf);
    else if (fate === 'ACTIVE' || (fate === 'EXPIRED' && from > this.asOf - dur - 1)) isd = this.rng.int(Math.max(from, this.asOf - dur), this.asOf);
    else if (fate === 'EXPIRED') isd = this.rng.int(from, this.asOf - dur - 1);
    else isd = this.rng.int(from, this.asOf);
    return { isd, exp: nonexp ? null : isd + dur };
  }

  private minIsd(h: Person): number {
    return plusYears(h.dob, 18);
  }

  private order(
    typ: OrderType, court: Court, oca: string, isd: number, exp: number | null, fate: Fate,
    restrained: Restrained, prot: Person[], likePco?: string[],
  ): PlannedOrder {
    const rng = this.rng;
    const withChildren = prot.some((p) => plusYears(p.dob, 18) > isd);
    const pco = likePco && rng.chance(0.7) ? [...likePco] : conditions(rng, typ, withChildren);
    let mis: string | null = null;
    if (pco.includes('08')) mis = rng.pick(MIS_08);
    else if (rng.chance(0.03)) mis = rng.pick(MIS_OTHER);
    // CLEARED and CANCELLED are the caller's; ACTIVE or EXPIRED is whatever the dates say.
    let status: PlannedOrder['status'] = fate;
    let change: PlannedOrder['change'] = null;
    const lastDay = Math.min(exp ?? this.asOf, this.asOf);
    if (fate === 'CANCELLED') {
      const day = Math.min(isd + rng.int(0, 10), this.asOf);
      change = { action: 'CANCEL', day, minute: rng.int(8 * 60, 17 * 60) };
    } else if (fate === 'CLEARED') {
      const day = rng.int(isd, Math.max(isd, lastDay));
      change = { action: 'CLEAR', day, minute: rng.int(8 * 60, 17 * 60) };
    } else if (exp !== null && exp < this.asOf) {
      // The expiry job has run for orders that ended more than two days ago; the rest are
      // still stored ACTIVE and are EXPIRED only in answers (db/status.ts).
      if (exp < this.asOf - 2) {
        status = 'EXPIRED';
        change = { action: 'EXPIRE', day: exp + 1, minute: 15 };
      } else status = 'ACTIVE';
    } else status = 'ACTIVE';
    const enteredMinute = typ === 'EPO' || typ === 'GVEPO' ? rng.int(0, 1439) : rng.int(8 * 60, 16 * 60 + 30);
    const o: PlannedOrder = {
      typ, court, oca, isd, exp, pco, dst: pco.includes('04') ? DISTANCES.pick(rng) : null, brady: bradyFor(rng, typ), mis,
      status, change, enteredMinute, restrained, protected: prot, service: null,
      fcnPending: isd >= this.asOf - 1 && rng.chance(0.5),
    };
    o.service = this.service(o, change ? Math.min(change.day, lastDay) : lastDay);
    return o;
  }

  /** How and when it was served, if it was, no later than `until`. */
  private service(o: PlannedOrder, until: number): Service | null {
    const rng = this.rng;
    const f = FAMILY[o.typ];
    const officer = () => `${rng.chance(0.5) ? 'DEP' : 'OFC'} ${this.surnames.pick(rng)[0]} ${rng.int(1000, 9999)}`.slice(0, 30);
    const lawOri = () => rng.pick(o.court.servers);
    let s: Service | null = null;
    if (o.typ === 'EPO' || o.typ === 'GVEPO') {
      // Served at the scene by the officer who asked for it.
      if (rng.chance(0.9)) s = { day: o.isd, minute: Math.max(0, o.enteredMinute - rng.int(10, 180)), how: 'PERSONAL', by: officer(), ori: lawOri(), atEntry: true };
    } else if (f === 'CR') {
      if (rng.chance(0.85)) s = { day: o.isd, minute: Math.max(0, o.enteredMinute - rng.int(5, 180)), how: 'COURT', by: `DEPT ${rng.int(1, 120)}`, ori: o.court.ori, atEntry: true };
    } else if (TEMPORARY.has(o.typ)) {
      const r = rng.float();
      const day = o.isd + rng.int(0, 14);
      if (r < 0.55) s = { day, minute: rng.int(7 * 60, 21 * 60), how: 'PERSONAL', by: officer(), ori: lawOri(), atEntry: false };
      else if (r < 0.62) s = { day, minute: rng.int(0, 1439), how: 'VERBAL', by: officer(), ori: lawOri(), atEntry: false };
    } else {
      const r = rng.float();
      if (r < 0.5) s = { day: o.isd, minute: Math.max(0, o.enteredMinute - rng.int(5, 180)), how: 'COURT', by: `DEPT ${rng.int(1, 120)}`, ori: o.court.ori, atEntry: true };
      else if (r < 0.62) s = { day: o.isd + rng.int(1, 10), minute: rng.int(9 * 60, 16 * 60), how: 'MAIL', by: `CLERK ${this.surnames.pick(rng)[0]}`.slice(0, 30), ori: o.court.ori, atEntry: false };
      else if (r < 0.82) s = { day: o.isd + rng.int(1, 30), minute: rng.int(7 * 60, 21 * 60), how: 'PERSONAL', by: officer(), ori: lawOri(), atEntry: false };
      else if (r < 0.85) s = { day: o.isd + rng.int(1, 60), minute: rng.int(0, 1439), how: 'VERBAL', by: officer(), ori: lawOri(), atEntry: false };
    }
    if (!s || s.day > until) return null;
    // Service recorded after the entry comes after it, also on the day of issue.
    if (!s.atEntry && s.day === o.isd && s.minute <= o.enteredMinute) s.minute = Math.min(1439, o.enteredMinute + 1);
    return s;
  }

  private human(): Human {
    const rng = this.rng;
    const [last, origin] = this.surnames.pick(rng);
    const sex: Sex = rng.chance(0.003) ? 'X' : rng.chance(0.78) ? 'M' : 'F';
    // Born 1950-2006, most between the mid-1970s and late 1990s.
    const lo = yearStart(1950);
    const span = this.latestDob - lo;
    const u = ((rng.float() + rng.float() + rng.float()) / 3) ** 0.8;
    const dob = lo + Math.floor(Math.min(0.9999, u) * span);
    const first = this.firstName(origin, sex);
    const middle = this.middleName(sex);
    const suffix = sex === 'M' && rng.chance(0.03) ? rng.pick(['JR', 'JR', 'JR', 'SR', 'II', 'III']) : '';
    const dark = origin !== 'W' && origin !== 'B';
    const male = sex !== 'F';
    const hasLicence = rng.chance(0.45);
    this.humans++;
    return fitName({
      last, first, middle, suffix, dob, sex, origin,
      race: RACE_BY_ORIGIN[origin].pick(rng),
      height: male ? feetInches(rng.int(64, 76)) : feetInches(rng.int(59, 70)),
      weight: male ? rng.int(135, 285) : rng.int(100, 230),
      eyes: (dark ? EYES_DARK : EYES_ANY).pick(rng),
      hair: yearOf(this.asOf) - yearOf(dob) > 58 && rng.chance(0.5) ? 'GRY' : (dark ? HAIR_DARK : HAIR_ANY).pick(rng),
      // One licence number per person: a letter and seven digits, never shared.
      oln: hasLicence ? licenceNumber(this.humans, this.licenceSalt) : null,
      ols: hasLicence ? LICENCE_STATES.pick(rng) : null,
    });
  }

  private firstName(origin: Origin, sex: Sex): string {
    const s = sex === 'F' || (sex === 'X' && this.rng.chance(0.5)) ? 'F' : 'M';
    const own = FIRST_BY_ORIGIN[origin];
    const list = own !== GENERAL && this.rng.chance(origin === 'H' ? 0.6 : 0.5) ? own : GENERAL;
    return list[s].pick(this.rng);
  }

  private middleName(sex: Sex): string {
    const r = this.rng.float();
    if (r < 0.35) return GENERAL[sex === 'F' ? 'F' : 'M'].pick(this.rng);
    if (r < 0.45) return String.fromCharCode(65 + this.rng.int(0, 25));
    return '';
  }

  /** The person as this order's clerk wrote them down: mostly as they are, sometimes not. */
  private asEntered(h: Human): Restrained {
    const rng = this.rng;
    const r: Restrained = {
      last: h.last, first: h.first, middle: h.middle, suffix: h.suffix, dob: h.dob, sex: h.sex, race: h.race,
      height: h.height, weight: Math.max(90, Math.min(350, h.weight + rng.int(-8, 8))), eyes: h.eyes, hair: h.hair,
      oln: h.oln, ols: h.ols, aliases: [],
    };
    if (r.oln && rng.chance(0.25)) r.oln = r.ols = null; // not on this order's form
    if (rng.chance(0.08)) {
      const n = rng.chance(0.8) ? 1 : 2;
      for (let i = 0; i < n; i++) r.aliases.push(this.alias(h));
    }
    return r;
  }

  /** asEntered, with probability p under a variant of the name (and the real one as an alias, sometimes). */
  private maybeVariant(h: Human, p: number): Restrained {
    const r = this.asEntered(h);
    if (!this.rng.chance(p)) return r;
    const x = this.rng.float();
    const lastAlts = this.spellings.get(h.last);
    const firstAlts = this.firstSpellings.get(h.first);
    if (x < 0.5 && lastAlts) r.last = this.rng.pick(lastAlts);
    else if (x < 0.8 && firstAlts) r.first = this.rng.pick(firstAlts);
    else if (r.middle) r.middle = r.middle.length > 1 && this.rng.chance(0.5) ? r.middle[0]! : '';
    else r.middle = String.fromCharCode(65 + this.rng.int(0, 25));
    if ((r.last !== h.last || r.first !== h.first) && this.rng.chance(0.4)) {
      r.aliases = [{ name: { last: h.last, first: h.first, middle: h.middle, suffix: h.suffix }, dob: h.dob }, ...r.aliases].slice(0, 2);
    }
    Object.assign(r, fitName(r));
    return r;
  }

  private alias(h: Human): { name: PersonName; dob: number } {
    const rng = this.rng;
    const x = rng.float();
    const name: PersonName = { last: h.last, first: h.first, middle: '', suffix: '' };
    let dob = h.dob;
    const nick = NICKNAMES[h.first];
    if (x < 0.4 && nick) name.first = rng.pick(nick);
    else if (x < 0.75) {
      const other = this.surnameLike(h.origin);
      name.last = h.origin === 'H' && rng.chance(0.5) ? `${h.last} ${other}` : other;
    } else if (x < 0.9 && this.spellings.has(h.last)) name.last = rng.pick(this.spellings.get(h.last)!);
    else {
      // Another date of birth used: a day or a month off, or day and month swapped.
      const d = new Date(h.dob * DAY_MS);
      const swapped = Date.UTC(d.getUTCFullYear(), d.getUTCDate() - 1, d.getUTCMonth() + 1) / DAY_MS;
      const day = d.getUTCDate() <= 12 && d.getUTCDate() !== d.getUTCMonth() + 1 && rng.chance(0.5) ? swapped : h.dob + rng.pick([-1, 1, 31, -31, 365]);
      dob = Math.min(day, this.latestDob);
    }
    return { name: fitName(name), dob };
  }

  private surnameLike(origin: Origin): string {
    return (this.rng.chance(0.7) ? this.surnamesByOrigin.get(origin)! : this.surnames).pick(this.rng)[0];
  }

  /** Who the order protects, by the kind of order; `isd` bounds the children's birthdays. */
  private protectedFor(typ: OrderType, h: Human, isd: number, wantChild = false): Person[] {
    const rng = this.rng;
    const f = FAMILY[typ];
    const r = rng.float();
    const count = wantChild ? 2 : r < 0.6 ? 1 : r < 0.82 ? 2 : r < 0.94 ? 3 : 4;
    const out: Person[] = [];
    const adult = (sex: Sex, dob: number, last?: string): Person => {
      const origin = last ? (this.originOf.get(last) ?? h.origin) : rng.chance(0.7) ? h.origin : this.surnames.pick(rng)[1];
      const surname = last ?? this.surnameLike(origin);
      return fitName({
        last: surname, first: this.firstName(origin, sex), middle: rng.chance(0.3) ? this.middleName(sex) : '', suffix: '',
        dob: Math.min(dob, plusYears(isd, -18)), sex, race: rng.chance(0.8) ? RACE_BY_ORIGIN[origin].pick(rng) : null,
      });
    };
    const randomAdultDob = () => this.rng.int(yearStart(1945), plusYears(isd, -18));
    const partner = (): Person => {
      const sex: Sex = rng.chance(0.92) ? (h.sex === 'F' ? 'M' : 'F') : h.sex;
      const dob = Math.max(yearStart(1940), h.dob + rng.int(-years(8), years(8)));
      return adult(sex, dob, rng.chance(0.4) ? h.last : undefined);
    };
    if (f === 'DV' || f === 'OS' || f === 'GV' || (f === 'CR' && rng.chance(0.6))) {
      out.push(partner());
      while (out.length < count) out.push(this.child(h, out[0]!, isd));
    } else if (f === 'JV') {
      const p = partner();
      out.push(this.child(h, p, isd));
      while (out.length < count) out.push(out.length === count - 1 && rng.chance(0.4) ? p : this.child(h, p, isd));
    } else if (f === 'EA') {
      // An elder, often the restrained person's parent, and sometimes their spouse.
      const elderDob = () => rng.int(yearStart(1930), Math.min(plusYears(isd, -65), h.dob - years(16)));
      const last = rng.chance(0.5) ? h.last : undefined;
      const first = adult(rng.chance(0.6) ? 'F' : 'M', elderDob(), last);
      out.push(first);
      if (count > 1) out.push(adult(first.sex === 'F' ? 'M' : 'F', elderDob(), first.last));
    } else if (f === 'SV') {
      for (let i = 0; i < count; i++) {
        const dob = rng.int(plusYears(isd, -18), plusYears(isd, -6));
        out.push(fitName({ ...adult(rng.chance(0.5) ? 'F' : 'M', dob), dob }));
      }
    } else {
      // Neighbours, coworkers, the victim of a crime: unrelated adults, with their household.
      const first = adult(rng.chance(0.55) ? 'F' : 'M', randomAdultDob());
      out.push(first);
      while (out.length < count) {
        out.push(rng.chance(0.5) ? adult(rng.chance(0.5) ? 'F' : 'M', randomAdultDob(), first.last) : this.child(h, first, isd, first.last));
      }
    }
    if (wantChild && !out.some((p) => plusYears(p.dob, 18) > isd)) out[out.length - 1] = this.child(h, out[0]!, isd);
    return out;
  }

  /** A child of the restrained person and `parent`, born before `isd`. */
  private child(h: Person, parent: Person, isd: number, last?: string): Person {
    const rng = this.rng;
    const from = Math.max(plusYears(Math.max(h.dob, parent.dob), 18), plusYears(isd, -17));
    const to = isd - 30;
    const dob = from <= to ? rng.int(from, to) : to;
    const sex: Sex = rng.chance(0.5) ? 'F' : 'M';
    const surname = last ?? (rng.chance(0.7) ? h.last : parent.last);
    const origin = this.originOf.get(surname) ?? 'W';
    return fitName({
      last: surname, first: this.firstName(origin, sex), middle: rng.chance(0.4) ? this.middleName(sex) : '', suffix: '',
      dob, sex, race: rng.chance(0.8) ? parent.race : null,
    });
  }

  private caseNumber(typ: OrderType, court: Court, isd: number): string {
    const yy = String(yearOf(isd) % 100).padStart(2, '0');
    const f = FAMILY[typ];
    const code = typ === 'EPO' || typ === 'GVEPO' ? 'EPO' : f === 'DV' ? 'FL' : f === 'CR' ? this.rng.pick(['CF', 'CM', 'CR']) : f === 'OS' ? 'OS' : f === 'JV' ? 'JV' : f === 'GV' ? 'GV' : `${f}`;
    const key = `${court.ori}|${yy}|${code}`;
    let n = this.caseCounters.get(key);
    n = n === undefined ? this.rng.int(1_000, 400_000) : n + this.rng.int(1, 9);
    this.caseCounters.set(key, n);
    return `${yy}${code}${String(n).padStart(6, '0')}`;
  }

  private sameCounty(c: Court): Court {
    return this.rng.pick(this.courtsByCounty.get(c.county)!);
  }

  /** Another court: a second courthouse of the county when there is one, else another county. */
  private otherCourt(c: Court): Court {
    const siblings = this.courtsByCounty.get(c.county)!.filter((x) => x !== c);
    if (siblings.length > 0 && this.rng.chance(0.5)) return this.rng.pick(siblings);
    for (let i = 0; i < 20; i++) {
      const x = this.courts.pick(this.rng);
      if (x !== c) return x;
    }
    return c;
  }

  private schedule(order: PlannedOrder): void {
    const due = this.made + this.rng.int(1, this.spread);
    const item = { due, seq: this.pendingSeq++, order };
    // Binary min-heap on (due, seq).
    const h = this.pending;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private popPending(): PlannedOrder {
    const h = this.pending;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top.order;
  }
}

const before = (x: { due: number; seq: number }, y: { due: number; seq: number }) => x.due < y.due || (x.due === y.due && x.seq < y.seq);
const feetInches = (inches: number) => `${Math.floor(inches / 12)}${String(inches % 12).padStart(2, '0')}`;

/** `LAST, FIRST MIDDLE SUFFIX` fits NAM's 30 characters: drop the middle name, then shorten it. */
function fitName<T extends PersonName>(n: T): T {
  if (formatName(n).length <= 30) return n;
  const m = { ...n, middle: n.middle.slice(0, 1) };
  if (formatName(m).length <= 30) return m;
  return { ...m, middle: '', first: m.first.slice(0, Math.max(1, 30 - m.last.length - 2 - (m.suffix ? m.suffix.length + 1 : 0))) };
}

/** A California-style licence number, one per person: a bijection of the person's number. */
function licenceNumber(n: number, salt: number): string {
  const x = (n * 7_919 + salt) % 260_000_000;
  return String.fromCharCode(65 + Math.floor(x / 10_000_000)) + String(x % 10_000_000).padStart(7, '0');
}

// ---- Writing -----------------------------------------------------------------------------------------

const nysiisCache = new Map<string, string>();
function keysOf(n: PersonName): { norm: string; initial: string; nysiis: string } {
  let k = nysiisCache.get(n.last);
  if (k === undefined) {
    k = nysiis(phoneticBase(n.last));
    nysiisCache.set(n.last, k);
  }
  return { norm: formatName(n), initial: n.first.slice(0, 1), nysiis: k };
}

/** Columns of one batch, one array per column, in the order of the INSERTs below. */
class Columns {
  readonly cols: (string | null)[][];
  constructor(width: number) {
    this.cols = Array.from({ length: width }, () => []);
  }
  add(...values: (string | number | null)[]): void {
    if (values.length !== this.cols.length) throw new Error(`seed: ${values.length} values for ${this.cols.length} columns`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      this.cols[i]!.push(v === null || v === undefined ? null : String(v));
    }
  }
  get length(): number {
    return this.cols[0]!.length;
  }
}

/** `$from::text[], ...`: n array parameters. */
const param = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}::text[]`).join(', ');
const at = (col: string) => `(${col}::timestamp AT TIME ZONE $1)`;

const INSERT = {
  orders: `INSERT INTO orders (id, pno, fcn, typ, status, cti, oca, isd, exp, nonexp, pco, dst, brady, mis, version,
                               entered_by, entered_ori, entered_at, updated_at)
    SELECT id::bigint, pno, fcn, typ, status, cti, oca, isd::date, exp::date, exp IS NULL, string_to_array(pco, ' '),
           dst::int, brady, mis, version::int, '${SEED_USER}', cti, ${at('entered')}, ${at('updated')}
      FROM unnest(${param(16, 2)}) AS t(id, pno, fcn, typ, status, cti, oca, isd, exp, pco, dst, brady, mis, version, entered, updated)`,
  persons: `INSERT INTO persons (id, order_id, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis,
                                 dob, sex, race, height, weight, eyes, hair, oln, ols)
    SELECT id::bigint, order_id::bigint, l, f, m, s, norm, ini, ny, dob::date, sex, race, hgt, wgt::int, eye, hai, oln, ols
      FROM unnest(${param(18)}) AS t(id, order_id, l, f, m, s, norm, ini, ny, dob, sex, race, hgt, wgt, eye, hai, oln, ols)`,
  aliases: `INSERT INTO person_aliases (id, person_id, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis, dob)
    SELECT id::bigint, person_id::bigint, l, f, m, s, norm, ini, ny, dob::date
      FROM unnest(${param(10)}) AS t(id, person_id, l, f, m, s, norm, ini, ny, dob)`,
  protected: `INSERT INTO protected_persons (id, order_id, seq, last_name, first_name, middle_name, suffix, name_norm, first_initial,
                                            last_nysiis, dob, sex, race)
    SELECT id::bigint, order_id::bigint, seq::smallint, l, f, m, s, norm, ini, ny, dob::date, sex, race
      FROM unnest(${param(13)}) AS t(id, order_id, seq, l, f, m, s, norm, ini, ny, dob, sex, race)`,
  services: `INSERT INTO services (id, order_id, served_at, how, served_by, recorded_by, recorded_ori, recorded_at)
    SELECT id::bigint, order_id::bigint, sdt, how, svb, '${SEED_USER}', ori, ${at('rec')}
      FROM unnest(${param(7, 2)}) AS t(id, order_id, sdt, how, svb, ori, rec)`,
  // The changes come as one JSON array, zipped with the other columns: cheaper than JSON in an array literal.
  history: `INSERT INTO order_history (id, order_id, version, action, actor_user, actor_ori, at, changes)
    SELECT id::bigint, order_id::bigint, version::int, action, '${SEED_USER}', ori, ${at('ts')}, changes
      FROM ROWS FROM (${Array.from({ length: 6 }, (_, i) => `unnest($${i + 2}::text[])`).join(', ')},
                      jsonb_array_elements(($8::text)::jsonb)) AS t(id, order_id, version, action, ori, ts, changes)`,
};

interface Batch {
  orders: Columns;
  persons: Columns;
  aliases: Columns;
  protected: Columns;
  services: Columns;
  history: Columns;
  /** order_history.changes, one JSON text per history row. */
  changes: string[];
}

/** Ids for one batch, drawn from the sequences in one round trip. */
interface Reserved {
  pno: string[];
  orders: string[];
  persons: string[];
  aliases: string[];
  protected: string[];
  services: string[];
  history: string[];
}

type SequenceNames = Record<Exclude<keyof Reserved, 'pno'>, string>;

async function sequenceNames(db: Database): Promise<SequenceNames> {
  const { rows } = await db.query<Record<keyof SequenceNames, string | null>>(
    `SELECT pg_get_serial_sequence('orders', 'id') AS orders, pg_get_serial_sequence('persons', 'id') AS persons,
            pg_get_serial_sequence('person_aliases', 'id') AS aliases, pg_get_serial_sequence('protected_persons', 'id') AS protected,
            pg_get_serial_sequence('services', 'id') AS services, pg_get_serial_sequence('order_history', 'id') AS history`,
  );
  const r = rows[0]!;
  const out = {} as SequenceNames;
  for (const k of Object.keys(r) as (keyof SequenceNames)[]) {
    const name = r[k];
    if (!name || !/^[a-z0-9_."]+$/i.test(name)) throw new Error(`seed: no usable sequence for ${k}: ${name}`);
    out[k] = name;
  }
  return out;
}

function reserveSql(seqs: SequenceNames): string {
  const draw = (seq: string, n: string) => `array(SELECT nextval('${seq.replaceAll("'", "''")}')::text FROM generate_series(1, ${n}))`;
  return `SELECT ${draw('pno_seq', '$1::int')} AS pno, ${draw(seqs.orders, '$1::int')} AS orders, ${draw(seqs.persons, '$1::int')} AS persons,
                 ${draw(seqs.aliases, '$2::int')} AS aliases, ${draw(seqs.protected, '$3::int')} AS protected,
                 ${draw(seqs.services, '$4::int')} AS services, ${draw(seqs.history, '$5::int')} AS history`;
}

interface Fcns {
  /** FCN = the court's CARPOS code and ten digits from a bijection of the PNO's sequence number. */
  of(carposCode: string, pnoSeq: string): string;
}

function fcnMaker(): Fcns {
  const M = 10_000_000_000n;
  const A = 7_654_321_093n; // odd, not a multiple of 5: n -> A*n + B is a bijection modulo 10^10
  // Not seed-dependent: PNO sequence numbers never repeat in a registry, so neither do FCNs,
  // however many times and with whatever seeds it is seeded.
  const B = 3_141_592_653n;
  return { of: (code, n) => code + String((BigInt(n) * A + B) % M).padStart(10, '0') };
}

/** Turns planned orders into the batch's column arrays, with the reserved ids. */
function toColumns(plan: PlannedOrder[], ids: Reserved, fcns: Fcns): Batch {
  const b: Batch = {
    orders: new Columns(16), persons: new Columns(18), aliases: new Columns(10), protected: new Columns(13),
    services: new Columns(7), history: new Columns(6), changes: [],
  };
  let ai = 0;
  let pi = 0;
  let si = 0;
  let hi = 0;
  plan.forEach((o, i) => {
    const orderId = ids.orders[i]!;
    const personId = ids.persons[i]!;
    const pno = pnoFromSequence(ids.pno[i]!);
    const fcn = o.court.carposCode && !o.fcnPending ? fcns.of(o.court.carposCode, ids.pno[i]!) : null;
    const r = o.restrained;
    const rk = keysOf(r);
    const sdt = o.service ? `${ccyymmdd(o.service.day)}${hhmm(o.service.minute)}` : null;
    let version = 1;
    const entered = stamp(o.isd, o.enteredMinute);
    let updated = entered;

    const entry = {
      typ: o.typ, cti: o.court.ori, oca: o.oca, isd: ccyymmdd(o.isd), exp: o.exp === null ? 'NONEXP' : ccyymmdd(o.exp),
      pco: o.pco, dst: o.dst ?? undefined, brady: o.brady, mis: o.mis ?? undefined,
      restrained: {
        name: rk.norm, dob: ccyymmdd(r.dob), sex: r.sex, race: r.race ?? undefined, height: r.height, weight: r.weight,
        eyes: r.eyes, hair: r.hair, oln: r.oln ?? undefined, ols: r.ols ?? undefined,
        aliases: r.aliases.length ? r.aliases.map((a) => ({ name: formatName(a.name), dob: ccyymmdd(a.dob) })) : undefined,
      },
      protected: o.protected.map((p) => ({ name: formatName(p), dob: ccyymmdd(p.dob), sex: p.sex, race: p.race ?? undefined })),
      service: o.service?.atEntry ? { sdt, shw: o.service.how, svb: o.service.by ?? undefined } : undefined,
      pno,
    };
    b.history.add(ids.history[hi++]!, orderId, 1, 'ENTER', o.court.ori, entered);
    b.changes.push(JSON.stringify(entry));

    b.persons.add(personId, orderId, r.last, r.first, r.middle, r.suffix, rk.norm, rk.initial, rk.nysiis, iso(r.dob),
      r.sex, r.race, r.height, r.weight, r.eyes, r.hair, r.oln, r.ols);
    for (const a of r.aliases) {
      const k = keysOf(a.name);
      b.aliases.add(ids.aliases[ai++]!, personId, a.name.last, a.name.first, a.name.middle, a.name.suffix, k.norm, k.initial, k.nysiis, iso(a.dob));
    }
    o.protected.forEach((p, seq) => {
      const k = keysOf(p);
      b.protected.add(ids.protected[pi++]!, orderId, seq + 1, p.last, p.first, p.middle, p.suffix, k.norm, k.initial, k.nysiis, iso(p.dob), p.sex, p.race);
    });
    if (o.service) {
      const s = o.service;
      const when = stamp(s.day, s.minute);
      b.services.add(ids.services[si++]!, orderId, sdt, s.how, s.by, s.ori, s.atEntry ? entered : when);
      if (!s.atEntry) {
        version++;
        updated = when;
        const changes = { service: [null, { sdt, shw: s.how, svb: s.by ?? undefined }] };
        b.history.add(ids.history[hi++]!, orderId, version, 'SERVE', s.ori, when);
        b.changes.push(JSON.stringify(changes));
      }
    }
    if (o.change) {
      version++;
      const when = stamp(o.change.day, o.change.minute);
      updated = when > updated ? when : updated;
      b.history.add(ids.history[hi++]!, orderId, version, o.change.action, o.court.ori, updated);
      b.changes.push(JSON.stringify({ status: ['ACTIVE', o.status] }));
    }
    b.orders.add(orderId, pno, fcn, o.typ, o.status, o.court.ori, o.oca, iso(o.isd), o.exp === null ? null : iso(o.exp),
      o.pco.join(' '), o.dst, o.brady, o.mis, version, entered, updated);
  });
  return b;
}

/** How many rows of each kind a planned batch needs ids for. */
function counts(plan: PlannedOrder[]) {
  let aliases = 0;
  let prot = 0;
  let services = 0;
  let history = 0;
  for (const o of plan) {
    aliases += o.restrained.aliases.length;
    prot += o.protected.length;
    if (o.service) services++;
    history += 1 + (o.service && !o.service.atEntry ? 1 : 0) + (o.change ? 1 : 0);
  }
  return { aliases, protected: prot, services, history };
}

/**
 * A column as a PostgreSQL array literal. node-postgres would build the same text, quoting and
 * escaping every element; doing it here, quoting only what needs it, halves the seed's CPU time.
 */
function arrayLiteral(values: readonly (string | null)[]): string {
  // One join at the end rather than a string grown element by element: the seed's garbage
  // collection is mostly what the longer way leaves behind.
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (v === '' || NEEDS_QUOTES.test(v) || /^null$/i.test(v)) parts[i] = `"${v.replace(/["\\]/g, '\\$&')}"`;
    else parts[i] = v;
  }
  return `{${parts.join(',')}}`;
}
const NEEDS_QUOTES = /[{}",\\\s]/;

async function writeBatch(tx: Queryable, b: Batch, kind: Database['kind']): Promise<void> {
  // PGlite takes the arrays as they are; for node-postgres they go as ready-made literals.
  const cols = (c: Columns) => (kind === 'postgres' ? c.cols.map(arrayLiteral) : c.cols);
  // Each batch is its own transaction, and the seed can be run again: no need to wait for the disk.
  if (kind === 'postgres') await tx.query(`SET LOCAL synchronous_commit = off`);
  await tx.query(INSERT.orders, [TIME_ZONE, ...cols(b.orders)]);
  await tx.query(INSERT.persons, cols(b.persons));
  if (b.aliases.length) await tx.query(INSERT.aliases, cols(b.aliases));
  await tx.query(INSERT.protected, cols(b.protected));
  if (b.services.length) await tx.query(INSERT.services, [TIME_ZONE, ...cols(b.services)]);
  await tx.query(INSERT.history, [TIME_ZONE, ...cols(b.history), `[${b.changes.join(',')}]`]);
}

/** Registers the seed's agencies (keeping any already there) and reads back what the registry holds. */
async function registerAgencies(db: Database): Promise<Court[]> {
  const list = seedAgencies();
  await db.query(
    `INSERT INTO agencies (ori, name, kind, carpos_code, created_at)
     SELECT ori, name, kind, code, '2015-01-01 00:00:00-08'::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(ori, name, kind, code)
     ON CONFLICT (ori) DO NOTHING`,
    [list.map((a) => a.ori), list.map((a) => a.name), list.map((a) => a.kind), list.map((a) => a.carposCode)],
  );
  const { rows } = await db.query<{ ori: string; kind: string; carpos_code: string | null }>(
    `SELECT ori, kind, carpos_code FROM agencies WHERE ori = ANY($1::text[])`,
    [list.map((a) => a.ori)],
  );
  const held = new Map(rows.map((r) => [r.ori, r]));
  const courts: Court[] = [];
  for (const county of COUNTIES) {
    const c = cc(county);
    const servers = [`CA${c}0000`, ...county.police.map(([s]) => `CA${c}${s}`)];
    county.courts.forEach((_, i) => {
      const ori = `CA${c}0${i + 1}5J`;
      const row = held.get(ori);
      if (row?.kind === 'COURT') courts.push({ ori, county, carposCode: row.carpos_code, servers });
    });
  }
  if (courts.length === 0) throw new Error('seed: none of the seed courts is registered as a COURT');
  return courts;
}

// From this many orders into an empty registry, indexes and foreign keys are made after the load
// rather than kept up row by row (db/bulk-load.ts): at 3,000,000 orders that takes the seed from
// about 6.5 to about N minutes on the 2-core reference machine.
const BULK_LOAD_MIN_ORDERS = 100_000;
const SEEDED_TABLES = ['orders', 'persons', 'person_aliases', 'protected_persons', 'services', 'order_history'];

async function isEmpty(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM orders) AS any`);
  return !rows[0]!.any;
}

/** Loads `orders` synthetic orders; see the top of this file. */
export async function seedRegistry(db: Database, opts: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const asOf = opts.asOf === 'today' ? localDate(new Date(), TIME_ZONE) : opts.asOf;
  if (!isRealDate(asOf)) throw new Error(`seed: asOf must be CCYYMMDD or 'today', not ${opts.asOf}`);
  if (!Number.isSafeInteger(opts.orders) || opts.orders < 0) throw new Error('seed: orders must be a whole number');
  if (Number(asOf.slice(0, 4)) < 1980) throw new Error(`seed: asOf ${asOf} is out of range`);
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 10_000));

  const courts = await registerAgencies(db);
  const bulk = opts.bulk ?? (db.kind === 'postgres' && opts.orders >= BULK_LOAD_MIN_ORDERS && (await isEmpty(db)));
  if (bulk) await deferIndexes(db, SEEDED_TABLES);
  const seqs = await sequenceNames(db);
  const reserve = reserveSql(seqs);
  const fcns = fcnMaker();
  const gen = new Generator(opts.seed, asOf, opts.orders, courts);
  const summary: SeedSummary = { orders: 0, persons: 0, protectedPersons: 0, aliases: 0, services: 0, agencies: seedAgencies().length, ms: 0 };

  // Batches are generated and given their ids in order (so the data does not depend on timing);
  // on a real server the next batch is written while this one is, on another connection.
  const parallel = db.kind === 'postgres' ? 2 : 1;
  const inFlight = new Set<Promise<void>>();
  let failed: { err: unknown } | null = null;
  let done = 0;
  for (let start = 0; start < opts.orders && !failed; start += batchSize) {
    const plan = gen.take(Math.min(batchSize, opts.orders - start));
    const n = counts(plan);
    const { rows } = await db.query<Reserved & Record<string, unknown>>(reserve, [plan.length, n.aliases, n.protected, n.services, n.history]);
    const batch = toColumns(plan, rows[0]!, fcns);
    const write = db
      .transaction((tx) => writeBatch(tx, batch, db.kind))
      .then(
        () => {
          summary.orders += plan.length;
          summary.persons += plan.length;
          summary.aliases += n.aliases;
          summary.protectedPersons += n.protected;
          summary.services += n.services;
          done += plan.length;
          opts.onProgress?.(done, opts.orders);
        },
        (err: unknown) => {
          failed ??= { err };
        },
      )
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= parallel) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // Made again even when the load failed: the registry keeps its indexes whatever happens here
  // (and migrate() finishes the job if this process does not live to).
  if (bulk) {
    opts.onIndexing?.();
    await restoreDeferred(db, 2);
  }
  if (failed) throw (failed as { err: unknown }).err;
  // Fresh statistics, so the first inquiries on a large seeded registry get the right plans;
  // one table at a time, each well within a service's statement timeout.
  for (const table of ['agencies', 'orders', 'persons', 'person_aliases', 'protected_persons', 'services', 'order_history']) {
    await db.query(`ANALYZE ${table}`);
  }
  summary.ms = Math.round(performance.now() - started);
  return summary;
}
