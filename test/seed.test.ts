// The synthetic registry: the same seed gives the same registry, row for row, on either backend;
// and it holds what a registry of real orders holds — the same person in several orders and under
// sound-alike spellings, expired, cleared and cancelled orders, families, and conflicting orders.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryCache } from '../db/cache/memory-cache.ts';
import type { Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { nameKeys, parseName } from '../db/names.ts';
import { isWellFormedPno } from '../protocol/fields.ts';
import { Registry } from '../db/registry.ts';
import { seedAgencies, seedRegistry, type SeedSummary } from '../db/seed.ts';
import { backends, TEST_NOW } from './support/backends.ts';

const AS_OF = '20260615'; // TEST_NOW is noon of this day in California
const ORDERS = 600;
const SEED = 7;

/** Every seeded table as text, rows in id order, timestamps in UTC: equal dumps, equal registries. */
async function dump(db: Database): Promise<Record<string, string[]>> {
  const tables: Record<string, string> = {
    agencies: `SELECT ori, name, kind, carpos_code, created_at FROM agencies ORDER BY ori`,
    orders: `SELECT * FROM orders ORDER BY id`,
    persons: `SELECT * FROM persons ORDER BY id`,
    person_aliases: `SELECT * FROM person_aliases ORDER BY id`,
    protected_persons: `SELECT * FROM protected_persons ORDER BY id`,
    services: `SELECT * FROM services ORDER BY id`,
    order_history: `SELECT * FROM order_history ORDER BY id`,
  };
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL TimeZone = 'UTC'`);
    const out: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(tables)) {
      const { rows } = await tx.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM (${sql}) t`);
      out[name] = rows.map((x) => x.r);
    }
    return out;
  });
}

const dumps = new Map<string, Record<string, string[]>>();

for (const backend of backends()) {
  describe(`seeded registry on ${backend.name}`, () => {
    let a: Database;
    let b: Database;
    let summary: SeedSummary;
    const progress: [number, number][] = [];
    let registry: Registry;

    before(async () => {
      a = await backend.freshDatabase();
      b = await backend.freshDatabase();
      await Promise.all([migrate(a), migrate(b)]);
      summary = await seedRegistry(a, { orders: ORDERS, seed: SEED, asOf: AS_OF, batchSize: 250, onProgress: (d, t) => progress.push([d, t]) });
      registry = new Registry({ db: a, cache: createMemoryCache({ ttlSeconds: 60 }), now: () => TEST_NOW });
    });
    after(() => backend.cleanup());

    test('reports what it loaded, batch by batch', async () => {
      assert.equal(summary.orders, ORDERS);
      assert.equal(summary.persons, ORDERS);
      const count = async (table: string) => Number((await a.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);
      assert.equal(await count('orders'), ORDERS);
      assert.equal(await count('persons'), ORDERS);
      assert.equal(await count('protected_persons'), summary.protectedPersons);
      assert.equal(await count('person_aliases'), summary.aliases);
      assert.equal(await count('services'), summary.services);
      assert.equal(await count('agencies'), summary.agencies);
      assert.equal(await count(`order_history WHERE action = 'ENTER'`), ORDERS, 'one ENTER per order');
      // Once per batch of 250, counting up to the total (batches may finish out of order on a server).
      assert.equal(progress.length, 3);
      assert.ok(progress.every(([d, t], i) => t === ORDERS && d > (progress[i - 1]?.[0] ?? 0)), JSON.stringify(progress));
      assert.equal(progress.at(-1)![0], ORDERS);
    });

    test('the same seed and date give the same registry, PNOs and all, whatever the batch size', async () => {
      await seedRegistry(b, { orders: ORDERS, seed: SEED, asOf: AS_OF }); // one batch instead of three
      const da = await dump(a);
      const db = await dump(b);
      for (const table of Object.keys(da)) assert.deepEqual(db[table], da[table], `${table} differs`);
      dumps.set(backend.name, da);
    });

    test('seeding again adds to the registry: new PNOs after the old, agencies kept, and another seed brings other people', async () => {
      const before = await b.query<{ max: string }>(`SELECT max(pno) AS max FROM orders`);
      const again = await seedRegistry(b, { orders: 200, seed: SEED + 1, asOf: AS_OF });
      assert.equal(again.orders, 200);
      const { rows } = await b.query<{ n: string; fresh: string; agencies: string }>(
        `SELECT count(*)::text AS n, count(*) FILTER (WHERE pno > $1)::text AS fresh, (SELECT count(*) FROM agencies)::text AS agencies FROM orders`,
        [before.rows[0]!.max],
      );
      assert.equal(rows[0]!.n, String(ORDERS + 200));
      assert.equal(rows[0]!.fresh, '200');
      assert.equal(rows[0]!.agencies, String(seedAgencies().length));
      // Other people: few of the second seed's (name, DOB) pairs are among the first's.
      const people = await b.query<{ first: string; second: string; shared: string }>(
        `WITH s AS (SELECT p.name_norm, p.dob, o.pno > $1 AS second FROM persons p JOIN orders o ON o.id = p.order_id)
         SELECT count(DISTINCT (name_norm, dob)) FILTER (WHERE NOT second)::text AS first,
                count(DISTINCT (name_norm, dob)) FILTER (WHERE second)::text AS second,
                (SELECT count(*) FROM (SELECT name_norm, dob FROM s WHERE second INTERSECT SELECT name_norm, dob FROM s WHERE NOT second) x)::text AS shared
           FROM s`,
        [before.rows[0]!.max],
      );
      const p = people.rows[0]!;
      assert.ok(Number(p.second) > 100, `second seed brought ${p.second} people`);
      assert.ok(Number(p.shared) <= 2, `${p.shared} people in common`);
    });

    test('every row is well formed: PNOs, FCNs of the issuing court, name keys, dates, service', async () => {
      const orders = await a.query<{ pno: string; fcn: string | null; carpos_code: string | null; kind: string; isd: string; exp: string | null; nonexp: boolean; pco: string[]; dst: number | null; mis: string | null }>(
        `SELECT o.pno, o.fcn, g.carpos_code, g.kind, to_char(o.isd, 'YYYYMMDD') AS isd, to_char(o.exp, 'YYYYMMDD') AS exp, o.nonexp, o.pco, o.dst, o.mis
           FROM orders o JOIN agencies g ON g.ori = o.cti`,
      );
      for (const o of orders.rows) {
        assert.ok(isWellFormedPno(o.pno), o.pno);
        assert.equal(o.kind, 'COURT');
        if (o.fcn) assert.equal(o.fcn.slice(0, 3), o.carpos_code, `FCN ${o.fcn} of a court with code ${o.carpos_code}`);
        assert.ok(o.isd <= AS_OF, `issued ${o.isd}, after the as-of date`);
        assert.ok(o.nonexp || o.exp! >= o.isd);
        assert.equal(o.dst !== null, o.pco.includes('04'), `DST with PCO 04 (${o.pno})`);
        if (o.pco.includes('08')) assert.ok(o.mis, `MIS with PCO 08 (${o.pno})`);
        assert.ok(o.pco.every((c) => /^0[1-9]$/.test(c)));
      }
      assert.ok(orders.rows.filter((o) => o.fcn).length > ORDERS * 0.9, 'most orders have an FCN');
      // The search keys are the ones the registry itself would have written.
      for (const table of ['persons', 'person_aliases', 'protected_persons']) {
        const { rows } = await a.query<{ name_norm: string; first_initial: string; last_nysiis: string; last: string; first: string }>(
          `SELECT name_norm, first_initial, last_nysiis, last_name AS last, first_name AS first FROM ${table}`,
        );
        for (const r of rows) {
          const n = parseName(r.name_norm);
          const k = nameKeys(n);
          assert.equal(r.name_norm.length <= 30, true, r.name_norm);
          assert.deepEqual([n.last, n.first], [r.last, r.first], r.name_norm);
          assert.deepEqual([r.first_initial, r.last_nysiis], [k.firstInitial, k.lastNysiis], r.name_norm);
        }
      }
      const dobs = await a.query<{ lo: string; hi: string }>(`SELECT min(dob)::text AS lo, max(dob)::text AS hi FROM persons`);
      assert.ok(dobs.rows[0]!.lo >= '1950-01-01' && dobs.rows[0]!.hi <= '2006-12-31', JSON.stringify(dobs.rows[0]));
      const served = await a.query<{ bad: string }>(
        `SELECT count(*)::text AS bad FROM services s JOIN orders o ON o.id = s.order_id
          WHERE left(s.served_at, 8) < to_char(o.isd, 'YYYYMMDD') OR left(s.served_at, 8) > $1
             OR (o.exp IS NOT NULL AND left(s.served_at, 8) > to_char(o.exp, 'YYYYMMDD'))`,
        [AS_OF],
      );
      assert.equal(served.rows[0]!.bad, '0', 'served between issue and expiry, not in the future');
      const how = await a.query<{ how: string }>(`SELECT DISTINCT how FROM services ORDER BY 1`);
      assert.deepEqual(how.rows.map((r) => r.how), ['COURT', 'MAIL', 'PERSONAL', 'VERBAL']);
    });

    test('a person with several orders is found by name and date of birth, with every order', async () => {
      const { rows } = await a.query<{ name_norm: string; dob: string; n: number }>(
        `SELECT name_norm, to_char(dob, 'YYYYMMDD') AS dob, count(*)::int AS n FROM persons
          GROUP BY name_norm, dob HAVING count(*) >= 3 ORDER BY count(*) DESC, name_norm LIMIT 5`,
      );
      assert.ok(rows.length > 0, 'someone has three or more orders');
      for (const r of rows) {
        const hits = await registry.findOrdersForRestrainedPerson({ name: r.name_norm, dob: r.dob, includeInactive: true });
        const exact = hits.filter((h) => h.restrained.name === r.name_norm);
        assert.equal(exact.length, r.n, `${r.name_norm} ${r.dob}`);
        assert.ok(exact.every((h) => h.match === 'E'));
        const active = await registry.findOrdersForRestrainedPerson({ name: r.name_norm, dob: r.dob });
        assert.ok(active.every((h) => h.status === 'ACTIVE'));
        assert.ok(active.length <= hits.length);
      }
    });

    test('sound-alike spellings of a seeded name find it (MAT/P), and the seed wrote such variants itself', async () => {
      const pairs: [string, string][] = [
        ['SMITH', 'SMYTH'], ['STEPHENS', 'STEVENS'], ['JOHNSON', 'JONSON'], ['THOMPSON', 'THOMSON'], ['MEYER', 'MEIER'],
        ['HERNANDEZ', 'HERNANDES'], ['LOPEZ', 'LOPES'], ['GONZALEZ', 'GONZALES'], ['RODRIGUEZ', 'RODRIGUES'],
        ['MARTINEZ', 'MARTINES'], ['SANCHEZ', 'SANCHES'], ['PEREZ', 'PERES'], ['VASQUEZ', 'VAZQUEZ'],
      ];
      const swap = new Map(pairs.flatMap(([x, y]) => [[x, y], [y, x]]));
      const { rows } = await a.query<{ last_name: string; first_name: string; dob: string; name_norm: string }>(
        `SELECT last_name, first_name, to_char(dob, 'YYYYMMDD') AS dob, name_norm FROM persons
          WHERE last_name = ANY($1::text[]) ORDER BY id LIMIT 10`,
        [[...swap.keys()]],
      );
      assert.ok(rows.length >= 3, 'the seed has people with the common surnames');
      for (const r of rows) {
        const asked = `${swap.get(r.last_name)}, ${r.first_name}`;
        const hits = await registry.findOrdersForRestrainedPerson({ name: asked, dob: r.dob, includeInactive: true });
        const found = hits.find((h) => h.restrained.name === r.name_norm);
        assert.ok(found, `${asked} ${r.dob} finds ${r.name_norm}`);
        assert.equal(found.match, 'P');
      }
      // Variants in the data: one date of birth and first initial, two spellings that sound alike.
      const variants = await a.query<{ x: string; y: string; dob: string }>(
        `SELECT p.name_norm AS x, q.name_norm AS y, to_char(p.dob, 'YYYYMMDD') AS dob
           FROM persons p JOIN persons q ON q.dob = p.dob AND q.first_initial = p.first_initial AND q.last_name <> p.last_name
                                        AND (q.last_nysiis = p.last_nysiis OR q.last_dmeta = p.last_dmeta)
          ORDER BY p.id, q.id LIMIT 5`,
      );
      assert.ok(variants.rows.length > 0, 'some person appears under two sound-alike spellings');
      for (const v of variants.rows) {
        const hits = await registry.findOrdersForRestrainedPerson({ name: v.x, dob: v.dob, includeInactive: true });
        // MAT/P; or MAT/E when that order also lists the asked name as an alias.
        const found = hits.find((h) => h.restrained.name === v.y);
        assert.ok(found, `${v.x} finds ${v.y}`);
        assert.equal(found.match, found.restrained.aliases.includes(v.x) ? 'E' : 'P');
      }
    });

    test('aliases are searchable', async () => {
      const { rows } = await a.query<{ alias: string; dob: string; name: string }>(
        `SELECT a.name_norm AS alias, to_char(a.dob, 'YYYYMMDD') AS dob, p.name_norm AS name
           FROM person_aliases a JOIN persons p ON p.id = a.person_id ORDER BY a.id LIMIT 5`,
      );
      assert.ok(rows.length > 0, 'some orders carry aliases');
      for (const r of rows) {
        const hits = await registry.findOrdersForRestrainedPerson({ name: r.alias, dob: r.dob, includeInactive: true });
        assert.ok(hits.some((h) => h.restrained.name === r.name && h.restrained.aliases.includes(r.alias)), r.alias);
      }
    });

    test('there are active, expired, cleared, cancelled and non-expiring orders, as an inquiry shows them', async () => {
      const { rows } = await a.query<{ status: string; pno: string; n: number }>(
        `SELECT status, min(pno) AS pno, count(*)::int AS n FROM orders GROUP BY status ORDER BY status`,
      );
      const by = new Map(rows.map((r) => [r.status, r]));
      for (const s of ['ACTIVE', 'EXPIRED', 'CLEARED', 'CANCELLED']) {
        const r = by.get(s);
        assert.ok(r && r.n > 0, `some ${s} orders`);
        const [hit] = await registry.findOrderByPno(r.pno, { includeInactive: true });
        assert.ok(hit, r.pno);
        if (s !== 'ACTIVE') assert.equal(hit.status, s);
        if (s !== 'ACTIVE') assert.deepEqual(await registry.findOrderByPno(r.pno), [], `${s} hidden without HST/Y`);
      }
      assert.ok(by.get('ACTIVE')!.n > ORDERS * 0.3 && by.get('EXPIRED')!.n > ORDERS * 0.2, JSON.stringify(rows));
      const nonexp = await registry.findOrderByPno(
        (await a.query<{ pno: string }>(`SELECT min(pno) AS pno FROM orders WHERE nonexp AND status = 'ACTIVE'`)).rows[0]!.pno,
      );
      assert.equal(nonexp[0]?.exp, 'NONEXP');
      // Cleared, cancelled and expired orders have the history entry that made them so.
      const history = await a.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM orders o WHERE o.status <> 'ACTIVE' AND NOT EXISTS (
           SELECT 1 FROM order_history h WHERE h.order_id = o.id
              AND h.action = CASE o.status WHEN 'EXPIRED' THEN 'EXPIRE' WHEN 'CLEARED' THEN 'CLEAR' ELSE 'CANCEL' END)`,
      );
      assert.equal(history.rows[0]!.n, '0');
      // Domestic violence orders are the most common, then criminal ones.
      const types = await a.query<{ typ: string }>(`SELECT typ FROM orders GROUP BY typ ORDER BY count(*) DESC, typ LIMIT 3`);
      assert.deepEqual(types.rows.map((r) => r.typ).sort(), ['CPO', 'DVRO', 'DVTRO']);
    });

    test('orders protect one to four people, children among them', async () => {
      const { rows } = await a.query<{ n: number; orders: number }>(
        `SELECT n, count(*)::int AS orders FROM (SELECT order_id, count(*)::int AS n FROM protected_persons GROUP BY order_id) x GROUP BY n ORDER BY n`,
      );
      assert.deepEqual(rows.map((r) => r.n), [1, 2, 3, 4]);
      const [order] = await registry.findOrderByPno(
        (await a.query<{ pno: string }>(
          `SELECT min(o.pno) AS pno FROM orders o WHERE (SELECT count(*) FROM protected_persons pp WHERE pp.order_id = o.id) >= 3`,
        )).rows[0]!.pno,
        { includeInactive: true },
      );
      assert.ok(order && order.protected.length >= 3);
      assert.ok(order.protected.some((p) => p.dob > order.restrained.dob), 'a younger protected person: a child');
    });

    test('the same two people have conflicting orders from two courts, both in force', async () => {
      const { rows } = await a.query<{ x: string; y: string; kind: string }>(
        `WITH a AS (
           SELECT o.id, o.pno, o.cti, o.pco, o.dst, p.name_norm, p.dob, pp.name_norm AS pn, pp.dob AS pd
             FROM orders o JOIN persons p ON p.order_id = o.id JOIN protected_persons pp ON pp.order_id = o.id
            WHERE o.status = 'ACTIVE' AND (o.exp IS NULL OR o.exp >= $1::date))
         SELECT DISTINCT x.pno AS x, y.pno AS y,
                CASE WHEN '05' = ANY(x.pco) AND '06' = ANY(y.pco) THEN '05/06'
                     WHEN '06' = ANY(x.pco) AND '09' = ANY(y.pco) THEN '06/09'
                     WHEN '03' = ANY(x.pco) AND '04' = ANY(y.pco) AND NOT '03' = ANY(y.pco) THEN '03/04'
                     WHEN x.dst <> y.dst THEN 'DST' END AS kind
           FROM a x JOIN a y ON y.dob = x.dob AND y.pd = x.pd AND y.pn = x.pn AND y.cti <> x.cti AND y.id <> x.id
                                AND left(y.name_norm, 3) = left(x.name_norm, 3)
          ORDER BY 1, 2`,
        [`${AS_OF.slice(0, 4)}-${AS_OF.slice(4, 6)}-${AS_OF.slice(6)}`],
      );
      const kinds = new Set(rows.map((r) => r.kind).filter(Boolean));
      assert.ok(kinds.size >= 2, `conflicting pairs of several kinds: ${[...kinds].join(', ')}`);
      // And an inquiry on the restrained person brings both.
      const pair = rows.find((r) => r.kind)!;
      const [x] = await registry.findOrderByPno(pair.x);
      const hits = await registry.findOrdersForRestrainedPerson({ name: x!.restrained.name, dob: x!.restrained.dob });
      assert.ok(hits.some((h) => h.pno === pair.x) && hits.some((h) => h.pno === pair.y));
    });
  });
}

test('the embedded and the server registries seeded alike are the same', { skip: !process.env.DATABASE_URL }, () => {
  const e = dumps.get('embedded');
  const p = dumps.get('postgres');
  assert.ok(e && p);
  for (const table of Object.keys(e)) assert.deepEqual(p[table], e[table], `${table} differs between backends`);
});
