// The registry: functions named after what users ask of it. Inquiries go through the cache
// (cache-aside, see db/cache/cache.ts); writes are single transactions that invalidate every
// cached answer they touch before they return, so an acknowledged write is seen by every
// inquiry that follows it, on this process or any other sharing the database and Redis.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { InquiryCache } from './cache/cache.ts';
import { bucket, bucketsOf, type OrderKeys } from './buckets.ts';
import type { Database, Queryable } from './database.ts';
import type { ReadKey, ReadRouter } from './read-routing.ts';
import { localDate, toIsoDate } from './dates.ts';
import { nameKeys, parseName, phoneticBase } from './names.ts';
import { byPrecedence, conflictKinds, prevailing, type OrderTerms } from '../protocol/conflicts.ts';
import type { OrderFields } from '../protocol/messages.ts';
import {
  DuplicateOrderError,
  OrderChangedError,
  OrderNotFoundError,
  type Actor,
  type ConflictPartner,
  type OrderEntry,
  type OrderRecord,
  type ServiceInput,
  type Sex,
} from './orders.ts';
import { pnoFromSequence } from '../protocol/fields.ts';
import { effectiveStatus, type OrderStatus } from './status.ts';

export interface RegistryOptions {
  db: Database;
  cache: InquiryCache;
  /** The clock that decides what has expired; tests pass their own. */
  now?: () => Date;
  timeZone?: string;
  /** Streaming replicas for inquiries (DATABASE_READ_URL); without it every read is on db. */
  reads?: ReadRouter;
}

export interface InquiryOptions {
  /** HST/Y: include EXPIRED, CLEARED and CANCELLED orders. */
  includeInactive?: boolean;
  /**
   * The asking agency's ORI: with replicas, the answer is never older than a write this agency
   * was told about (db/read-routing.ts). Not part of what is cached.
   */
  ori?: string;
}

export interface NameInquiry extends InquiryOptions {
  name: string;
  dob: string;
  sex?: Sex;
}

/** An order as stored and cached: status is the stored one, made effective at answer time; the
 * orders it conflicts with are listed whatever their status, and filtered at answer time too. */
type StoredOrder = Omit<OrderRecord, 'status' | 'conflict'> & { status: OrderStatus; conflicts: ConflictPartner[] };

// One query per inquiry: a `hits` CTE (order_id, match) chosen by the inquiry form, then the
// whole record of each hit. $1 is always "include inactive".
const recordsFor = (hits: string) => `
WITH ${hits}
SELECT o.id::int AS id, o.pno, o.fcn, o.typ, o.status, o.cti, o.oca,
       to_char(o.isd, 'YYYYMMDD') AS isd, to_char(o.exp, 'YYYYMMDD') AS exp, o.nonexp,
       o.pco, o.dst, o.brady, o.mis, o.version,
       p.name_norm, p.sex, p.race, to_char(p.dob, 'YYYYMMDD') AS dob, p.height, p.weight,
       p.eyes, p.hair, p.oln, p.ols,
       (SELECT coalesce(json_agg(a.name_norm ORDER BY a.id), '[]'::json)
          FROM person_aliases a WHERE a.person_id = p.id) AS aliases,
       (SELECT coalesce(json_agg(json_build_object('name', pp.name_norm, 'sex', pp.sex, 'race', pp.race,
                                                   'dob', to_char(pp.dob, 'YYYYMMDD')) ORDER BY pp.seq), '[]'::json)
          FROM protected_persons pp WHERE pp.order_id = o.id) AS protected,
       (SELECT json_build_object('sdt', s.served_at, 'shw', s.how, 'svb', s.served_by)
          FROM services s WHERE s.order_id = o.id ORDER BY s.id DESC LIMIT 1) AS service,
       (SELECT count(*)::int FROM order_images i WHERE i.order_id = o.id) AS images,
       (SELECT coalesce(json_agg(json_build_object('pno', c2.pno, 'typ', c2.typ, 'isd', to_char(c2.isd, 'YYYYMMDD'),
                                                   'exp', CASE WHEN c2.nonexp OR c2.exp IS NULL THEN 'NONEXP' ELSE to_char(c2.exp, 'YYYYMMDD') END,
                                                   'status', c2.status, 'pco', c2.pco, 'dst', c2.dst, 'kinds', c.kinds) ORDER BY c2.id), '[]'::json)
          FROM order_conflicts c JOIN orders c2 ON c2.id = c.other_id WHERE c.order_id = o.id) AS conflicts,
       h.match
  FROM hits h
  JOIN orders o ON o.id = h.order_id
  JOIN persons p ON p.order_id = o.id
 WHERE $1::boolean OR o.status = 'ACTIVE'`;

// Name + DOB against a table of names (persons, person_aliases or protected_persons).
// $2 dob, $3 last, $4 first, $5 middle, $6 suffix, $7 NYSIIS, $8 letters for Double Metaphone,
// $9 sex to exclude others of ('' for none).
const nameCandidates = (table: string, alias: string, orderIdExpr: string, join: string, sexCol: string) => `
SELECT ${orderIdExpr} AS order_id,
       (${alias}.last_name = $3::text AND ${alias}.first_name = $4::text
        AND ($5::text = '' OR ${alias}.middle_name = '' OR left(${alias}.middle_name, 1) = left($5::text, 1))
        AND ($6::text = '' OR ${alias}.suffix = '' OR ${alias}.suffix = $6::text)) AS exact
  FROM ${table} ${alias} ${join}
 WHERE ${alias}.dob = $2::date
   AND ($4::text = '' OR ${alias}.first_initial = left($4::text, 1))
   AND (${alias}.last_name = $3::text OR ${alias}.last_nysiis = $7::text OR ${alias}.last_dmeta = dmetaphone($8::text))
   AND ($9::text = '' OR ${sexCol} IS NULL OR ${sexCol} = 'U' OR ${sexCol} = $9::text)`;

const byMatch = (candidates: string) => `
cand AS (${candidates}),
hits AS (SELECT order_id, CASE WHEN bool_or(exact) THEN 'E' ELSE 'P' END AS match FROM cand GROUP BY order_id)`;

const SQL = {
  restrained: recordsFor(
    byMatch(
      nameCandidates('persons', 'n', 'n.order_id', '', 'n.sex') +
        '\nUNION ALL\n' +
        nameCandidates('person_aliases', 'n', 'p2.order_id', 'JOIN persons p2 ON p2.id = n.person_id', 'p2.sex'),
    ),
  ),
  protected: recordsFor(byMatch(nameCandidates('protected_persons', 'n', 'n.order_id', '', 'n.sex'))),
  pno: recordsFor(`hits AS (SELECT id AS order_id, NULL::text AS match FROM orders WHERE pno = $2::text)`),
  fcn: recordsFor(`hits AS (SELECT id AS order_id, NULL::text AS match FROM orders WHERE fcn = $2::text)`),
  licence: recordsFor(
    `hits AS (SELECT order_id, NULL::text AS match FROM persons WHERE oln = $2::text AND ols = $3::text)`,
  ),
  courtCase: recordsFor(
    `hits AS (SELECT id AS order_id, NULL::text AS match FROM orders WHERE cti = $2::text AND oca = $3::text)`,
  ),
  orderKeys: `
SELECT o.pno, o.fcn, o.cti, o.oca, p.oln, p.ols,
       array(SELECT DISTINCT to_char(d, 'YYYYMMDD') FROM unnest(array[p.dob] || array(SELECT a.dob FROM person_aliases a WHERE a.person_id = p.id)) d) AS restrained_dobs,
       array(SELECT DISTINCT to_char(pp.dob, 'YYYYMMDD') FROM protected_persons pp WHERE pp.order_id = o.id) AS protected_dobs
  FROM orders o JOIN persons p ON p.order_id = o.id
 WHERE o.id = $1`,
};

interface RecordRow {
  id: number;
  pno: string;
  fcn: string | null;
  typ: OrderRecord['typ'];
  status: OrderStatus;
  cti: string;
  oca: string;
  isd: string;
  exp: string | null;
  nonexp: boolean;
  pco: string[];
  dst: number | null;
  brady: OrderRecord['brady'];
  mis: string | null;
  version: number;
  name_norm: string;
  sex: Sex | null;
  race: OrderRecord['restrained']['race'];
  dob: string;
  height: string | null;
  weight: number | null;
  eyes: string | null;
  hair: string | null;
  oln: string | null;
  ols: string | null;
  aliases: string[];
  protected: OrderRecord['protected'];
  service: OrderRecord['service'];
  images: number;
  conflicts: ConflictPartner[];
  match: 'E' | 'P' | null;
  [k: string]: unknown;
}

function toStored(r: RecordRow): StoredOrder {
  const o: StoredOrder = {
    id: r.id,
    pno: r.pno,
    fcn: r.fcn,
    typ: r.typ,
    status: r.status,
    cti: r.cti,
    oca: r.oca,
    isd: r.isd,
    exp: r.nonexp ? 'NONEXP' : (r.exp ?? 'NONEXP'),
    pco: r.pco,
    dst: r.dst,
    brady: r.brady,
    mis: r.mis,
    version: r.version,
    restrained: {
      name: r.name_norm,
      sex: r.sex,
      race: r.race,
      dob: r.dob,
      height: r.height,
      weight: r.weight,
      eyes: r.eyes,
      hair: r.hair,
      oln: r.oln,
      ols: r.ols,
      aliases: r.aliases,
    },
    protected: r.protected,
    service: r.service,
    images: r.images,
    conflicts: r.conflicts,
  };
  if (r.match) o.match = r.match;
  return o;
}

export class Registry {
  readonly db: Database;
  readonly cache: InquiryCache;
  readonly reads: ReadRouter | undefined;
  private readonly now: () => Date;
  private readonly timeZone: string;

  constructor(opts: RegistryOptions) {
    this.db = opts.db;
    this.cache = opts.cache;
    this.reads = opts.reads;
    this.now = opts.now ?? (() => new Date());
    this.timeZone = opts.timeZone ?? 'America/Los_Angeles';
  }

  /**
   * Answers already worked out from a cached value: the same value on the same local day gives
   * the same answer, so the JSON is parsed and the statuses and precedence worked out once per
   * value, not per inquiry. Keyed by the value itself — a changed order is a different value.
   */
  private readonly answers = new LRUCache<string, { day: string; includeInactive: boolean; records: readonly OrderRecord[] }>({ max: 5_000 });

  // ---- Inquiries (ICD 4) ----------------------------------------------------------------------

  /** QPO by NAM + DOB (+ SEX): exact and phonetic matches on the name and the aliases. */
  findOrdersForRestrainedPerson(q: NameInquiry): Promise<readonly OrderRecord[]> {
    return this.nameInquiry(SQL.restrained, bucket.restrainedDob(q.dob), q);
  }

  /** QPO by PPN + PPB: the orders that protect that person. */
  findOrdersForProtectedPerson(q: NameInquiry): Promise<readonly OrderRecord[]> {
    return this.nameInquiry(SQL.protected, bucket.protectedDob(q.dob), q);
  }

  findOrderByPno(pno: string, o: InquiryOptions = {}): Promise<readonly OrderRecord[]> {
    const hst = !!o.includeInactive;
    return this.inquire(bucket.pno(pno), `${hst}`, SQL.pno, [hst, pno], o);
  }

  findOrderByFcn(fcn: string, o: InquiryOptions = {}): Promise<readonly OrderRecord[]> {
    const hst = !!o.includeInactive;
    return this.inquire(bucket.fcn(fcn), `${hst}`, SQL.fcn, [hst, fcn], o);
  }

  findOrdersByLicence(oln: string, ols: string, o: InquiryOptions = {}): Promise<readonly OrderRecord[]> {
    const hst = !!o.includeInactive;
    return this.inquire(bucket.licence(oln, ols), `${hst}`, SQL.licence, [hst, oln, ols], o);
  }

  findOrdersByCase(oca: string, cti: string, o: InquiryOptions = {}): Promise<readonly OrderRecord[]> {
    const hst = !!o.includeInactive;
    return this.inquire(bucket.courtCase(cti, oca), `${hst}`, SQL.courtCase, [hst, cti, oca], o);
  }

  // ---- Writes ---------------------------------------------------------------------------------

  /**
   * EPO: enters an order with its persons (and service, when given) in one transaction.
   * `conflicts`: how many active orders it conflicts with (their details: findOrderByPno).
   */
  async enterOrder(entry: OrderEntry, actor: Actor): Promise<{ id: number; pno: string; conflicts: number }> {
    const { result: entered, lsn } = await this.writeTransaction(async (tx) => {
      // The duplicate check and the insert under one lock per case: two clerks (or one clerk's
      // retry) entering the same case at once cannot both pass the check.
      const seq = await tx.query<{ n: string }>(SQL_LOCK_CASE_AND_NUMBER, [`${entry.cti}/${entry.oca}`]);
      await this.refuseDuplicate(tx, entry.cti, entry.oca, entry.typ, null);
      const pno = pnoFromSequence(seq.rows[0]!.n);
      // The order, its persons, history and CARPOS outbox row in one statement: an entry costs
      // a handful of round trips, not one per row.
      const ins = await tx.query<{ id: number }>(SQL_ENTER, enterParams(pno, entry, actor, this.now()));
      const orderId = ins.rows[0]!.id;
      // The orders it now conflicts with show the conflict too: their answers are invalidated.
      const partners = await addConflicts(tx, { id: orderId, pno, typ: entry.typ, isd: entry.isd, pco: entry.pco, dst: entry.dst ?? null, status: 'ACTIVE' });
      return { id: orderId, pno, partners: partners.length, partnerBuckets: await bucketsOfOrders(tx, partners) };
    });
    await this.written(lsn, actor.ori, [
      ...bucketsOf({
        pno: entered.pno,
        fcn: null,
        cti: entry.cti,
        oca: entry.oca,
        restrainedDobs: [entry.restrained.dob, ...(entry.restrained.aliases ?? []).map((a) => a.dob ?? entry.restrained.dob)],
        protectedDobs: entry.protected.map((p) => p.dob),
        oln: entry.restrained.oln ?? null,
        ols: entry.restrained.ols ?? null,
      }),
      ...entered.partnerBuckets,
    ]);
    return { id: entered.id, pno: entered.pno, conflicts: entered.partners };
  }

  /** SPO: records service of an order. Throws OrderNotFoundError for an unknown PNO. */
  async recordService(pno: string, service: ServiceInput, actor: Actor): Promise<{ pno: string; version: number }> {
    const { version } = await this.changeOrder(pno, actor, 'SERVE', async (tx, order) => {
      await insertService(tx, order.id, service, actor);
      return { service: [null, service] };
    });
    return { pno, version };
  }

  /**
   * MPO: applies the changed fields of an order (ICD 4: given protected persons replace the list,
   * given aliases replace the aliases, SRV/N removes the service). `expectedVersion` is the version
   * the caller checked the rules against: if the order changed since, OrderChangedError and
   * nothing is written. The history keeps each changed field's value before and after.
   */
  async modifyOrder(pno: string, changes: Partial<OrderFields>, actor: Actor, expectedVersion: number): Promise<{ version: number }> {
    // A changed TYP or OCA can make the order a duplicate in its (new) case: checked under the
    // case's lock, as an entry is, taken before the order's row lock.
    const caseChanges = changes.typ !== undefined || changes.oca !== undefined;
    const lockCase = caseChanges ? (tx: Queryable) => tx.query(SQL_LOCK_CASE_OF_ORDER, [pno, changes.oca ?? null]) : undefined;
    return this.changeOrder(pno, actor, 'MODIFY', async (tx, order) => {
      if (order.version !== expectedVersion) throw new OrderChangedError(pno);
      const before = (await tx.query<RecordRow>(SQL.pno, [true, pno])).rows.map(toStored)[0]!;
      if (caseChanges) await this.refuseDuplicate(tx, before.cti, changes.oca ?? before.oca, changes.typ ?? before.typ, order.id);
      const diff: Record<string, [unknown, unknown]> = {};
      const note = (field: string, was: unknown, now: unknown) => {
        if (JSON.stringify(was ?? null) !== JSON.stringify(now ?? null)) diff[field] = [was ?? null, now ?? null];
      };
      const c = changes;
      // The order itself.
      const set: string[] = [];
      const args: unknown[] = [order.id];
      const col = (sql: string, v: unknown) => {
        args.push(v);
        set.push(`${sql} = $${args.length}`);
      };
      if (c.typ !== undefined) (col('typ', c.typ), note('typ', before.typ, c.typ));
      if (c.oca !== undefined) (col('oca', c.oca), note('oca', before.oca, c.oca));
      if (c.isd !== undefined) (col('isd', toIsoDate(c.isd)), note('isd', before.isd, c.isd));
      if (c.exp !== undefined) {
        col('exp', c.exp === 'NONEXP' ? null : toIsoDate(c.exp));
        col('nonexp', c.exp === 'NONEXP');
        note('exp', before.exp, c.exp);
      }
      if (c.pco !== undefined) (col('pco', c.pco), note('pco', before.pco, c.pco));
      if (c.dst !== undefined) (col('dst', c.dst), note('dst', before.dst, c.dst));
      if (c.brd !== undefined) (col('brady', c.brd), note('brd', before.brady, c.brd));
      if (c.mis !== undefined) (col('mis', c.mis), note('mis', before.mis, c.mis));
      if (set.length) await tx.query(`UPDATE orders SET ${set.join(', ')} WHERE id = $1`, args);
      // The restrained person.
      const p = before.restrained;
      const pset: string[] = [];
      const pargs: unknown[] = [order.id];
      const pcol = (sql: string, v: unknown) => {
        pargs.push(v);
        pset.push(`${sql} = $${pargs.length}`);
      };
      if (c.nam !== undefined) {
        const n = parseName(c.nam);
        const k = nameKeys(n);
        pcol('last_name', n.last); pcol('first_name', n.first); pcol('middle_name', n.middle); pcol('suffix', n.suffix);
        pcol('name_norm', k.nameNorm); pcol('first_initial', k.firstInitial); pcol('last_nysiis', k.lastNysiis);
        note('nam', p.name, k.nameNorm);
      }
      if (c.dob !== undefined) (pcol('dob', toIsoDate(c.dob)), note('dob', p.dob, c.dob));
      if (c.sex !== undefined) (pcol('sex', c.sex), note('sex', p.sex, c.sex));
      if (c.rac !== undefined) (pcol('race', c.rac), note('rac', p.race, c.rac));
      if (c.hgt !== undefined) (pcol('height', c.hgt), note('hgt', p.height, c.hgt));
      if (c.wgt !== undefined) (pcol('weight', c.wgt), note('wgt', p.weight, c.wgt));
      if (c.eye !== undefined) (pcol('eyes', c.eye), note('eye', p.eyes, c.eye));
      if (c.hai !== undefined) (pcol('hair', c.hai), note('hai', p.hair, c.hai));
      if (c.oln !== undefined) (pcol('oln', c.oln), note('oln', p.oln, c.oln));
      if (c.ols !== undefined) (pcol('ols', c.ols), note('ols', p.ols, c.ols));
      if (pset.length) await tx.query(`UPDATE persons SET ${pset.join(', ')} WHERE order_id = $1`, pargs);
      if (c.aka !== undefined) {
        const person = await tx.query<{ id: number; dob: string }>(`SELECT id::int AS id, to_char(dob, 'YYYYMMDD') AS dob FROM persons WHERE order_id = $1`, [order.id]);
        const { id: personId, dob } = person.rows[0]!;
        await tx.query(`DELETE FROM person_aliases WHERE person_id = $1`, [personId]);
        if (c.aka.length) await insertNames(tx, 'person_aliases', 'person_id', personId, c.aka.map((name) => ({ name, dob })));
        note('aka', p.aliases, c.aka);
      }
      if (c.protected !== undefined) {
        await tx.query(`DELETE FROM protected_persons WHERE order_id = $1`, [order.id]);
        const people = c.protected.map((x) => ({ name: x.ppn, dob: x.ppb, sex: x.psx, ...(x.ppr ? { race: x.ppr } : {}) }));
        await insertNames(tx, 'protected_persons', 'order_id', order.id, people);
        note('protected', before.protected.map((x) => x.name), people.map((x) => parseName(x.name) && nameKeys(parseName(x.name)).nameNorm));
      }
      // Service: SRV/Y with its fields records one; SRV/N takes the service off the order.
      if (c.srv === 'Y' && c.sdt && c.shw) {
        const s = { sdt: c.sdt, shw: c.shw, ...(c.svb ? { svb: c.svb } : {}) };
        await insertService(tx, order.id, s, actor);
        note('service', before.service, s);
      } else if (c.srv === 'N') {
        await tx.query(`DELETE FROM services WHERE order_id = $1`, [order.id]);
        note('service', before.service, null);
      }
      return diff;
    }, true, lockCase);
  }

  /**
   * A scanned page of an order (ICD 7): stored with its SHA-256 as the order's next page, in the
   * history, and counted in every answer (`IMG/`) from now on. Returns the page number.
   */
  async addOrderImage(pno: string, image: { bytes: Buffer; contentType: OrderImageType; sha256: string }, actor: Actor): Promise<number> {
    let page = 0;
    await this.changeOrder(pno, actor, 'IMAGE', async (tx, order) => {
      const r = await tx.query<{ page: number }>(
        `INSERT INTO order_images (order_id, page, content_type, bytes, sha256, uploaded_by, uploaded_at)
         SELECT $1, coalesce(max(page), 0) + 1, $2, $3, $4, $5, $6 FROM order_images WHERE order_id = $1
         RETURNING page`,
        [order.id, image.contentType, image.bytes, image.sha256, actor.user, this.now()],
      );
      page = r.rows[0]!.page;
      return { image: { page, contentType: image.contentType, bytes: image.bytes.length, sha256: image.sha256 } };
    }, false);
    return page;
  }

  /** The pages of an order, without their bytes; undefined when there is no such order. */
  async orderImages(pno: string): Promise<OrderImage[] | undefined> {
    const { rows } = await this.db.query<{ order_id: number | null; page: number | null; content_type: OrderImageType; size: number; sha256: string; uploaded_by: string; uploaded_at: Date }>(
      `SELECT o.id::int AS order_id, i.page, i.content_type, octet_length(i.bytes)::int AS size, i.sha256, i.uploaded_by, i.uploaded_at
         FROM orders o LEFT JOIN order_images i ON i.order_id = o.id WHERE o.pno = $1 ORDER BY i.page`,
      [pno],
    );
    if (rows.length === 0) return undefined;
    return rows.filter((r) => r.page !== null).map((r) => ({
      page: r.page!, contentType: r.content_type, size: r.size, sha256: r.sha256, uploadedBy: r.uploaded_by, uploadedAt: r.uploaded_at,
    }));
  }

  /** One page's bytes. */
  async orderImageBytes(pno: string, page: number): Promise<Buffer | undefined> {
    const { rows } = await this.db.query<{ bytes: Buffer }>(
      `SELECT i.bytes FROM order_images i JOIN orders o ON o.id = i.order_id WHERE o.pno = $1 AND i.page = $2`,
      [pno, page],
    );
    return rows[0] ? Buffer.from(rows[0].bytes) : undefined; // PGlite gives a Uint8Array
  }

  /** DOJ accepted the entry: keeps the FCN it assigned, shown in every answer from now on. */
  async recordFcn(pno: string, fcn: string, actor: Actor): Promise<void> {
    await this.changeOrder(pno, actor, 'FCN', async (tx, order) => {
      await tx.query(`UPDATE orders SET fcn = $2 WHERE id = $1`, [order.id, fcn]);
      return { fcn: [order.fcn, fcn] };
    }, false);
  }

  /** CPO (the court terminated the order) or XPO (entered in error). */
  async endOrder(pno: string, status: 'CLEARED' | 'CANCELLED', actor: Actor, reason?: string): Promise<{ version: number }> {
    return this.changeOrder(pno, actor, status === 'CLEARED' ? 'CLEAR' : 'CANCEL', async (tx, order) => {
      await tx.query(`UPDATE orders SET status = $2 WHERE id = $1`, [order.id, status]);
      return { status: [order.status, status], ...(reason ? { reason } : {}) };
    });
  }

  /**
   * One change to one order, in one transaction: lock it, apply, bump the version, append the
   * history (and the CARPOS outbox row), then invalidate every cached answer it was or is in.
   */
  private async changeOrder(
    pno: string,
    actor: Actor,
    action: 'FCN' | 'CLEAR' | 'CANCEL' | 'SERVE' | 'MODIFY' | 'IMAGE',
    apply: (tx: Queryable, order: { id: number; version: number; status: OrderStatus; fcn: string | null }) => Promise<Record<string, unknown>>,
    toCarpos = true,
    /** Runs first in the transaction, before the order's row is locked. */
    lockFirst?: (tx: Queryable) => Promise<unknown>,
  ): Promise<{ version: number }> {
    const { result: { version, keys }, lsn } = await this.writeTransaction(async (tx) => {
      if (lockFirst) await lockFirst(tx);
      const found = await tx.query<{ id: number; version: number; status: OrderStatus; fcn: string | null }>(
        `SELECT id::int AS id, version, status, fcn FROM orders WHERE pno = $1 FOR UPDATE`,
        [pno],
      );
      const order = found.rows[0];
      if (!order) throw new OrderNotFoundError(pno);
      const before = await orderKeys(tx, order.id);
      const changes = await apply(tx, order);
      const version = order.version + 1;
      await tx.query(`UPDATE orders SET version = $2, updated_at = now() WHERE id = $1`, [order.id, version]);
      await appendHistory(tx, order.id, version, action, actor, changes, this.now());
      if (toCarpos) await queueForCarpos(tx, order.id, action, { pno, ...changes });
      const after = await orderKeys(tx, order.id);
      // Terms or status changed: the conflicts it had and has now, and the answers showing them.
      const partners = action === 'MODIFY' || action === 'CLEAR' || action === 'CANCEL' ? await refreshConflicts(tx, order.id) : [];
      return { version, keys: [...bucketsOf(before), ...bucketsOf(after), ...(await bucketsOfOrders(tx, partners))] };
    });
    await this.written(lsn, actor.ori, [...new Set(keys)]);
    return { version };
  }

  /** REJ DUP's rule, in a write's transaction after the case's lock: another order of the type in force for the case. */
  private async refuseDuplicate(tx: Queryable, cti: string, oca: string, typ: string, exceptOrderId: number | null): Promise<void> {
    const dup = await tx.query<{ pno: string; typ: string; oca: string }>(SQL_ACTIVE_OF_CASE_AND_TYPE, [
      cti, oca, typ, toIsoDate(localDate(this.now(), this.timeZone)), exceptOrderId,
    ]);
    if (dup.rows[0]) throw new DuplicateOrderError(dup.rows[0]);
  }

  /**
   * The expiry job (issue 5): orders still stored ACTIVE whose expiration date is before `today`
   * (California) become EXPIRED, each with a history entry. Answers were already right before it
   * ran (status is computed at answer time); this keeps the stored state and reports honest.
   * At most `limit` orders per call; returns their PNOs.
   */
  async expireOrders(today: string, limit = 1_000): Promise<string[]> {
    const { result: { pnos, keys }, lsn } = await this.writeTransaction(async (tx) => {
      const { rows } = await tx.query<{ id: number; pno: string; version: number; exp: string }>(
        `UPDATE orders SET status = 'EXPIRED', version = version + 1, updated_at = now()
          WHERE id IN (SELECT id FROM orders WHERE status = 'ACTIVE' AND NOT nonexp AND exp < $1::date
                        ORDER BY exp LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id::int AS id, pno, version, to_char(exp, 'YYYYMMDD') AS exp`,
        [toIsoDate(today), limit],
      );
      if (rows.length === 0) return { pnos: [], keys: [] };
      await tx.query(
        `INSERT INTO order_history (order_id, version, action, actor_user, actor_ori, changes, at)
         SELECT id, v, 'EXPIRE', 'SYSTEM', '', json_build_object('status', json_build_array('ACTIVE', 'EXPIRED'), 'exp', e)::jsonb, $4
           FROM unnest($1::bigint[], $2::int[], $3::text[]) AS t(id, v, e)`,
        [rows.map((r) => r.id), rows.map((r) => r.version), rows.map((r) => r.exp), this.now()],
      );
      // An expired order no longer conflicts with anything.
      await tx.query(`DELETE FROM order_conflicts WHERE order_id = ANY($1::bigint[]) OR other_id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return { pnos: rows.map((r) => r.pno), keys: await bucketsOfOrders(tx, rows.map((r) => r.id)) };
    });
    if (keys.length) await this.written(lsn, undefined, [...new Set(keys)]);
    return pnos;
  }

  /**
   * Open conflicts of a court (`ccpor conflicts`): pairs of active orders, at least one issued by
   * `court`, that conflict; each pair once, with the order that prevails.
   */
  async openConflicts(court: string): Promise<OpenConflict[]> {
    const { rows } = await this.db.query<OpenConflictRow>(
      `SELECT a.pno AS a_pno, a.typ AS a_typ, a.cti AS a_cti, a.oca AS a_oca, to_char(a.isd, 'YYYYMMDD') AS a_isd, a.pco AS a_pco, a.dst AS a_dst,
              CASE WHEN a.nonexp OR a.exp IS NULL THEN 'NONEXP' ELSE to_char(a.exp, 'YYYYMMDD') END AS a_exp,
              b.pno AS b_pno, b.typ AS b_typ, b.cti AS b_cti, b.oca AS b_oca, to_char(b.isd, 'YYYYMMDD') AS b_isd, b.pco AS b_pco, b.dst AS b_dst,
              CASE WHEN b.nonexp OR b.exp IS NULL THEN 'NONEXP' ELSE to_char(b.exp, 'YYYYMMDD') END AS b_exp,
              p.name_norm AS restrained, c.kinds
         FROM order_conflicts c
         JOIN orders a ON a.id = c.order_id AND a.status = 'ACTIVE'
         JOIN orders b ON b.id = c.other_id AND b.status = 'ACTIVE'
         JOIN persons p ON p.order_id = a.id
        WHERE a.id < b.id AND (a.cti = $1 OR b.cti = $1)
        ORDER BY a.pno, b.pno`,
      [court],
    );
    const now = this.now();
    const active = (exp: string) => effectiveStatus('ACTIVE', exp === 'NONEXP' ? null : exp, now, this.timeZone) === 'ACTIVE';
    return rows
      .filter((r) => active(r.a_exp) && active(r.b_exp))
      .map((r) => {
        const a = { pno: r.a_pno, typ: r.a_typ, cti: r.a_cti, oca: r.a_oca, isd: r.a_isd, exp: r.a_exp, pco: r.a_pco, dst: r.a_dst };
        const b = { pno: r.b_pno, typ: r.b_typ, cti: r.b_cti, oca: r.b_oca, isd: r.b_isd, exp: r.b_exp, pco: r.b_pco, dst: r.b_dst };
        return { restrained: r.restrained, orders: [a, b], kinds: r.kinds, prevails: prevailing<OrderTerms>(a, [b]).pno };
      });
  }

  /** The history of an order, oldest first. */
  async orderHistory(pno: string): Promise<{ version: number; action: string; user: string; ori: string; at: string; changes: unknown }[]> {
    const { rows } = await this.db.query<{ version: number; action: string; user: string; ori: string; at: string; changes: unknown }>(
      `SELECT h.version, h.action, h.actor_user AS "user", h.actor_ori AS ori,
              to_char(h.at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') AS at, h.changes
         FROM order_history h JOIN orders o ON o.id = h.order_id WHERE o.pno = $1 ORDER BY h.id`,
      [pno],
    );
    return rows;
  }

  async close(): Promise<void> {
    await this.reads?.close();
    await this.cache.close();
    await this.db.close();
  }

  // ---- Inside ---------------------------------------------------------------------------------

  /** Name + DOB against one table of names; cached under the name's normal form. */
  private nameInquiry(sql: string, b: string, q: NameInquiry): Promise<readonly OrderRecord[]> {
    const hst = !!q.includeInactive;
    const n = parseName(q.name);
    const k = nameKeys(n);
    const sex = q.sex && q.sex !== 'U' ? q.sex : '';
    const params = [hst, toIsoDate(q.dob), n.last, n.first, n.middle, n.suffix, k.lastNysiis, phoneticBase(n.last), sex];
    return this.inquire(b, `n|${hst}|${q.sex ?? ''}|${k.nameNorm}`, sql, params, q);
  }

  /** The records of an inquiry: from a replica that is recent enough for `key`, or the primary. */
  private async records(sql: string, params: unknown[], key: ReadKey): Promise<StoredOrder[]> {
    const read = async (q: Queryable) => (await q.query<RecordRow>(sql, params)).rows.map(toStored);
    return this.reads ? this.reads.read(key, read) : read(this.db);
  }

  /** A write's transaction; with replicas, also the WAL position of its commit. */
  private async writeTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<{ result: T; lsn?: string }> {
    if (this.reads && this.db.transactionWithLsn) return this.db.transactionWithLsn(fn);
    return { result: await this.db.transaction(fn) };
  }

  /**
   * After a write committed, before it is acknowledged: with replicas, its position is noted for
   * the agency and the buckets first, then the cached answers go. In that order, a reader that
   * sees the new generation also sees the new position, and cannot cache a replica's older answer.
   */
  private async written(lsn: string | undefined, ori: string | undefined, buckets: readonly string[]): Promise<void> {
    if (this.reads) await this.reads.noteWrite(lsn, ori || undefined, buckets);
    await this.cache.invalidate(buckets);
  }

  /**
   * Cache-aside lookup, then the answer as of now: effective status, filtered, in order. The
   * database is read after the generation was (cache.get): see db/cache/cache.ts and written().
   */
  private async inquire(b: string, field: string, sql: string, params: unknown[], o: InquiryOptions): Promise<readonly OrderRecord[]> {
    const includeInactive = !!o.includeInactive;
    const hit = await this.cache.get(b, field);
    if (hit?.value !== undefined) {
      const day = localDate(this.now(), this.timeZone);
      const known = this.answers.get(hit.value);
      if (known && known.day === day && known.includeInactive === includeInactive) return known.records;
      const records = this.present(JSON.parse(hit.value) as StoredOrder[], includeInactive);
      this.answers.set(hit.value, { day, includeInactive, records });
      return records;
    }
    const stored = await this.records(sql, params, { bucket: b, ori: o.ori });
    if (hit) await this.cache.put(b, field, JSON.stringify(stored), hit.generation);
    return this.present(stored, includeInactive);
  }

  /** Frozen: an answer may be shared by every inquiry that asks the same on the same day. */
  private present(stored: StoredOrder[], includeInactive: boolean): readonly OrderRecord[] {
    const now = this.now();
    const active = (s: OrderStatus, exp: string) => effectiveStatus(s, exp === 'NONEXP' ? null : exp, now, this.timeZone) === 'ACTIVE';
    const out: OrderRecord[] = [];
    let conflicted = false;
    for (const { conflicts, ...o } of stored) {
      const status = effectiveStatus(o.status, o.exp === 'NONEXP' ? null : o.exp, now, this.timeZone);
      if (status !== 'ACTIVE' && !includeInactive) continue;
      const record: OrderRecord = { ...o, status };
      // A conflict is open while both orders are in force, whatever a batch job has done yet.
      const open = status === 'ACTIVE' ? (conflicts ?? []).filter((c) => active(c.status, c.exp)) : [];
      if (open.length > 0) {
        conflicted = true;
        record.conflict = {
          prevails: prevailing<OrderTerms>(record, open).pno,
          with: open.map((c) => ({ pno: c.pno, prevails: prevailing<OrderTerms>(record, [c]).pno, kinds: c.kinds })),
        };
      }
      out.push(record);
    }
    // Active before inactive; then the most recently issued first — or, when active orders
    // conflict, in the order an officer must enforce them (the prevailing one first).
    const activeFirst = (a: OrderRecord, b: OrderRecord) => Number(b.status === 'ACTIVE') - Number(a.status === 'ACTIVE');
    if (conflicted) {
      const ranked = byPrecedence(out.filter((r) => r.status === 'ACTIVE'));
      const rank = new Map(ranked.map((r, i) => [r.pno, i]));
      out.sort((a, b) => activeFirst(a, b) || (rank.get(a.pno) ?? 0) - (rank.get(b.pno) ?? 0) || b.isd.localeCompare(a.isd) || a.pno.localeCompare(b.pno));
    } else {
      out.sort((a, b) => activeFirst(a, b) || b.isd.localeCompare(a.isd) || a.pno.localeCompare(b.pno));
    }
    for (const r of out) Object.freeze(r);
    return Object.freeze(out);
  }
}

// $1–$13 the order, $14–$29 the restrained person, $30–$37 aliases (arrays), $38–$48 protected
// persons (arrays), $49–$52 service (or nulls), $53 history changes, $54 its time, $55 outbox
// payload, $56 idempotency key. Data-modifying CTEs run once each, whether or not read.
// The lock is held to the end of the entry's transaction; the number is drawn in the same round trip.
// The lock of a court's case, `CTI/OCA` as SQL text: an entry and a change into the same case take
// the same one, so whatever builds the key builds it here.
const caseLock = (ctiSlashOca: string) => `pg_advisory_xact_lock(hashtextextended('ccpor-case:' || ${ctiSlashOca}, 0))`;

const SQL_LOCK_CASE_AND_NUMBER = `SELECT ${caseLock('$1::text')}, nextval('pno_seq')::text AS n`;

// An order of the same type in force for the case: stored ACTIVE and not past its expiry ($4, today
// where the registry is), as effectiveStatus() decides.
const SQL_ACTIVE_OF_CASE_AND_TYPE = `
SELECT pno, typ, oca FROM orders
 WHERE cti = $1::text AND oca = $2::text AND typ = $3::text AND status = 'ACTIVE' AND (exp IS NULL OR exp >= $4::date)
   AND id IS DISTINCT FROM $5::bigint
 ORDER BY id LIMIT 1`;

// MPO's lock on the case the order will be in ($2: its new OCA, or null when unchanged).
const SQL_LOCK_CASE_OF_ORDER = `SELECT ${caseLock(`cti || '/' || coalesce($2::text, oca)`)} FROM orders WHERE pno = $1::text`;

const SQL_ENTER = `
WITH o AS (
  INSERT INTO orders (pno, typ, cti, oca, isd, exp, nonexp, pco, dst, brady, mis, entered_by, entered_ori)
  VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8::text[], $9, $10, $11, $12, $13) RETURNING id
), p AS (
  INSERT INTO persons (order_id, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis,
                       dob, sex, race, height, weight, eyes, hair, oln, ols)
  SELECT o.id, $14, $15, $16, $17, $18, $19, $20, $21::date, $22, $23, $24, $25, $26, $27, $28, $29 FROM o RETURNING id
), al AS (
  INSERT INTO person_aliases (person_id, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis, dob)
  SELECT p.id, a.* FROM p, unnest($30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[], $37::date[]) AS a
), pp AS (
  INSERT INTO protected_persons (order_id, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis, dob, sex, race, seq)
  SELECT o.id, x.* FROM o, unnest($38::text[], $39::text[], $40::text[], $41::text[], $42::text[], $43::text[], $44::text[], $45::date[],
                                  $46::text[], $47::text[], $48::int[]) AS x
), sv AS (
  INSERT INTO services (order_id, served_at, how, served_by, recorded_by, recorded_ori)
  SELECT o.id, $49, $50, $51, $12, $13 FROM o WHERE $52::boolean
), h AS (
  INSERT INTO order_history (order_id, version, action, actor_user, actor_ori, changes, at)
  SELECT o.id, 1, 'ENTER', $12, $13, $53::jsonb, $54 FROM o
), c AS (
  INSERT INTO carpos_outbox (order_id, action, payload, idempotency_key)
  SELECT o.id, 'ENTER', $55::jsonb, $56::uuid FROM o
)
SELECT id::int AS id FROM o`;

function nameColumns(people: readonly { name: string; dob: string; sex?: Sex; race?: string }[]) {
  const cols = {
    last: [] as string[], first: [] as string[], middle: [] as string[], suffix: [] as string[],
    norm: [] as string[], initial: [] as string[], nysiis: [] as string[], dob: [] as string[],
    sex: [] as (string | null)[], race: [] as (string | null)[], seq: [] as number[],
  };
  people.forEach((p, i) => {
    const n = parseName(p.name);
    const k = nameKeys(n);
    cols.last.push(n.last); cols.first.push(n.first); cols.middle.push(n.middle); cols.suffix.push(n.suffix);
    cols.norm.push(k.nameNorm); cols.initial.push(k.firstInitial); cols.nysiis.push(k.lastNysiis);
    cols.dob.push(toIsoDate(p.dob)); cols.sex.push(p.sex ?? null); cols.race.push(p.race ?? null); cols.seq.push(i + 1);
  });
  return cols;
}

function enterParams(pno: string, entry: OrderEntry, actor: Actor, at: Date): unknown[] {
  const nonexp = entry.exp === 'NONEXP';
  const r = entry.restrained;
  const rn = parseName(r.name);
  const rk = nameKeys(rn);
  const al = nameColumns((r.aliases ?? []).map((a) => ({ ...a, dob: a.dob ?? r.dob })));
  const pp = nameColumns(entry.protected);
  const s = entry.service;
  return [
    pno, entry.typ, entry.cti, entry.oca, toIsoDate(entry.isd), nonexp ? null : toIsoDate(entry.exp), nonexp,
    entry.pco, entry.dst ?? null, entry.brady ?? 'U', entry.mis ?? null, actor.user, actor.ori,
    rn.last, rn.first, rn.middle, rn.suffix, rk.nameNorm, rk.firstInitial, rk.lastNysiis,
    toIsoDate(r.dob), r.sex, r.race, r.height ?? null, r.weight ?? null, r.eyes ?? null, r.hair ?? null, r.oln ?? null, r.ols ?? null,
    al.last, al.first, al.middle, al.suffix, al.norm, al.initial, al.nysiis, al.dob,
    pp.last, pp.first, pp.middle, pp.suffix, pp.norm, pp.initial, pp.nysiis, pp.dob, pp.sex, pp.race, pp.seq,
    s?.sdt ?? null, s?.shw ?? null, s?.svb ?? null, !!s,
    JSON.stringify({ ...entry, pno }), at,
    JSON.stringify({ pno, ...entry }), randomUUID(),
  ];
}

async function insertNames(
  tx: Queryable,
  table: 'person_aliases' | 'protected_persons',
  ownerColumn: 'person_id' | 'order_id',
  ownerId: number,
  people: { name: string; dob: string; sex?: Sex; race?: string }[],
): Promise<void> {
  const cols = nameColumns(people);
  const common = `$2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::date[]`;
  const args = [ownerId, cols.last, cols.first, cols.middle, cols.suffix, cols.norm, cols.initial, cols.nysiis, cols.dob];
  if (table === 'person_aliases') {
    await tx.query(
      `INSERT INTO person_aliases (${ownerColumn}, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis, dob)
       SELECT $1, * FROM unnest(${common})`,
      args,
    );
  } else {
    await tx.query(
      `INSERT INTO protected_persons (${ownerColumn}, last_name, first_name, middle_name, suffix, name_norm, first_initial, last_nysiis, dob, sex, race, seq)
       SELECT $1, * FROM unnest(${common}, $10::text[], $11::text[], $12::int[])`,
      [...args, cols.sex, cols.race, cols.seq],
    );
  }
}

function insertService(tx: Queryable, orderId: number, s: ServiceInput, actor: Actor) {
  return tx.query(
    `INSERT INTO services (order_id, served_at, how, served_by, recorded_by, recorded_ori) VALUES ($1, $2, $3, $4, $5, $6)`,
    [orderId, s.sdt, s.shw, s.svb ?? null, actor.user, actor.ori],
  );
}

// Stamped with the service's clock, like the audit trail (tests move it; the database's now() does not).
function appendHistory(tx: Queryable, orderId: number, version: number, action: string, actor: Actor, changes: unknown, at: Date) {
  return tx.query(
    `INSERT INTO order_history (order_id, version, action, actor_user, actor_ori, changes, at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [orderId, version, action, actor.user, actor.ori, JSON.stringify(changes), at],
  );
}

/** The CARPOS gateway's outbox row, in the same transaction as the change it reports. */
function queueForCarpos(tx: Queryable, orderId: number, action: string, payload: unknown) {
  return tx.query(
    `INSERT INTO carpos_outbox (order_id, action, payload, idempotency_key) VALUES ($1, $2, $3::jsonb, $4::uuid)`,
    [orderId, action, JSON.stringify(payload), randomUUID()],
  );
}

async function orderKeys(tx: Queryable, orderId: number): Promise<OrderKeys> {
  const { rows } = await tx.query<{
    pno: string; fcn: string | null; cti: string; oca: string; oln: string | null; ols: string | null;
    restrained_dobs: string[]; protected_dobs: string[];
  }>(SQL.orderKeys, [orderId]);
  const r = rows[0]!;
  return {
    pno: r.pno, fcn: r.fcn, cti: r.cti, oca: r.oca, oln: r.oln, ols: r.ols,
    restrainedDobs: r.restrained_dobs, protectedDobs: r.protected_dobs,
  };
}

/**
 * Recomputes the conflicts of one order with every other active order that restrains the same
 * person (same DOB and first initial with the same or a sound-alike last name, or the same driver
 * licence) and protects someone in common (same DOB and first initial, same or sound-alike last
 * name); returns the other orders whose conflicts changed (before or after).
 */
/** A new order's conflicts: recorded both ways; returns the orders it conflicts with. */
async function addConflicts(tx: Queryable, me: TermsRow): Promise<number[]> {
  const candidates = await tx.query<TermsRow>(SQL_CONFLICT_CANDIDATES, [me.id]);
  const pairs: { other: number; kinds: string[] }[] = [];
  for (const c of candidates.rows) {
    const kinds = conflictKinds(me, c);
    if (kinds.length) pairs.push({ other: c.id, kinds });
  }
  if (pairs.length) {
    await tx.query(
      `INSERT INTO order_conflicts (order_id, other_id, kinds)
       SELECT $1, o, string_to_array(k, ',') FROM unnest($2::bigint[], $3::text[]) AS t(o, k)
       UNION ALL
       SELECT o, $1, string_to_array(k, ',') FROM unnest($2::bigint[], $3::text[]) AS t(o, k)`,
      [me.id, pairs.map((p) => p.other), pairs.map((p) => p.kinds.join(','))],
    );
  }
  return pairs.map((p) => p.other);
}

async function refreshConflicts(tx: Queryable, orderId: number): Promise<number[]> {
  const old = await tx.query<{ id: number }>(
    `DELETE FROM order_conflicts WHERE order_id = $1 OR other_id = $1 RETURNING (CASE WHEN order_id = $1 THEN other_id ELSE order_id END)::int AS id`,
    [orderId],
  );
  const self = await tx.query<TermsRow>(`SELECT id::int AS id, pno, typ, to_char(isd, 'YYYYMMDD') AS isd, pco, dst, status FROM orders WHERE id = $1`, [orderId]);
  const me = self.rows[0];
  const touched = new Set(old.rows.map((r) => r.id));
  if (me && me.status === 'ACTIVE') for (const other of await addConflicts(tx, me)) touched.add(other);
  return [...touched];
}

interface TermsRow extends Record<string, unknown> {
  id: number;
  pno: string;
  typ: string;
  isd: string;
  pco: string[];
  dst: number | null;
  status: OrderStatus;
}

// Other active orders against the same person that protect someone in common ($1: the order).
const SQL_CONFLICT_CANDIDATES = `
SELECT DISTINCT o2.id::int AS id, o2.pno, o2.typ, to_char(o2.isd, 'YYYYMMDD') AS isd, o2.pco, o2.dst, o2.status
  FROM persons p1
  JOIN persons p2 ON p2.order_id <> p1.order_id
   AND ((p2.dob = p1.dob AND p2.first_initial = p1.first_initial
         AND (p2.last_name = p1.last_name OR p2.last_nysiis = p1.last_nysiis OR p2.last_dmeta = p1.last_dmeta))
        OR (p1.oln IS NOT NULL AND p2.oln = p1.oln AND p2.ols = p1.ols))
  JOIN orders o2 ON o2.id = p2.order_id AND o2.status = 'ACTIVE'
 WHERE p1.order_id = $1
   AND EXISTS (
     SELECT 1 FROM protected_persons a JOIN protected_persons b
         ON b.dob = a.dob AND b.first_initial = a.first_initial
        AND (b.last_name = a.last_name OR b.last_nysiis = a.last_nysiis OR b.last_dmeta = a.last_dmeta)
      WHERE a.order_id = $1 AND b.order_id = o2.id)`;

async function bucketsOfOrders(tx: Queryable, ids: readonly number[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) out.push(...bucketsOf(await orderKeys(tx, id)));
  return out;
}

export interface OpenConflict {
  restrained: string;
  orders: { pno: string; typ: string; cti: string; oca: string; isd: string; exp: string }[];
  kinds: string[];
  prevails: string;
}

interface OpenConflictRow extends Record<string, unknown> {
  a_pno: string; a_typ: string; a_cti: string; a_oca: string; a_isd: string; a_exp: string; a_pco: string[]; a_dst: number | null;
  b_pno: string; b_typ: string; b_cti: string; b_oca: string; b_isd: string; b_exp: string; b_pco: string[]; b_dst: number | null;
  restrained: string;
  kinds: string[];
}

export type OrderImageType = 'application/pdf' | 'image/tiff' | 'image/png' | 'image/jpeg';

export interface OrderImage {
  page: number;
  contentType: OrderImageType;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: Date;
}
