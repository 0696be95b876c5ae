// Registry benchmark, on a real PostgreSQL (DATABASE_URL) and Redis (REDIS_URL, if set):
//   1. a scratch database, migrated and seeded with N synthetic orders (default 1,000,000): seed time;
//   2. name + DOB inquiries through Registry (the service's own code path) on seeded people,
//      from a few concurrent workers: uncached (straight to PostgreSQL) and cached (Redis, warmed);
//      p50, p99 and throughput, the median of several rounds with the spread;
//   3. `pgbench -S` (primary-key selects) on a scratch database of its own, same concurrency:
//      the ceiling this server sets, and our ratio to it;
//   4. EXPLAIN ANALYZE of the name + DOB query as Registry sends it.
// Results go to stdout as a table and to bench/results/registry-<timestamp>.json. Every scratch
// database is dropped at the end, also after a failure or Ctrl-C.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { noCache, type InquiryCache } from '../db/cache/cache.ts';
import { createMemoryCache } from '../db/cache/memory-cache.ts';
import { createRedisCache } from '../db/cache/redis-cache.ts';
import type { Database } from '../db/database.ts';
import { localDate } from '../db/dates.ts';
import { migrate } from '../db/migrate.ts';
import { openPostgres } from '../db/pg-database.ts';
import { Registry } from '../db/registry.ts';
import { seedRegistry, type SeedSummary } from '../db/seed.ts';
import { progressBar } from '../src/cli/progress.ts';
import { silentLogger } from '../src/log.ts';

const run = promisify(execFile);

export const TARGETS = { seedMs: 180_000, uncachedP99Ms: 2 };

/** Seeding: 1,000,000 orders in 3 minutes (issue 2); 3,000,000 in 5 minutes (issue 7). */
export const seedTargetMs = (orders: number) => (orders > 1_000_000 ? Math.round((300_000 * orders) / 3_000_000) : TARGETS.seedMs);

export interface BenchOptions {
  orders: number;
  rounds: number;
  /** Inquiries per round. */
  lookups: number;
  /** Concurrent workers (and pgbench clients). Default 4. */
  concurrency?: number;
  /** pgbench scale factor (100,000 accounts each). Default 10. */
  pgbenchScale?: number;
  /** pgbench -T seconds. Default 10. */
  pgbenchSeconds?: number;
  seed?: number;
  /** Where progress lines go (default stderr). */
  say?: (line: string) => void;
}

export interface Latency {
  p50Ms: number;
  p99Ms: number;
  /** Inquiries (or pgbench transactions) per second. */
  throughput: number;
}

export interface Measured extends Latency {
  /** min and max over the rounds of each figure; the figure itself is the median. */
  spread: { p50Ms: [number, number]; p99Ms: [number, number]; throughput: [number, number] };
  rounds: (Latency & { meanHits: number })[];
}

export interface Result {
  suite: 'registry';
  at: string;
  options: Required<Omit<BenchOptions, 'say'>>;
  machine: { cpus: number; memoryGb: number; node: string; postgres: string; redis: string | null };
  seed: { ms: number; summary: SeedSummary; targetMs: number; met: boolean };
  uncached: Measured & { targetP99Ms: number; met: boolean };
  cached: (Measured & { cache: 'redis' | 'memory' }) | null;
  pgbench: (Latency & { scale: number; clients: number; threads: number; seconds: number; latencyAvgMs: number }) | { skipped: string };
  ratios: { uncachedThroughputVsPgbench: number | null; cachedThroughputVsPgbench: number | null; uncachedP99VsPgbench: number | null };
  /** EXPLAIN ANALYZE of the name + DOB query: a typical inquiry, and a person with several orders asked with HST/Y. */
  explain: Explained[];
}

export interface Explained {
  label: string;
  sql: string;
  params: unknown[];
  plan: string;
  indexes: string[];
  seqScans: string[];
  planningMs: number | null;
  executionMs: number | null;
}

interface Target {
  name: string;
  dob: string;
}

export async function benchRegistry(opts: BenchOptions): Promise<Result> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('the registry benchmark needs DATABASE_URL: a real PostgreSQL server, where it creates and drops scratch databases');
  const redisUrl = process.env.REDIS_URL || undefined;
  const o: Required<Omit<BenchOptions, 'say'>> = {
    orders: opts.orders, rounds: opts.rounds, lookups: opts.lookups, concurrency: opts.concurrency ?? 4,
    pgbenchScale: opts.pgbenchScale ?? 10, pgbenchSeconds: opts.pgbenchSeconds ?? 10, seed: opts.seed ?? 1,
  };
  const say = opts.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_').toLowerCase();
  const scratch = { registry: `ccpor_bench_${stamp}_${process.pid}`, pgbench: `ccpor_pgbench_${stamp}_${process.pid}` };
  const cachePrefix = `ccpor-bench-${stamp}-${process.pid}:`;
  const dbUrl = (name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

  const admin = adminOn(url);
  const opened: Database[] = [];
  const caches: InquiryCache[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.allSettled([...opened.map((d) => d.close()), ...caches.map((c) => c.close())]);
    await admin(async (c) => {
      for (const name of Object.values(scratch)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }).catch((err: Error) => say(`could not drop the scratch databases ${Object.values(scratch).join(', ')}: ${err.message}`));
    if (redisUrl) await dropCacheKeys(redisUrl, cachePrefix).catch(() => {});
  };
  const onSignal = () => {
    say('interrupted: dropping the scratch databases');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const machine = {
      cpus: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: await admin(async (c) => (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v),
      redis: redisUrl ? await redisVersion(redisUrl) : null,
    };

    // 1. Seed.
    await admin((c) => c.query(`CREATE DATABASE ${scratch.registry}`));
    const loader = openPostgres({ url: dbUrl(scratch.registry), poolSize: 4, statementTimeoutMs: 600_000, log: silentLogger, applicationName: 'ccpor-bench-seed' });
    opened.push(loader);
    await migrate(loader);
    say(`seeding ${o.orders.toLocaleString('en-US')} orders into ${scratch.registry} ...`);
    const bar = progressBar('seeding');
    const asOf = localDate(new Date(), 'America/Los_Angeles');
    const summary = await seedRegistry(loader, { orders: o.orders, seed: o.seed, asOf, onProgress: (d, t) => bar.update(d, t), onIndexing: () => (bar.done(), say('building the indexes and checking the foreign keys ...')) });
    bar.done();
    say(`seeded in ${(summary.ms / 1000).toFixed(1)} s (target ≤ ${seedTargetMs(o.orders) / 1000} s)`);

    // Seeded people to ask for: a fixed sample, the same on every run of the same size and seed.
    const targets = (
      await loader.query<Target & Record<string, unknown>>(
        `SELECT name_norm AS name, to_char(dob, 'YYYYMMDD') AS dob FROM persons ORDER BY md5(id::text) LIMIT $1`,
        [o.lookups],
      )
    ).rows;

    // 4. The plan of the query as Registry sends it (captured from a real inquiry).
    const db = openPostgres({ url: dbUrl(scratch.registry), poolSize: o.concurrency, statementTimeoutMs: 5_000, log: silentLogger, applicationName: 'ccpor-bench' });
    opened.push(db);
    const several = (
      await loader.query<Target & Record<string, unknown>>(
        `SELECT name_norm AS name, to_char(dob, 'YYYYMMDD') AS dob FROM persons GROUP BY name_norm, dob ORDER BY count(*) DESC, name_norm LIMIT 1`,
      )
    ).rows[0]!;
    // Every inquiry form of ICD 4, on real rows of the seeded registry.
    const sample = (
      await loader.query<{ pno: string; fcn: string | null; cti: string; oca: string; oln: string; ols: string } & Record<string, unknown>>(
        `SELECT o.pno, o.fcn, o.cti, o.oca, p.oln, p.ols FROM orders o JOIN persons p ON p.order_id = o.id
          WHERE p.oln IS NOT NULL ORDER BY (o.fcn IS NULL), o.id LIMIT 1`,
      )
    ).rows[0]!;
    const pp = (await loader.query<Target & Record<string, unknown>>(`SELECT name_norm AS name, to_char(dob, 'YYYYMMDD') AS dob FROM protected_persons ORDER BY id LIMIT 1`)).rows[0]!;
    const explain = [
      await explainInquiry(db, 'NAM+DOB, typical inquiry', (r) => r.findOrdersForRestrainedPerson({ name: targets[0]!.name, dob: targets[0]!.dob })),
      await explainInquiry(db, 'NAM+DOB, person with the most orders, HST/Y', (r) => r.findOrdersForRestrainedPerson({ name: several.name, dob: several.dob, includeInactive: true })),
      await explainInquiry(db, 'PPN+PPB (protected person)', (r) => r.findOrdersForProtectedPerson({ name: pp.name, dob: pp.dob })),
      await explainInquiry(db, 'PNO', (r) => r.findOrderByPno(sample.pno)),
      ...(sample.fcn ? [await explainInquiry(db, 'FCN', (r) => r.findOrderByFcn(sample.fcn!))] : []),
      await explainInquiry(db, 'OLN+OLS (licence)', (r) => r.findOrdersByLicence(sample.oln, sample.ols)),
      await explainInquiry(db, 'OCA+CTI (court case)', (r) => r.findOrdersByCase(sample.oca, sample.cti)),
    ];
    for (const e of explain) {
      say(`EXPLAIN ${e.label}: indexes ${e.indexes.join(', ') || 'none'}; seq scans ${e.seqScans.join(', ') || 'none'}; planning ${e.planningMs} ms, execution ${e.executionMs} ms`);
    }

    // 2. Inquiries.
    const uncachedRegistry = new Registry({ db, cache: noCache });
    say(`uncached: ${o.rounds} rounds of ${targets.length} inquiries, ${o.concurrency} workers`);
    await lookups(uncachedRegistry, targets, o.concurrency); // warm the server's buffers and the pool
    const uncached = await measure(uncachedRegistry, targets, o, say);

    let cached: Result['cached'] = null;
    const cache = redisUrl
      ? createRedisCache({ url: redisUrl, prefix: cachePrefix, ttlSeconds: 3_600, log: silentLogger, commandTimeoutMs: 2_000 })
      : createMemoryCache({ ttlSeconds: 3_600, maxEntries: o.lookups * 2 });
    caches.push(cache);
    await waitUsable(cache);
    const cachedRegistry = new Registry({ db, cache });
    say(`cached (${cache.kind}): warming, then ${o.rounds} rounds`);
    await lookups(cachedRegistry, targets, o.concurrency);
    cached = { ...(await measure(cachedRegistry, targets, o, say)), cache: cache.kind === 'redis' ? 'redis' : 'memory' };

    // 3. The ceiling.
    say(`pgbench -i -s ${o.pgbenchScale}, then -S -c ${o.concurrency} -j 2 -T ${o.pgbenchSeconds}`);
    const pgb = await pgbench(url, scratch.pgbench, o, admin).catch((err: Error) => ({ skipped: err.message }));

    const p = 'tps' in pgb ? pgb : null;
    const result: Result = {
      suite: 'registry',
      at: new Date().toISOString(),
      options: o,
      machine,
      seed: { ms: summary.ms, summary, targetMs: seedTargetMs(o.orders), met: summary.ms <= seedTargetMs(o.orders) },
      uncached: { ...uncached, targetP99Ms: TARGETS.uncachedP99Ms, met: uncached.p99Ms <= TARGETS.uncachedP99Ms },
      cached,
      pgbench: p ? { scale: o.pgbenchScale, clients: o.concurrency, threads: 2, seconds: o.pgbenchSeconds, p50Ms: p.p50Ms, p99Ms: p.p99Ms, throughput: p.tps, latencyAvgMs: p.latencyAvgMs } : pgb as { skipped: string },
      ratios: {
        uncachedThroughputVsPgbench: p ? round(uncached.throughput / p.tps, 4) : null,
        cachedThroughputVsPgbench: p && cached ? round(cached.throughput / p.tps, 4) : null,
        uncachedP99VsPgbench: p ? round(uncached.p99Ms / p.p99Ms, 2) : null,
      },
      explain,
    };
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** The table printed at the end of a run. */
export function formatResult(r: Result): string {
  const ms = (x: number) => x.toFixed(2).padStart(7);
  const per = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  const range = (a: [number, number], f: (x: number) => string) => `${f(a[0]).trim()}–${f(a[1]).trim()}`;
  const lines = [
    `registry benchmark: ${r.options.orders.toLocaleString('en-US')} orders, ${r.options.concurrency} workers, ` +
      `median of ${r.options.rounds} rounds × ${r.options.lookups.toLocaleString('en-US')} name+DOB inquiries`,
    `machine: ${r.machine.cpus} CPUs, ${r.machine.memoryGb} GB, PostgreSQL ${r.machine.postgres}, Redis ${r.machine.redis ?? '-'}, Node ${r.machine.node}`,
    '',
    `seed                  ${(r.seed.ms / 1000).toFixed(1)} s for ${r.seed.summary.orders.toLocaleString('en-US')} orders ` +
      `(${r.seed.summary.protectedPersons.toLocaleString('en-US')} protected, ${r.seed.summary.aliases.toLocaleString('en-US')} aliases, ` +
      `${r.seed.summary.services.toLocaleString('en-US')} services)   target ≤ ${r.seed.targetMs / 1000} s: ${r.seed.met ? 'met' : 'MISSED'}`,
    '',
    `                       p50 ms   p99 ms    per sec   spread over rounds (p50 / p99 / per sec)`,
  ];
  const row = (label: string, m: Measured) =>
    `${label.padEnd(20)} ${ms(m.p50Ms)}  ${ms(m.p99Ms)}  ${per(m.throughput)}   ` +
    `${range(m.spread.p50Ms, ms)} / ${range(m.spread.p99Ms, ms)} / ${range(m.spread.throughput, per)}`;
  lines.push(row('uncached (Postgres)', r.uncached) + `   target p99 ≤ ${r.uncached.targetP99Ms} ms: ${r.uncached.met ? 'met' : 'MISSED'}`);
  if (r.cached) lines.push(row(`cached (${r.cached.cache})`, r.cached));
  if ('skipped' in r.pgbench) lines.push(`pgbench -S           skipped: ${r.pgbench.skipped}`);
  else {
    const p = r.pgbench;
    lines.push(`${'pgbench -S (ceiling)'.padEnd(20)} ${ms(p.p50Ms)}  ${ms(p.p99Ms)}  ${per(p.throughput)}   scale ${p.scale}, -c ${p.clients} -j ${p.threads} -T ${p.seconds}`);
    lines.push('');
    lines.push(
      `ratio to pgbench -S: uncached ${pct(r.ratios.uncachedThroughputVsPgbench)} of its throughput (p99 ${r.ratios.uncachedP99VsPgbench}×), ` +
        `cached ${pct(r.ratios.cachedThroughputVsPgbench)}`,
    );
  }
  lines.push('');
  for (const e of r.explain) {
    lines.push(`EXPLAIN ${e.label}: planning ${e.planningMs} ms, execution ${e.executionMs} ms; seq scans: ${e.seqScans.join(', ') || 'none'}`);
    lines.push(`  indexes: ${e.indexes.join(', ') || 'none'}`);
  }
  return lines.join('\n');
}

/** Writes the result to bench/results/registry-<timestamp>.json; returns the path. */
export function saveResult(r: Result): string {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `registry-${r.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  // The plans as a person reads them (docs/PERFORMANCE.md quotes them).
  const plans = r.explain.map((e) => `### ${e.label}\n\n\`\`\`\n${e.plan}\n\`\`\`\n`).join('\n');
  writeFileSync(file.replace(/\.json$/, '-explain.md'), `# EXPLAIN (ANALYZE, BUFFERS) at ${r.options.orders.toLocaleString('en-US')} orders\n\n${plans}`);
  return file;
}

// ---- Inside -------------------------------------------------------------------------------------

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** All targets once, `concurrency` at a time; each inquiry's time in ms and the mean number of hits. */
async function lookups(registry: Registry, targets: Target[], concurrency: number): Promise<{ times: number[]; wallMs: number; meanHits: number }> {
  const times = new Array<number>(targets.length);
  let next = 0;
  let hits = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i]!;
      const t0 = performance.now();
      const found = await registry.findOrdersForRestrainedPerson({ name: t.name, dob: t.dob });
      times[i] = performance.now() - t0;
      hits += found.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { times, wallMs: performance.now() - started, meanHits: hits / targets.length };
}

async function measure(registry: Registry, targets: Target[], o: { rounds: number; concurrency: number }, say: (l: string) => void): Promise<Measured> {
  const rounds: Measured['rounds'] = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await lookups(registry, targets, o.concurrency);
    const sorted = Float64Array.from(r.times).sort();
    const round1 = {
      p50Ms: round(quantile(sorted, 0.5)),
      p99Ms: round(quantile(sorted, 0.99)),
      throughput: round((targets.length / r.wallMs) * 1000, 1),
      meanHits: round(r.meanHits, 2),
    };
    rounds.push(round1);
    say(`  round ${i + 1}: p50 ${round1.p50Ms} ms, p99 ${round1.p99Ms} ms, ${Math.round(round1.throughput)}/s`);
  }
  const med = (k: keyof Latency) => median(rounds.map((r) => r[k]));
  const span = (k: keyof Latency): [number, number] => [Math.min(...rounds.map((r) => r[k])), Math.max(...rounds.map((r) => r[k]))];
  return {
    p50Ms: med('p50Ms'), p99Ms: med('p99Ms'), throughput: med('throughput'),
    spread: { p50Ms: span('p50Ms'), p99Ms: span('p99Ms'), throughput: span('throughput') },
    rounds,
  };
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : round((s[m - 1]! + s[m]!) / 2);
}

async function waitUsable(cache: InquiryCache, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await cache.get('bench-probe', 'probe')) !== null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the ${cache.kind} cache did not become usable within ${ms} ms`);
}

/** Runs one real inquiry with the database's query recorded, then EXPLAIN ANALYZE of that query. */
async function explainInquiry(db: Database, label: string, ask: (r: Registry) => Promise<unknown>): Promise<Explained> {
  let seen: { text: string; params: unknown[] } | undefined;
  const recording: Database = {
    ...db,
    kind: db.kind,
    query: (text, params) => {
      seen = { text, params: [...(params ?? [])] };
      return db.query(text, params);
    },
  };
  await ask(new Registry({ db: recording, cache: noCache }));
  if (!seen) throw new Error('the inquiry sent no query');
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${seen.text}`, seen.params);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  const indexes = [...new Set([...plan.matchAll(/(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)/g)].map((m) => m[1]!))];
  const seqScans = [...new Set([...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]!))];
  const time = (what: string) => {
    const m = new RegExp(`${what} Time: ([\\d.]+) ms`).exec(plan);
    return m ? Number(m[1]) : null;
  };
  return { label, sql: seen.text.trim(), params: seen.params, plan, indexes, seqScans, planningMs: time('Planning'), executionMs: time('Execution') };
}

/** Runs fn on a one-off connection to the server of `url` (creating and dropping scratch databases). */
export const adminOn = (url: string) => async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};

/** pgbench -i on a scratch database, then -S with per-transaction logs for the percentiles. */
export async function pgbench(
  url: string,
  dbName: string,
  o: { concurrency: number; pgbenchScale: number; pgbenchSeconds: number },
  admin: <T>(fn: (c: pg.Client) => Promise<T>) => Promise<T>,
): Promise<Latency & { tps: number; latencyAvgMs: number }> {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: decodeURIComponent(u.hostname) || 'localhost',
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || process.env.PGUSER || os.userInfo().username,
    PGDATABASE: dbName,
  };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  const logDir = mkdtempSync(join(os.tmpdir(), 'ccpor-pgbench-'));
  try {
    await run('pgbench', ['-i', '-q', '-s', String(o.pgbenchScale), dbName], { env, maxBuffer: 16 << 20 });
    const { stdout } = await run(
      'pgbench',
      ['-S', '-c', String(o.concurrency), '-j', '2', '-T', String(o.pgbenchSeconds), '-l', `--log-prefix=${join(logDir, 'tx')}`, dbName],
      { env, maxBuffer: 16 << 20 },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    const avg = /latency average = ([\d.]+) ms/.exec(stdout);
    if (!tps || !avg) throw new Error(`unexpected pgbench output: ${stdout.slice(-300)}`);
    // Per-transaction log lines: client, transaction, latency in microseconds, ...
    const latencies: number[] = [];
    for (const f of readdirSync(logDir)) {
      for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    return {
      tps: round(Number(tps[1]), 1), throughput: round(Number(tps[1]), 1), latencyAvgMs: Number(avg[1]),
      p50Ms: round(quantile(sorted, 0.5)), p99Ms: round(quantile(sorted, 0.99)),
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('pgbench is not installed (postgresql-contrib / postgresql-client)');
    throw new Error(`pgbench failed: ${(e.stderr || e.message).trim().split('\n').slice(-2).join(' ')}`);
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

async function redisVersion(url: string): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  try {
    await r.connect();
    return /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? null;
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/** Removes this run's cache keys from Redis. */
export async function dropCacheKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
