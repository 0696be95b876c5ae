// A scripted demonstration of inquiries on a streaming replica (docs/SCALING.md):
//
//   node --import tsx bench/replica-demo.ts [--orders 200] [--inquiries 400] [--workers 2]
//
// Makes a private PostgreSQL primary and a `pg_basebackup -R` streaming standby on free ports, a
// private Redis, and runs `ccpor serve` (several worker processes) with DATABASE_URL = primary and
// DATABASE_READ_URL = standby. Then, over TCP like any terminal:
//  1. a clerk enters orders; officers ask about them — pg_stat_statements on each server counts
//     where the inquiries ran, and how long the standby takes to apply a write;
//  2. the standby's replay is paused; the clerk enters one more order and is acknowledged; the
//     standby does not have it, yet the clerk and an officer both get a HIT (from the primary),
//     while inquiries about other people still run on the standby;
//  3. replay resumes; the standby answers again.
// Everything it starts it stops, and its temp directories go. Needs PostgreSQL 15+ server
// binaries and redis-server; the machine's own PostgreSQL and Redis are not touched.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { addAgency, addUser } from '../db/accounts.ts';
import { migrate } from '../db/migrate.ts';
import { noCache } from '../db/cache/cache.ts';
import type { Database } from '../db/database.ts';
import { openPostgres } from '../db/pg-database.ts';
import { primaryFloor, ReadRouter, redisPositions } from '../db/read-routing.ts';
import { Registry } from '../db/registry.ts';
import { silentLogger } from '../src/log.ts';
import { PrivateRedis } from '../test/support/redis-server.ts';
import { spawnService, type ServiceChild } from '../test/support/service-process.ts';
import { TestTerminal } from '../test/support/terminal.ts';
import { pairUnavailable, StreamingPair } from '../test/scaling/pg-pair.ts';

const COURT = 'CA019015J';
const POLICE = 'CA0194200';
const PASSWORD = 'Correct-Horse-7';
// Text only the inquiry statements have (pg_stat_statements keeps it).
const INQUIRY_SQL = 'JOIN persons p ON p.order_id = o.id\n WHERE $1::boolean OR';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} needs a whole number`);
  return n;
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const why = pairUnavailable();
  if (why) throw new Error(why);
  const orders = flag('orders', 200);
  const inquiries = flag('inquiries', 400);
  const workers = flag('workers', 2);
  const t0 = performance.now();
  let pair: StreamingPair | undefined;
  let redis: PrivateRedis | undefined;
  let svc: ServiceChild | undefined;
  const terminals: TestTerminal[] = [];
  try {
    say('== setting up');
    pair = await StreamingPair.start({ log: (l) => say(`  ${l}`) });
    redis = await PrivateRedis.start();
    say(`  redis on ${redis.url}`);
    const admin = openPostgres({ url: pair.primaryUrl, poolSize: 2, statementTimeoutMs: 30_000, log: silentLogger });
    await migrate(admin);
    await addAgency(admin, { ori: COURT, name: 'LOS ANGELES SUPERIOR COURT', kind: 'COURT', carposCode: '190' });
    await addAgency(admin, { ori: POLICE, name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW' });
    await addUser(admin, { name: 'CLERK1', role: 'CLERK', ori: COURT, password: PASSWORD });
    await addUser(admin, { name: 'OFFICER1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    await admin.close();
    svc = await spawnService({
      DATABASE_URL: pair.primaryUrl,
      DATABASE_READ_URL: pair.replicaUrl,
      REDIS_URL: redis.url,
      CCPOR_WORKERS: String(workers),
      CCPOR_RATE_BURST: '100000',
      CCPOR_RATE_PER_SECOND: '100000',
    });
    say(`  ccpor serve: ${workers} worker processes on 127.0.0.1:${svc.port}, DATABASE_URL=primary, DATABASE_READ_URL=standby, REDIS_URL=private`);

    const clerk = await TestTerminal.connect(svc.port);
    const officers = await Promise.all([1, 2, 3, 4].map(() => TestTerminal.connect(svc!.port)));
    terminals.push(clerk, ...officers);
    const must = async (t: TestTerminal, msg: string, want: string) => {
      const r = await t.send(msg);
      if (r.status !== want) throw new Error(`${msg.slice(0, 40)}...: ${r.status} (wanted ${want}) ${r.lines.join(' | ')}`);
      return r;
    };
    await must(clerk, `SON.${COURT}.USR/CLERK1.PWD/${PASSWORD}`, 'ACK');
    for (const o of officers) await must(o, `SON.${POLICE}.USR/OFFICER1.PWD/${PASSWORD}`, 'ACK');

    // ---- 1. where inquiries run ---------------------------------------------------------------
    say(`\n== 1. ${orders} orders entered by the clerk, ${inquiries} officer inquiries`);
    const person = (i: number) => ({ nam: `DEMO, PERSON${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26) % 26)}`, dob: `19${60 + (i % 30)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}` });
    const epo = (i: number, p: { nam: string; dob: string }) =>
      `EPO.${COURT}.NAM/${p.nam}.SEX/M.RAC/W.DOB/${p.dob}.TYP/DVRO.OCA/DM-${i}.ISD/20260101.EXP/20290101.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505`;
    for (let i = 0; i < orders; i++) await must(clerk, epo(i, person(i)), 'ACK');
    // How long the standby takes to apply a write: commit on the primary, poll the standby.
    const pc = new pg.Client({ connectionString: pair.primaryUrl });
    const rc = new pg.Client({ connectionString: pair.replicaUrl });
    await pc.connect();
    await rc.connect();
    const applyMs: number[] = [];
    try {
      await pc.query(`CREATE TABLE demo_ping (n int)`);
      for (let i = 0; i < 20; i++) {
        const { rows } = await pc.query<{ lsn: string }>(`WITH w AS (INSERT INTO demo_ping VALUES ($1)) SELECT 1`, [i]).then(() =>
          pc.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`),
        );
        const t = performance.now();
        for (;;) {
          const r = await rc.query<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [rows[0]!.lsn]);
          if (r.rows[0]?.ok) break;
        }
        applyMs.push(performance.now() - t);
      }
      await pc.query(`DROP TABLE demo_ping`);
    } finally {
      await pc.end();
      await rc.end();
    }
    say(`  standby has applied a committed write after: median ${pct(applyMs, 50).toFixed(2)} ms, max ${Math.max(...applyMs).toFixed(2)} ms (20 writes; polled back to back)`);
    await pair.waitStreaming();
    const before1 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    const lat: number[] = [];
    let hits = 0;
    await Promise.all(
      officers.map(async (o, w) => {
        for (let i = w; i < inquiries; i += officers.length) {
          const p = person(i % orders);
          const t = performance.now();
          const r = await o.send(`QPO.${POLICE}.NAM/${p.nam}.DOB/${p.dob}`);
          lat.push(performance.now() - t);
          if (r.status === 'HIT') hits++;
        }
      }),
    );
    const after1 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    const onStandby = after1.standby - before1.standby;
    const onPrimary = after1.primary - before1.primary;
    say(`  ${hits}/${inquiries} HIT; latency p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms (4 terminals, answers cached in Redis after the first)`);
    say(`  inquiry statements run (pg_stat_statements): standby ${onStandby}, primary ${onPrimary}; the rest were cache hits`);

    // ---- 2. replay paused --------------------------------------------------------------------
    say('\n== 2. the standby\'s replay paused (pg_wal_replay_pause), then one more entry');
    await pair.pauseReplay();
    const newcomer = { nam: 'PAUSED, PAULA', dob: '19770707' };
    const other = person(1);
    const officer = officers[0]!;
    // An officer asks first (NREC is cached), then the clerk enters the order and is acknowledged.
    const nrec = await officer.send(`QPO.${POLICE}.NAM/${newcomer.nam}.DOB/${newcomer.dob}`);
    const ack = await must(clerk, epo(orders, newcomer), 'ACK');
    const pno = /PNO\/(PO\d{10})/.exec(ack.lines.join(' '))?.[1] ?? '?';
    const onStandbyRows = await pair.replicaSql(`SELECT 1 FROM persons WHERE name_norm = $1`, [newcomer.nam]);
    const onPrimaryRows = await pair.primarySql(`SELECT 1 FROM persons WHERE name_norm = $1`, [newcomer.nam]);
    const before2 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    say(`  before the entry the officer got ${nrec.status}; clerk's EPO: ${ack.status} ${pno}`);
    say(`  rows for ${newcomer.nam}: primary ${onPrimaryRows.length}, standby ${onStandbyRows.length} (the standby is behind)`);
    const officerAfter = await officer.send(`QPO.${POLICE}.NAM/${newcomer.nam}.DOB/${newcomer.dob}`);
    const clerkAfter = await clerk.send(`QPO.${COURT}.NAM/${newcomer.nam}.DOB/${newcomer.dob}`);
    const mid2 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    say(`  after the ACK the officer asks first: ${officerAfter.status}, then the clerk: ${clerkAfter.status}; inquiry statements: primary +${mid2.primary - before2.primary}, standby +${mid2.standby - before2.standby} (the clerk's answer is the officer's, from the cache)`);
    // Another officer asks about someone else: nothing about that person changed; still the standby.
    const unrelated = await officers[1]!.send(`QPO.${POLICE}.NAM/${other.nam}.DOB/19000101`);
    const after2 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    say(`  an officer asking about someone else (${unrelated.status}): primary +${after2.primary - mid2.primary}, standby +${after2.standby - mid2.standby}`);
    // The court that wrote reads the primary for anything until the standby has its write.
    await clerk.send(`QPO.${COURT}.NAM/${other.nam}.DOB/19000102`);
    const after2b = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    say(`  the clerk asking about someone else: primary +${after2b.primary - after2.primary}, standby +${after2b.standby - after2.standby} (read-your-writes by agency)`);

    // ---- 3. replay resumed -------------------------------------------------------------------
    say('\n== 3. replay resumed');
    await pair.resumeReplay();
    await pair.waitStreaming();
    const standbyRows = await pair.replicaSql(`SELECT 1 FROM persons WHERE name_norm = $1`, [newcomer.nam]);
    await clerk.send(`QPO.${COURT}.NAM/${other.nam}.DOB/19000103`);
    const after3 = { primary: await pair.statementCalls(pair.primaryPort, INQUIRY_SQL), standby: await pair.statementCalls(pair.replicaPort, INQUIRY_SQL) };
    say(`  standby rows for ${newcomer.nam}: ${standbyRows.length}; the clerk's next uncached inquiry: primary +${after3.primary - after2b.primary}, standby +${after3.standby - after2b.standby}`);

    // ---- 4. what routing costs an uncached inquiry ------------------------------------------
    say('\n== 4. one uncached name+DOB inquiry, in process, one at a time (no cache: every one reads a database)');
    const rounds = Math.min(orders, 200);
    const measure = async (label: string, routing: (db: Database) => Promise<ReadRouter | undefined>) => {
      const db = openPostgres({ url: pair!.primaryUrl, poolSize: 2, statementTimeoutMs: 30_000, log: silentLogger });
      const reads = await routing(db);
      const r = new Registry({ db, cache: noCache, reads });
      try {
        for (let i = 0; i < 20; i++) await r.findOrdersForRestrainedPerson({ name: person(i).nam, dob: person(i).dob, ori: POLICE }); // warm up
        const ms: number[] = [];
        for (let i = 0; i < rounds; i++) {
          const t = performance.now();
          await r.findOrdersForRestrainedPerson({ name: person(i).nam, dob: person(i).dob, ori: POLICE });
          ms.push(performance.now() - t);
        }
        const where = reads ? `replica ${reads.stats.replica}, primary ${rounds + 20 - reads.stats.replica}` : `primary ${rounds + 20}`;
        say(`  ${label.padEnd(52)} p50 ${pct(ms, 50).toFixed(2)} ms  p90 ${pct(ms, 90).toFixed(2)} ms  (${where})`);
      } finally {
        await r.close();
      }
    };
    const routerWith = (positions: 'redis' | 'primary') => async (primary: Database) => {
      const replica = openPostgres({ url: pair!.replicaUrl, poolSize: 2, statementTimeoutMs: 30_000, log: silentLogger });
      const pos = positions === 'redis' ? redisPositions({ target: redis!.url, prefix: 'demo:', primary, log: silentLogger }) : primaryFloor(primary);
      const router = new ReadRouter(primary, [{ name: 'standby', db: replica }], pos, { maxLagMs: 2_000, checkMs: 500, log: silentLogger });
      await router.start();
      for (let i = 0; i < 100 && (await pos.floor({ bucket: 'x' })) === null; i++) await new Promise((r) => setTimeout(r, 20));
      return router;
    };
    await measure('primary only (DATABASE_READ_URL unset)', async () => undefined);
    await measure('standby, write positions in Redis', routerWith('redis'));
    await measure('standby, position asked of the primary (no Redis)', routerWith('primary'));

    const ok = onStandby > 0 && onPrimary === 0 && officerAfter.status === 'HIT' && clerkAfter.status === 'HIT' && onStandbyRows.length === 0 && after2.standby - mid2.standby === 1;
    say(`\n${ok ? 'OK' : 'UNEXPECTED'}: ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const t of terminals) t.close();
    await svc?.stop();
    await redis?.stop();
    await pair?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`replica-demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
