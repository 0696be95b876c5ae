// `npm run faults [-- case ...] [--json FILE]`: injects each fault into a running service and prints
// one PASS/FAIL line per case with what was measured (README.md beside this file). Exit status 1
// when a case fails, 2 on a usage mistake.
//
// The registry is embedded unless DATABASE_URL is set (then a new database on that server per case);
// the PostgreSQL restart always uses a private cluster (never the server on DATABASE_URL).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { carposOutage } from './carpos-outage.ts';
import { halfOpen } from './half-open.ts';
import { idleConnections } from './idle-connections.ts';
import { postgresRestart } from './postgres-restart.ts';
import { redisKilled } from './redis-killed.ts';
import { formatResult, type FaultResult } from './report.ts';
import { serviceKilled } from './service-killed.ts';
import { vanishedDelivery } from './vanished-delivery.ts';

const databaseUrl = process.env.DATABASE_URL || undefined;

const CASES: Record<string, { what: string; run: () => Promise<FaultResult> }> = {
  'redis-killed': {
    what: 'a. Redis SIGKILLed under inquiry load, restarted empty',
    run: () => redisKilled({ databaseUrl, officers: 6, beforeMs: 4_000, downMs: 6_000, afterMs: 10_000, minAfterMs: 4_000 }),
  },
  'postgres-restart': {
    what: 'b. a private PostgreSQL cluster crashed (pg_ctl -m immediate) under load, started again',
    run: () => postgresRestart({ officers: 4, clerks: 2, beforeMs: 4_000, downMs: 6_000, afterMs: 8_000, mode: 'immediate' }),
  },
  'carpos-outage': {
    what: 'c. the CARPOS simulator SIGKILLed with answers in flight, restarted with its data',
    run: () => carposOutage({ databaseUrl, beforeMs: 4_000, downMs: 8_000, drainMs: 60_000, retryBaseMs: 1_000, retryCapMs: 10_000 }),
  },
  'service-killed': {
    what: 'd. the service SIGKILLed while clerks enter orders, restarted',
    run: () => serviceKilled({ databaseUrl, clerks: 3, acksBeforeKill: 40, sqlChecks: true }),
  },
  'idle-connections': {
    what: 'e. idle, vanished (no FIN) and non-reading connections reclaimed by the idle close',
    // Idle close 24 s: long enough for every quiet connection to be signed on before the first goes.
    run: () => idleConnections({ databaseUrl, idle: 500, signedOnIdle: 5, vanished: 10, stalled: 3, idleCloseMinutes: 0.4, rounds: 4 }),
  },
  'vanished-delivery': {
    what: 'e. an AM for an agency whose only terminal vanished without a FIN (store and forward)',
    run: () => vanishedDelivery({ databaseUrl, waitMs: 8_000 }),
  },
  'half-open': {
    what: 'e. a peer that vanishes for real (network namespace, link down): TCP retransmission and keepalive',
    run: () => halfOpen({ waitForKeepalive: !process.argv.includes('--quick') }),
  },
};

const USAGE = `usage: npm run faults -- [${Object.keys(CASES).join(' | ')} ...] [--quick] [--json FILE]
${Object.entries(CASES)
  .map(([k, c]) => `  ${k.padEnd(18)} ${c.what}`)
  .join('\n')}
  --quick   half-open: check that keepalive runs without waiting for it to give up (70 s)
Registry: embedded, or a new database on DATABASE_URL per case. Results also go to bench/results/.`;

async function main(argv: string[]): Promise<number> {
  const chosen: string[] = [];
  let jsonFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (a === '--quick') continue;
    if (a === '--json') {
      jsonFile = argv[++i];
      if (!jsonFile) {
        process.stderr.write('faults: --json needs a file name\n');
        return 2;
      }
      continue;
    }
    if (!(a in CASES)) {
      process.stderr.write(`faults: no case '${a}'\n\n${USAGE}\n`);
      return 2;
    }
    chosen.push(a);
  }
  const names = chosen.length ? chosen : Object.keys(CASES);
  process.stdout.write(`fault injection: ${names.length} case(s); registry ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded'}; ${os.cpus().length} CPUs\n\n`);
  const results: FaultResult[] = [];
  for (const name of names) {
    process.stdout.write(`${name}: ${CASES[name]!.what} ...\n`);
    const r = await CASES[name]!.run();
    results.push(r);
    process.stdout.write(formatResult(r) + '\n\n');
  }
  const failed = results.filter((r) => !r.pass);
  process.stdout.write(`${results.length - failed.length} of ${results.length} passed${failed.length ? `; FAILED: ${failed.map((r) => r.id).join(', ')}` : ''}\n`);
  const out = { when: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, registry: databaseUrl ? 'postgres' : 'embedded', results };
  const dir = new URL('../results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const file = jsonFile ?? join(dir, `faults-${out.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`results: ${file}\n`);
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`faults: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
