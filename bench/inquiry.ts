// `npm run bench -- inquiry`: end-to-end inquiries through TCP against the service on a registry
// of 1,000,000 orders on real PostgreSQL and Redis, with the ceilings of the same machine in the
// same run (`redis-benchmark -t get -c 50`, `pgbench -S`), and the memory of 10,000 signed-on
// idle terminals.
//
//   1. a scratch database, migrated and seeded; a benchmark user; 2,000 name+DOB targets
//   2. the service (`ccpor serve`, CCPOR_WORKERS processes) with Redis: cached inquiries, driven
//      by the MDT simulator's load mode
//   3. the service without Redis (no cache with a shared PostgreSQL): uncached inquiries
//   4. a fresh service holding N idle signed-on terminals: resident memory
//   5. redis-benchmark and pgbench
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { migrate } from '../db/migrate.ts';
import { hashPassword } from '../db/passwords.ts';
import { openPostgres } from '../db/pg-database.ts';
import { seedRegistry } from '../db/seed.ts';
import { localDate } from '../db/dates.ts';
import { progressBar } from '../src/cli/progress.ts';
import { silentLogger } from '../src/log.ts';
import { runLoad, type LoadReport } from './load.ts';
import { openIdleTerminals } from './idle.ts';
import { adminOn, dropCacheKeys, median, pgbench } from './registry.ts';
import { ServiceProcess } from './service-proc.ts';

const run = promisify(execFile);

export const INQUIRY_TARGETS = { cachedVsRedisGet: 0.5, p99Ms: 5, idleBytes: 2 ** 30 };

export interface InquiryBenchOptions {
  orders: number;
  terminals: number;
  seconds: number;
  rounds: number;
  idle: number;
  workers: number;
}

interface Round {
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  statuses: Record<string, number>;
}

export interface InquiryResult {
  when: string;
  machine: { cpus: number; memoryGb: number; node: string };
  options: InquiryBenchOptions;
  seedMs: number;
  cached: { rounds: Round[]; median: Round; atHalfRate: Round };
  uncached: { rounds: Round[]; median: Round; atHalfRate: Round };
  idle: { terminals: number; failed: number; baselineBytes: number; heldBytes: number; perTerminalBytes: number };
  redisGet: { perSecond: number; p50Ms: number | null; clients: number } | { skipped: string };
  pgbenchS: { perSecond: number; p50Ms: number; p99Ms: number; clients: number } | { skipped: string };
}

const BENCH_USER = 'BENCHLOAD';
const BENCH_PASSWORD = 'Bench-Load-Terminal-7';

export async function benchInquiry(o: InquiryBenchOptions, say: (l: string) => void = (l) => process.stderr.write(l + '\n')): Promise<InquiryResult> {
  const url = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!url) throw new Error('the inquiry benchmark needs DATABASE_URL (PostgreSQL)');
  if (!redisUrl) throw new Error('the inquiry benchmark needs REDIS_URL (the cached inquiries go through Redis)');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '_');
  const scratch = { registry: `ccpor_inq_${stamp}_${process.pid}`.toLowerCase(), pgbench: `ccpor_inqpgb_${stamp}_${process.pid}`.toLowerCase() };
  const prefix = `ccpor-inq-${process.pid}:`;
  const dbUrl = Object.assign(new URL(url), { pathname: `/${scratch.registry}` }).toString();
  const admin = adminOn(url);
  const services: ServiceProcess[] = [];
  const dataDir = join(os.tmpdir(), `ccpor-inq-${process.pid}`);
  const serviceEnv = (withRedis: boolean): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    REDIS_URL: withRedis ? redisUrl : '',
    CCPOR_CACHE_PREFIX: prefix,
    CCPOR_WORKERS: String(o.workers),
    CCPOR_DATA_DIR: dataDir,
    CCPOR_RATE_PER_SECOND: '100000',
    CCPOR_RATE_BURST: '100000',
    CCPOR_MAX_CONNECTIONS: '20000',
  });
  const start = async (withRedis: boolean) => {
    const s = await ServiceProcess.start(serviceEnv(withRedis));
    services.push(s);
    return s;
  };

  try {
    await admin((c) => c.query(`CREATE DATABASE ${scratch.registry}`));
    const db = openPostgres({ url: dbUrl, poolSize: 4, statementTimeoutMs: 600_000, log: silentLogger });
    let seedMs: number;
    let ori: string;
    let targets: { name: string; dob: string }[];
    try {
      await migrate(db);
      say(`seeding ${o.orders.toLocaleString('en-US')} orders into ${scratch.registry} ...`);
      const bar = progressBar('seeding');
      const t0 = Date.now();
      await seedRegistry(db, { orders: o.orders, seed: 1, asOf: localDate(new Date(), 'America/Los_Angeles'), onProgress: (d, t) => bar.update(d, t) });
      bar.done();
      seedMs = Date.now() - t0;
      const agency = await db.query<{ ori: string }>(`SELECT ori FROM agencies WHERE kind = 'LAW' ORDER BY ori LIMIT 1`);
      ori = agency.rows[0]!.ori;
      // A cheaper work factor for the benchmark's own user only: thousands of sign-ons would
      // otherwise measure scrypt, not the service.
      await db.query(`INSERT INTO users (name, role, ori, password_hash) VALUES ($1, 'OFFICER', $2, $3)`, [
        BENCH_USER, ori, await hashPassword(BENCH_PASSWORD, 1024),
      ]);
      const t = await db.query<{ name_norm: string; dob: string }>(
        `SELECT p.name_norm, to_char(p.dob, 'YYYYMMDD') AS dob FROM persons p JOIN orders o ON o.id = p.order_id
          WHERE o.status = 'ACTIVE' AND (o.exp IS NULL OR o.exp > current_date + 7) ORDER BY p.id LIMIT 2000`,
      );
      targets = t.rows.map((r) => ({ name: r.name_norm, dob: r.dob }));
    } finally {
      await db.close();
    }
    const son = `SON.${ori}.USR/${BENCH_USER}.PWD/${BENCH_PASSWORD}`;
    const load = (port: number, seconds: number, rate?: number) =>
      runLoad({ port, user: BENCH_USER, password: BENCH_PASSWORD, ori, names: targets }, { terminals: o.terminals, seconds, rate });

    const measure = async (label: string, withRedis: boolean): Promise<InquiryResult['cached']> => {
      const svc = await start(withRedis);
      try {
        say(`${label}: warming up`);
        await load(svc.port, 3);
        const rounds: Round[] = [];
        for (let i = 0; i < o.rounds; i++) {
          const r = toRound(await load(svc.port, o.seconds));
          say(`  ${label} round ${i + 1}: ${Math.round(r.perSecond)}/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  max ${r.maxMs} ms  errors ${r.errors}`);
          rounds.push(r);
        }
        const med = medianRound(rounds);
        // Latency where it means something: paced at half the maximum rate, not at saturation.
        const half = toRound(await load(svc.port, o.seconds, med.perSecond / 2));
        say(`  ${label} at half that rate (${Math.round(med.perSecond / 2)}/s): p50 ${half.p50Ms} ms  p99 ${half.p99Ms} ms  max ${half.maxMs} ms`);
        return { rounds, median: med, atHalfRate: half };
      } finally {
        await svc.stop();
      }
    };

    const cached = await measure('cached (Redis)', true);
    const uncached = await measure('uncached (PostgreSQL)', false);

    say(`idle: opening ${o.idle.toLocaleString('en-US')} signed-on terminals`);
    const svc = await start(true);
    let idle: InquiryResult['idle'];
    try {
      await sleep(1_000);
      const baselineBytes = svc.rssBytes();
      const held = await openIdleTerminals({ port: svc.port, count: o.idle, son });
      await sleep(3_000);
      const heldBytes = svc.rssBytes();
      held.close();
      idle = { terminals: held.count, failed: held.failed, baselineBytes, heldBytes, perTerminalBytes: Math.round((heldBytes - baselineBytes) / Math.max(1, held.count)) };
      say(`  ${held.count} held (${held.failed} failed): ${mb(heldBytes)} resident (${mb(baselineBytes)} before)`);
    } finally {
      await svc.stop();
    }

    say('ceilings: redis-benchmark -t get -c 50, pgbench -S -c 50');
    const redisGet = await redisBenchmark(redisUrl).catch((err: Error) => ({ skipped: err.message }));
    const pgb = await pgbench(url, scratch.pgbench, { concurrency: 50, pgbenchScale: 10, pgbenchSeconds: 10 }, admin)
      .then((p) => ({ perSecond: p.tps, p50Ms: p.p50Ms, p99Ms: p.p99Ms, clients: 50 }))
      .catch((err: Error) => ({ skipped: err.message }));

    return {
      when: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      options: o,
      seedMs,
      cached,
      uncached,
      idle,
      redisGet,
      pgbenchS: pgb,
    };
  } finally {
    for (const s of services) await s.stop().catch(() => {});
    await admin(async (c) => {
      for (const name of Object.values(scratch)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }).catch(() => {});
    await dropCacheKeys(redisUrl, prefix).catch(() => {});
  }
}

function toRound(r: LoadReport): Round {
  return { perSecond: r.perSecond, p50Ms: r.latency.p50, p90Ms: r.latency.p90, p99Ms: r.latency.p99, maxMs: r.latency.max, errors: r.errors, statuses: r.statuses };
}

function medianRound(rs: Round[]): Round {
  const m = (f: (r: Round) => number) => median(rs.map(f));
  return { perSecond: m((r) => r.perSecond), p50Ms: m((r) => r.p50Ms), p90Ms: m((r) => r.p90Ms), p99Ms: m((r) => r.p99Ms), maxMs: m((r) => r.maxMs), errors: rs.reduce((a, r) => a + r.errors, 0), statuses: rs[0]?.statuses ?? {} };
}

async function redisBenchmark(url: string): Promise<{ perSecond: number; p50Ms: number | null; clients: number }> {
  const u = new URL(url);
  const { stdout } = await run('redis-benchmark', ['-h', u.hostname, '-p', u.port || '6379', '-t', 'get', '-c', '50', '-n', '400000', '-q'], { maxBuffer: 1 << 20 });
  // "GET: 123456.79 requests per second, p50=0.207 msec"
  const line = stdout.split(/\r|\n/).filter((l) => l.startsWith('GET:')).pop() ?? '';
  const rps = /GET: ([\d.]+) requests per second/.exec(line);
  if (!rps) throw new Error(`unexpected redis-benchmark output: ${stdout.slice(-200)}`);
  const p50 = /p50=([\d.]+) msec/.exec(line);
  return { perSecond: Number(rps[1]), p50Ms: p50 ? Number(p50[1]) : null, clients: 50 };
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const range = (rs: Round[], f: (r: Round) => number, d = 2) => `${Math.min(...rs.map(f)).toFixed(d)}–${Math.max(...rs.map(f)).toFixed(d)}`;

export function formatInquiryResult(r: InquiryResult): string {
  const rows: string[] = [];
  const o = r.options;
  rows.push(`inquiry benchmark: ${o.orders.toLocaleString('en-US')} orders, ${o.terminals} terminals over TCP, ${o.workers} service process(es), median of ${o.rounds} rounds × ${o.seconds} s`);
  rows.push(`machine: ${r.machine.cpus} CPUs, ${r.machine.memoryGb} GB, Node ${r.machine.node}; seed ${(r.seedMs / 1000).toFixed(1)} s`);
  rows.push('');
  rows.push(`${''.padEnd(24)}${'per sec'.padStart(10)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}  errors  spread (per sec / p99)`);
  for (const [label, m] of [['cached inquiries', r.cached], ['uncached inquiries', r.uncached]] as const) {
    const x = m.median;
    const h = m.atHalfRate;
    rows.push(`${(label + ' ½ rate').padEnd(24)}${Math.round(h.perSecond).toLocaleString('en-US').padStart(10)}${h.p50Ms.toFixed(2).padStart(9)}${h.p90Ms.toFixed(2).padStart(9)}${h.p99Ms.toFixed(2).padStart(9)}${h.maxMs.toFixed(1).padStart(9)}  ${String(h.errors).padStart(6)}  paced at half the maximum`);
    rows.push(`${label.padEnd(24)}${Math.round(x.perSecond).toLocaleString('en-US').padStart(10)}${x.p50Ms.toFixed(2).padStart(9)}${x.p90Ms.toFixed(2).padStart(9)}${x.p99Ms.toFixed(2).padStart(9)}${x.maxMs.toFixed(1).padStart(9)}  ${String(x.errors).padStart(6)}  ${range(m.rounds, (q) => q.perSecond, 0)} / ${range(m.rounds, (q) => q.p99Ms)}`);
  }
  if ('skipped' in r.redisGet) rows.push(`redis-benchmark GET      skipped: ${r.redisGet.skipped}`);
  else rows.push(`${'redis-benchmark GET -c 50'.padEnd(24)}${Math.round(r.redisGet.perSecond).toLocaleString('en-US').padStart(10)}${(r.redisGet.p50Ms?.toFixed(2) ?? '-').padStart(9)}`);
  if ('skipped' in r.pgbenchS) rows.push(`pgbench -S               skipped: ${r.pgbenchS.skipped}`);
  else rows.push(`${'pgbench -S -c 50'.padEnd(24)}${Math.round(r.pgbenchS.perSecond).toLocaleString('en-US').padStart(10)}${r.pgbenchS.p50Ms.toFixed(2).padStart(9)}${''.padStart(9)}${r.pgbenchS.p99Ms.toFixed(2).padStart(9)}`);
  rows.push('');
  if (!('skipped' in r.redisGet)) {
    const ratio = r.cached.median.perSecond / r.redisGet.perSecond;
    rows.push(`cached inquiries / redis GET: ${(ratio * 100).toFixed(1)}%   target ≥ ${INQUIRY_TARGETS.cachedVsRedisGet * 100}%: ${ratio >= INQUIRY_TARGETS.cachedVsRedisGet ? 'met' : 'MISSED'}`);
  }
  if (!('skipped' in r.pgbenchS)) rows.push(`uncached inquiries / pgbench -S: ${((r.uncached.median.perSecond / r.pgbenchS.perSecond) * 100).toFixed(1)}%`);
  rows.push(`cached p99 at the maximum rate ${r.cached.median.p99Ms.toFixed(2)} ms, at half of it ${r.cached.atHalfRate.p99Ms.toFixed(2)} ms   target ≤ ${INQUIRY_TARGETS.p99Ms} ms: ${r.cached.median.p99Ms <= INQUIRY_TARGETS.p99Ms ? 'met' : r.cached.atHalfRate.p99Ms <= INQUIRY_TARGETS.p99Ms ? 'met at half rate only' : 'MISSED'}`);
  rows.push(`${r.idle.terminals.toLocaleString('en-US')} idle signed-on terminals: ${mb(r.idle.heldBytes)} resident (${mb(r.idle.baselineBytes)} before; ${(r.idle.perTerminalBytes / 1024).toFixed(1)} KiB each)   target < 1 GiB: ${r.idle.heldBytes < INQUIRY_TARGETS.idleBytes && r.idle.failed === 0 ? 'met' : 'MISSED'}`);
  return rows.join('\n');
}

export function saveInquiryResult(r: InquiryResult): string {
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `inquiry-${r.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}
