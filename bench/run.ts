// Benchmarks: `npm run bench -- [suite...] [--orders N] [--terminals N] [--seconds N] ...`.
// With no suite named, runs `service` (docs/PERFORMANCE.md). Needs DATABASE_URL (a real
// PostgreSQL) and REDIS_URL.
import { benchRegistry, formatResult, saveResult } from './registry.ts';
import { benchService, formatServiceResult, saveServiceResult } from './service.ts';

interface Flags {
  orders: number;
  terminals: number;
  seconds: number;
  idle: number;
  workers: number;
  rounds: number;
  lookups: number;
  concurrency: number;
}

const SUITES: Record<string, (f: Flags) => Promise<void>> = {
  async registry(f) {
    const result = await benchRegistry(f);
    process.stdout.write('\n' + formatResult(result) + '\n');
    process.stdout.write(`\nresults: ${saveResult(result)}\n`);
  },
  async service(f) {
    const result = await benchService({ orders: f.orders, terminals: f.terminals, seconds: f.seconds, rounds: f.rounds, idle: f.idle, workers: f.workers });
    process.stdout.write('\n' + formatServiceResult(result) + '\n');
    const saved = saveServiceResult(result);
    process.stdout.write(`\nresults: ${saved.json}\nchart:   ${saved.svg}\n`);
  },
};

// `inquiry` was the service suite's first name (issue 3).
SUITES.inquiry = SUITES.service!;

const USAGE = `usage: npm run bench -- [service|registry] [options]
  service    (the default) the service on a seeded registry (--orders, 1,000,000): --terminals (200) over TCP
             for --rounds (3) of --seconds (10): cached and uncached inquiries by name+DOB and by PNO, each
             also paced at half its rate; order entries; --idle (20,000) signed-on idle terminals' memory;
             --workers (2) service processes; ceilings redis-benchmark -t get and pgbench -S at the same
             connection count. Table on stdout, JSON and SVG chart in bench/results/. Needs DATABASE_URL, REDIS_URL
  registry   the registry alone, in process: seed time, name+DOB inquiries uncached and cached (--lookups,
             --concurrency), EXPLAIN of every inquiry form, pgbench -S; needs DATABASE_URL, uses REDIS_URL`;

class UsageError extends Error {}

function parse(argv: string[]): { suites: string[]; flags: Flags } {
  // Two concurrent inquiries: one per core of the reference machine, so latency is measured below
  // saturation (at 4 on 2 cores the p99 is queueing: see the closing note of issue 2).
  const flags: Flags = { orders: 1_000_000, rounds: 3, lookups: 5_000, concurrency: 2, terminals: 200, seconds: 10, idle: 20_000, workers: 2 };
  const suites: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') throw new UsageError('');
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      if (!(arg in SUITES)) throw new UsageError(`no benchmark suite '${arg}'`);
      suites.push(arg);
      continue;
    }
    const name = m[1]!;
    if (!(name in flags)) throw new UsageError(`unknown option --${name}`);
    const value = m[2] ?? argv[++i];
    const n = Number(value?.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} needs a whole number, not ${value ?? 'nothing'}`);
    flags[name as keyof Flags] = n;
  }
  return { suites: suites.length ? suites : ['service'], flags };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`bench: ${err.message}\n`);
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    process.stderr.write('bench: set DATABASE_URL to a PostgreSQL server (e.g. postgres://user@127.0.0.1:5432/postgres); ' +
      'the benchmarks create and drop scratch databases there. REDIS_URL, when set, is used for the cached inquiries.\n');
    return 2;
  }
  for (const suite of parsed.suites) await SUITES[suite]!(parsed.flags);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
