// Inquiries on PostgreSQL streaming replicas, never older than a write the asker could know of.
//
// Every registry write notes the WAL position of its commit (read in the COMMIT's round trip)
// under the writing agency's ORI and under every cache bucket it invalidates, before it
// invalidates and before it is acknowledged. A read of bucket B for agency A then needs a replica
// whose replay position has reached max(position of A, position of B, epoch); it asks the replica
// on the connection it will read on, and reads the primary when the replica is behind. So:
//  - an agency always sees its own acknowledged writes (read-your-writes), and
//  - any agency sees a write once it was acknowledged to anyone (the bucket's position): the same
//    promise the cache makes (docs/DECISIONS.md, Cache), so a watch notice or a phone call from
//    the writing court never leads to an older answer.
//  - An answer read from a replica is never older than the bucket's last invalidation, whose
//    position is read after the cache generation: a lagging replica cannot put back into the
//    cache an answer from before a write (db/cache/redis-cache.ts).
// The positions live in Redis (shared by every process and node; see docs/SCALING.md). Without
// Redis each read asks the primary for its current position instead: always right, a round trip.
import type { Logger } from '../src/log.ts';
import { isUnavailable, type Database, type Queryable } from './database.ts';
import { connectRedis, type RedisClient, type RedisTarget } from './redis-connection.ts';

// ---- WAL positions ------------------------------------------------------------------------------

/** `pg_lsn` text ('16/B374D848') to a number; null for SQL NULL or nonsense. */
export function parseLsn(text: unknown): bigint | null {
  if (typeof text !== 'string') return null;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}

export function formatLsn(n: bigint): string {
  return `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
}

// Stored in Redis as 20 decimal digits, so that string order is number order in Lua.
const pad = (n: bigint) => n.toString().padStart(20, '0');

const max = (...xs: (bigint | null | undefined)[]) => xs.reduce<bigint>((m, x) => (x != null && x > m ? x : m), 0n);

/** What a read must not be older than: the asking agency (when known) and the cache bucket. */
export interface ReadKey {
  bucket: string;
  ori?: string;
}

export interface WritePositions {
  readonly kind: 'redis' | 'primary';
  /**
   * A committed write at `lsn` (its agency and the buckets it invalidates). Called after the
   * commit, before the invalidation and the acknowledgement. Never throws.
   */
  noteWrite(lsn: bigint, ori: string | undefined, buckets: readonly string[]): Promise<void>;
  /** The position a read must have reached; null: unknown now, read the primary. */
  floor(key: ReadKey): Promise<bigint | null>;
  close(): Promise<void>;
}

async function primaryPosition(primary: Queryable): Promise<bigint> {
  const { rows } = await primary.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
  const lsn = parseLsn(rows[0]?.lsn);
  if (lsn === null) throw new Error('primary gave no WAL position');
  return lsn;
}

/**
 * Without Redis: the floor of every read is the primary's position when the read began — what
 * was committed before it, by any process on any node. One trivial round trip to the primary per
 * read, shared by the reads that begin while it is on its way.
 */
export function primaryFloor(primary: Queryable): WritePositions {
  // A position asked for before a read began may miss a write acknowledged just before it: a
  // read shares only a request sent after it arrived (seq: arrivals counted when it was sent).
  let arrivals = 0;
  let inflight: { seq: number; p: Promise<bigint> } | undefined;
  return {
    kind: 'primary',
    noteWrite: async () => {},
    async floor() {
      const me = ++arrivals;
      for (;;) {
        if (inflight && inflight.seq >= me) {
          try {
            return await inflight.p;
          } catch {
            return null;
          }
        }
        if (inflight) {
          await inflight.p.catch(() => 0n);
          continue;
        }
        const mine = { seq: arrivals, p: primaryPosition(primary) };
        inflight = mine;
        const done = () => {
          if (inflight === mine) inflight = undefined;
        };
        mine.p.then(done, done);
      }
    },
    close: async () => {},
  };
}

// Raise a position, never lower it; keep it `ttl` seconds after the last write.
const RAISE = `
local c = redis.call('GET', KEYS[1])
if (not c) or c < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1`;

type PositionsRedis = RedisClient & { raisePosition(key: string, value: string, ttl: number): Promise<number> };

export interface RedisPositionsOptions {
  target: RedisTarget | string;
  prefix: string;
  primary: Queryable;
  log: Logger;
  /** How long a write's position is kept (default a day; far beyond any replica lag we accept). */
  ttlSeconds?: number;
  commandTimeoutMs?: number;
}

/**
 * Positions in Redis, next to the cache. Keys (hash tags: a bucket's position shares its Cluster
 * slot with the bucket's cache keys):
 *   <prefix>w:{B}          last write position of bucket B
 *   <prefix>wa:{ori:ORI}   last write position of agency ORI
 *   <prefix>we:{epoch}     a position every read waits for: raised to the primary's position
 *                          whenever this process (re)connects, because Redis may have come back
 *                          empty or failed over to a replica that missed the last notes.
 */
export function redisPositions(opts: RedisPositionsOptions): WritePositions {
  const log = opts.log.child({ component: 'read-routing' });
  const ttl = opts.ttlSeconds ?? 86_400;
  const redis = connectRedis(opts.target, {
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 300,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    enableAutoPipelining: true,
  }) as unknown as PositionsRedis;
  redis.defineCommand('raisePosition', { numberOfKeys: 1, lua: RAISE });
  const bucketKey = (b: string) => `${opts.prefix}w:{${b}}`;
  const agencyKey = (ori: string) => `${opts.prefix}wa:{ori:${ori}}`;
  const epochKey = `${opts.prefix}we:{epoch}`;

  // Notes Redis has not taken yet, kept here (and counted by this process's reads) and retried.
  const pending = new Map<string, bigint>();
  // Until the epoch is raised after a (re)connection, nothing Redis says about positions counts.
  let trusted = false;
  let down = false;
  let closed = false;

  const markDown = (reason: string) => {
    trusted = false;
    if (down || closed) return;
    down = true;
    log.warn({ reason }, 'write positions (Redis) unavailable: inquiries read the primary');
  };
  redis.on('error', (err: Error) => markDown(err.message));
  redis.on('close', () => markDown('connection closed'));
  redis.on('ready', () => void settle());

  async function send(entries: [string, bigint][]): Promise<void> {
    const results = await Promise.allSettled(entries.map(([k, v]) => redis.raisePosition(k, pad(v), ttl)));
    results.forEach((r, i) => {
      const [k, v] = entries[i]!;
      if (r.status === 'rejected') pending.set(k, max(pending.get(k), v));
      else if (pending.get(k) === v) pending.delete(k);
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  // After a (re)connection: deliver what is pending, then raise the epoch to the primary's
  // position, which covers every write Redis may have lost; only then trust Redis again.
  let settling = false;
  async function settle(): Promise<void> {
    if (settling || closed || redis.status !== 'ready') return;
    settling = true;
    try {
      if (pending.size > 0) await send([...pending]);
      if (!trusted) {
        await send([[epochKey, await primaryPosition(opts.primary)]]);
        trusted = true;
        if (down) log.info('write positions (Redis) available again');
        down = false;
      }
    } catch {
      // still down; the next tick tries again
    } finally {
      settling = false;
    }
  }
  const timer = setInterval(() => void settle(), 1_000);
  timer.unref();

  return {
    kind: 'redis',
    async noteWrite(lsn, ori, buckets) {
      const entries: [string, bigint][] = buckets.map((b) => [bucketKey(b), lsn]);
      if (ori) entries.push([agencyKey(ori), lsn]);
      if (redis.status !== 'ready') {
        for (const [k, v] of entries) pending.set(k, max(pending.get(k), v));
        markDown('write position kept for later');
        return;
      }
      try {
        await send(entries);
      } catch (err) {
        markDown((err as Error).message);
      }
    },
    async floor(key) {
      if (!trusted || redis.status !== 'ready') return null;
      try {
        // Three plain GETs: auto-pipelining sends them in one write with every other read's.
        const [e, b, a] = await Promise.all([
          redis.get(epochKey),
          redis.get(bucketKey(key.bucket)),
          key.ori ? redis.get(agencyKey(key.ori)) : Promise.resolve(null),
        ]);
        // No epoch: Redis lost it since we raised it (restarted, flushed): positions unknown.
        if (e === null) {
          markDown('epoch missing');
          return null;
        }
        const n = (s: string | null) => (s === null ? 0n : BigInt(s));
        return max(n(e), n(b), n(a), pending.get(bucketKey(key.bucket)), key.ori ? pending.get(agencyKey(key.ori)) : 0n);
      } catch (err) {
        markDown((err as Error).message);
        return null;
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      redis.disconnect();
    },
  };
}

// ---- Replicas and the router --------------------------------------------------------------------

export interface Replica {
  /** For logs: host:port/db, no credentials. */
  name: string;
  db: Database;
}

interface ReplicaState extends Replica {
  up: boolean;
  /** Last replay position seen (probe or read). */
  replay: bigint;
  /** How far behind the primary it was at the last probe. */
  lagMs: number;
}

export interface RouterOptions {
  /** A replica further behind than this is not read from. */
  maxLagMs: number;
  /** How often the replicas are checked. */
  checkMs: number;
  log: Logger;
}

export interface ReadStats {
  /** Inquiries answered from a replica. */
  replica: number;
  /** Inquiries answered by the primary, by reason. */
  primary: { behind: number; noReplica: number; positionsUnknown: number; replicaFailed: number };
}

class Behind extends Error {}

// A recovery conflict (40001) or a standby that left recovery (25006: read only) is the replica's
// business, not the request's: that read goes to the primary instead.
const REPLICA_TROUBLE = /^(40001|40P01|25006)$/;

export class ReadRouter {
  private readonly replicas: ReplicaState[];
  private readonly log: Logger;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  // The primary's position over time, to tell how far behind each replica is.
  private samples: { at: number; lsn: bigint }[] = [];
  readonly stats: ReadStats = { replica: 0, primary: { behind: 0, noReplica: 0, positionsUnknown: 0, replicaFailed: 0 } };

  constructor(
    private readonly primary: Database,
    replicas: Replica[],
    readonly positions: WritePositions,
    private readonly opts: RouterOptions,
  ) {
    this.replicas = replicas.map((r) => ({ ...r, up: false, replay: 0n, lagMs: Infinity }));
    this.log = opts.log.child({ component: 'read-routing' });
  }

  /** Checks the replicas once (so the first inquiries can use them), then every checkMs. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.opts.checkMs);
    this.timer.unref();
  }

  /** The replicas as last seen, for logs and tests. */
  replicaStates(): { name: string; up: boolean; replay: string; lagMs: number }[] {
    return this.replicas.map((r) => ({ name: r.name, up: r.up, replay: formatLsn(r.replay), lagMs: r.lagMs }));
  }

  /**
   * After a committed write; see WritePositions.noteWrite. The position comes with the COMMIT's
   * reply; should it not (a database without transactionWithLsn), the primary's position now is
   * at or past the commit too.
   */
  async noteWrite(lsnText: string | undefined, ori: string | undefined, buckets: readonly string[]): Promise<void> {
    let lsn = parseLsn(lsnText);
    if (lsn === null) lsn = await primaryPosition(this.primary).catch(() => null);
    if (lsn === null) {
      // The primary went away just after the commit: no more writes until it is back. Replicas
      // that have not replayed this write are read only within the lag bound.
      this.log.warn({ ori, buckets: buckets.length }, 'write position unknown: not noted');
      return;
    }
    await this.positions.noteWrite(lsn, ori, buckets);
  }

  /**
   * fn on a replica that has replayed at least the floor of `key`, or on the primary. The
   * replica's position is asked on the connection fn then reads on: a standby's replay position
   * only moves forward while it runs, so fn sees at least that state.
   */
  async read<T>(key: ReadKey, fn: (q: Queryable) => Promise<T>): Promise<T> {
    const floor = await this.positions.floor(key);
    if (floor === null) {
      this.stats.primary.positionsUnknown++;
      return fn(this.primary);
    }
    const replica = this.pick();
    if (!replica?.db.session) {
      this.stats.primary.noReplica++;
      return fn(this.primary);
    }
    try {
      const out = await replica.db.session(async (q) => {
        const { rows } = await q.query<{ lsn: string | null; rec: boolean }>(
          `SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS rec`,
        );
        const replay = parseLsn(rows[0]?.lsn);
        if (!rows[0]?.rec || replay === null) {
          // Promoted, or not a standby at all: its history may have left the primary's.
          this.markDown(replica, 'not a streaming standby');
          throw new Behind();
        }
        if (replay > replica.replay) replica.replay = replay;
        if (replay < floor) throw new Behind();
        return fn(q);
      });
      this.stats.replica++;
      return out;
    } catch (err) {
      if (err instanceof Behind) {
        this.stats.primary.behind++;
        return fn(this.primary);
      }
      const code = (err as { code?: unknown }).code;
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      if (isUnavailable(err) || REPLICA_TROUBLE.test(String(code ?? cause ?? ''))) {
        if (isUnavailable(err)) this.markDown(replica, (err as Error).message);
        this.stats.primary.replicaFailed++;
        return fn(this.primary);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.probing?.catch(() => {});
    await this.positions.close();
    await Promise.all(this.replicas.map((r) => r.db.close()));
  }

  /** The next replica that is up and close enough behind, round robin. */
  private pick(): ReplicaState | undefined {
    for (let i = 0; i < this.replicas.length; i++) {
      const r = this.replicas[(this.next + i) % this.replicas.length]!;
      if (r.up && r.lagMs <= this.opts.maxLagMs) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return r;
      }
    }
    return undefined;
  }

  private markDown(r: ReplicaState, reason: string) {
    if (r.up) this.log.warn({ replica: r.name, reason }, 'replica unavailable: its inquiries go to the primary');
    r.up = false;
  }

  private probe(): Promise<void> {
    this.probing ??= this.probeOnce().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probeOnce(): Promise<void> {
    const timeout = Math.max(1_000, this.opts.checkMs);
    const now = Date.now();
    try {
      const lsn = await withTimeout(primaryPosition(this.primary), timeout);
      this.samples.push({ at: now, lsn });
      const keep = now - Math.max(10_000, this.opts.maxLagMs * 2);
      while (this.samples.length > 1 && this.samples[0]!.at < keep) this.samples.shift();
    } catch {
      // The primary is away: no new writes either; judge the replicas on what we saw before.
    }
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const { rows } = await withTimeout(
            r.db.query<{ rec: boolean; lsn: string | null }>(`SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn()::text AS lsn`),
            timeout,
          );
          const replay = parseLsn(rows[0]?.lsn);
          if (!rows[0]?.rec || replay === null) return this.markDown(r, 'not a streaming standby');
          if (replay > r.replay || !r.up) r.replay = replay;
          const wasFine = r.up && r.lagMs <= this.opts.maxLagMs;
          r.lagMs = this.lagOf(replay, Date.now());
          const fine = r.lagMs <= this.opts.maxLagMs;
          // One line when it changes, not one per check.
          if (fine && !wasFine) this.log.info({ replica: r.name, lagMs: r.lagMs }, 'replica available for inquiries');
          if (!fine && (wasFine || !r.up)) this.log.warn({ replica: r.name, lagMs: r.lagMs, boundMs: this.opts.maxLagMs }, 'replica behind the bound: its inquiries go to the primary');
          r.up = true;
        } catch (err) {
          this.markDown(r, (err as Error).message);
        }
      }),
    );
  }

  /**
   * How long ago the primary had WAL the replica has not replayed yet: the age of the oldest
   * sample past its replay position (0 when it has replayed everything we saw).
   */
  private lagOf(replay: bigint, now: number): number {
    const first = this.samples.find((s) => s.lsn > replay);
    if (!first) return 0;
    // Behind even the oldest sample kept: at least as old as that.
    return now - first.at;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** host:port/db of a connection string, for logs. */
export function replicaName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'replica';
  }
}
