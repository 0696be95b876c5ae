// The whole suite, as `npm test` runs it (after the type check): every *.test.ts under test/ and
// protocol/, in two runs of node's test runner, one after the other.
//
// - ALONE: files that measure time, latency or memory, or fail servers over against time limits,
//   and the load tools that keep both cores busy. One at a time, with nothing beside them: what
//   they measure is only theirs.
// - Every other file, two at a time. Each file has a database, data directory, Redis key prefix
//   and ports of its own (test/support/backends.ts, service.ts), and servers it stops or kills are
//   private ones, so files running side by side never see each other.
//
// Arguments are passed to both runs (e.g. `npm test -- --test-reporter=tap`). A new test file
// joins the parallel run by itself; one that measures time belongs in ALONE.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;

const ALONE = [
  'test/faults/faults.test.ts', // recovery within 5 s, idle connections reclaimed against the clock
  'test/scaling/replica.test.ts', // replica lag bounds of 300 ms, replay paused and resumed at random
  'test/scaling/redis-sentinel.test.ts', // failover against time limits
  'test/simulators/fuzz.test.ts', // seconds of fuzzing that keep both cores busy; 2 s reply time-outs
  'test/simulators/mdt.test.ts', // load mode throughput and rate limits, service memory sampled
  'test/simulators/soak.test.ts', // latency per interval under load
];

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const all = [...testFiles('test'), ...testFiles('protocol')].sort();
for (const f of ALONE) if (!existsSync(join(ROOT, f))) throw new Error(`test/run.ts names ${f}, which does not exist`);
const parallel = all.filter((f) => !ALONE.includes(f));

function run(what: string, concurrency: number, files: string[]): number {
  process.stdout.write(`\n# ${what}: ${files.length} files, ${concurrency} at a time\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...process.argv.slice(2), ...files], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // Interrupted (Ctrl-C, a CI time-out): stop here rather than start the other run.
  if (r.signal) process.exit(128 + (constants.signals[r.signal] ?? 0));
  return r.status ?? 1;
}

const alone = run('alone', 1, ALONE);
const rest = run('side by side', 2, parallel);
process.stdout.write(`\n# suite: ${alone || rest ? 'FAILED' : 'passed'} (alone: exit ${alone}, side by side: exit ${rest})\n`);
process.exitCode = alone || rest;
