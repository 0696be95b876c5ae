// Inquiries on a real streaming replica (a private primary and a `pg_basebackup -R` standby on
// this machine): they are answered by the replica, and no agency ever gets an answer older than a
// write it was told about — also while the standby's replay is paused, while it is down, and
// through the Redis cache.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisCache } from '../../db/cache/redis-cache.ts';
import { noCache, type InquiryCache } from '../../db/cache/cache.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { openReadRouter } from '../../db/open.ts';
import { openPostgres } from '../../db/pg-database.ts';
import type { ReadRouter } from '../../db/read-routing.ts';
import { Registry } from '../../db/registry.ts';
import type { RedisTarget } from '../../db/redis-connection.ts';
import { silentLogger } from '../../src/log.ts';
import type { Backend } from '../support/backends.ts';
import { TEST_NOW } from '../support/backends.ts';
import { addTestAgencies, CLERK, COURT, entry, POLICE } from '../support/fixtures.ts';
import { hasRedisServer, PrivateRedis } from '../support/redis-server.ts';
import { son, startTestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';
import { pairUnavailable, StreamingPair } from './pg-pair.ts';

const unavailable = pairUnavailable();
const haveRedis = await hasRedisServer();
// The text every inquiry statement has and nothing else we run (pg_stat_statements keeps it).
const INQUIRY_SQL = 'JOIN persons p ON p.order_id = o.id\n WHERE $1::boolean OR';

describe('inquiries on a streaming replica', { skip: unavailable ?? false, timeout: 120_000 }, () => {
  let pair: StreamingPair;
  let redis: PrivateRedis | undefined;
  let admin: Database;
  const opened: Registry[] = [];
  let prefixNo = 0;

  before(async () => {
    pair = await StreamingPair.start();
    admin = openPostgres({ url: pair.primaryUrl, poolSize: 2, statementTimeoutMs: 10_000, log: silentLogger });
    await migrate(admin);
    await addTestAgencies(admin);
    if (haveRedis) redis = await PrivateRedis.start();
    await pair.waitStreaming();
  });
  after(async () => {
    for (const r of opened) await r.close().catch(() => {});
    await admin?.close();
    await redis?.stop();
    await pair?.stop();
  });

  /** A registry as the service opens it: primary, replica, write positions in Redis or asked of the primary. */
  async function registry(o: { positions: 'redis' | 'primary'; cache?: boolean; maxLagMs?: number; checkMs?: number }): Promise<Registry & { reads: ReadRouter }> {
    const db = openPostgres({ url: pair.primaryUrl, poolSize: 4, statementTimeoutMs: 10_000, log: silentLogger });
    const target: RedisTarget | undefined = o.positions === 'redis' ? { kind: 'url', url: redis!.url } : undefined;
    const cachePrefix = `t${process.pid}x${++prefixNo}:`;
    const reads = await openReadRouter(
      {
        databaseUrl: pair.primaryUrl, dataDir: '', dbPoolSize: 4, dbStatementTimeoutMs: 10_000, redis: target, cachePrefix, cacheTtlSeconds: 600,
        databaseReadUrls: [pair.replicaUrl], replicaMaxLagMs: o.maxLagMs ?? 5_000, replicaCheckMs: o.checkMs ?? 200,
      },
      db,
      silentLogger,
    );
    assert.ok(reads, 'a read router with DATABASE_READ_URL');
    const cache: InquiryCache = o.cache ? createRedisCache({ url: target!, prefix: cachePrefix, ttlSeconds: 600, log: silentLogger }) : noCache;
    const r = new Registry({ db, cache, reads, now: () => TEST_NOW });
    opened.push(r);
    // The write positions are trusted once this process has raised the epoch after connecting.
    await until(async () => reads.positions.kind === 'primary' || (await reads.positions.floor({ bucket: 'probe' })) !== null, 'positions trusted');
    if (o.cache) await until(async () => (await cache.get('probe', 'probe')) !== null, 'cache usable');
    return r as Registry & { reads: ReadRouter };
  }

  const byPno = (r: Registry, pno: string, ori: string) => r.findOrderByPno(pno, { ori }).then((f) => f[0]);
  const onReplica = async (pno: string) =>
    (await pair.replicaSql<{ version: number; mis: string | null }>(`SELECT version, mis FROM orders WHERE pno = $1`, [pno]))[0];

  test('inquiries are answered by the replica; the primary runs none of them', async () => {
    const r = await registry({ positions: 'redis' });
    const people = [];
    for (let i = 0; i < 5; i++) {
      const e = entry({ restrained: { name: `REPLICA, READ${'ABCDE'[i]}`, dob: `1971010${i + 1}` } });
      await r.enterOrder(e, CLERK);
      people.push(e.restrained);
    }
    await pair.waitStreaming();
    const primaryBefore = await pair.statementCalls(pair.primaryPort, INQUIRY_SQL);
    const replicaBefore = await pair.statementCalls(pair.replicaPort, INQUIRY_SQL);
    for (let round = 0; round < 4; round++) {
      for (const p of people) {
        const found = await r.findOrdersForRestrainedPerson({ name: p.name, dob: p.dob, ori: POLICE });
        assert.equal(found.length, 1);
      }
    }
    const onPrimary = (await pair.statementCalls(pair.primaryPort, INQUIRY_SQL)) - primaryBefore;
    const onStandby = (await pair.statementCalls(pair.replicaPort, INQUIRY_SQL)) - replicaBefore;
    assert.equal(onStandby, 20, 'all 20 inquiries ran on the standby (pg_stat_statements)');
    assert.equal(onPrimary, 0, 'none ran on the primary');
    assert.equal(r.reads.stats.replica, 20);
  });

  test('replay paused: the writing court reads the primary and sees its change; the replica still has the old state', async () => {
    for (const positions of ['redis', 'primary'] as const) {
      if (positions === 'redis' && !redis) continue;
      const r = await registry({ positions });
      const a = await r.enterOrder(entry({ restrained: { name: 'PAUSED, ALICE', dob: '19720202' } }), CLERK);
      const b = await r.enterOrder(entry({ restrained: { name: 'UNTOUCHED, BOB', dob: '19720303' } }), CLERK);
      await pair.waitStreaming();
      await pair.pauseReplay();
      try {
        const { version } = await r.modifyOrder(a.pno, { mis: 'CHANGED WHILE PAUSED' }, CLERK, 1);
        assert.equal(version, 2);
        assert.deepEqual(await onReplica(a.pno), { version: 1, mis: null }, 'the standby has not applied the change');

        const before = { ...r.reads.stats.primary };
        const court = await byPno(r, a.pno, COURT);
        assert.equal(court?.version, 2, `${positions}: the court sees its own change`);
        assert.equal(court?.mis, 'CHANGED WHILE PAUSED');
        // Another agency asking about the changed order after it was acknowledged sees it too.
        assert.equal((await byPno(r, a.pno, POLICE))?.version, 2, `${positions}: an officer asking after the change sees it`);
        assert.equal(r.reads.stats.primary.behind, before.behind + 2, 'both were sent to the primary: the replica is behind');

        if (positions === 'redis') {
          // Nothing changed about B: the officer's inquiry still goes to the paused replica ...
          const replicaBefore = r.reads.stats.replica;
          assert.equal((await byPno(r, b.pno, POLICE))?.version, 1);
          assert.equal(r.reads.stats.replica, replicaBefore + 1, 'an agency that wrote nothing reads the replica');
          // ... while the court that just wrote reads the primary for anything (read-your-writes by agency).
          assert.equal((await byPno(r, b.pno, COURT))?.version, 1);
          assert.equal(r.reads.stats.primary.behind, before.behind + 3, 'the court that wrote reads the primary until the replica has its write');
        }
      } finally {
        await pair.resumeReplay();
      }
      // Once replayed, the court reads the replica again (asked until then: the primary may write
      // WAL of its own, a standby snapshot, just after we looked).
      const replicaBefore = r.reads.stats.replica;
      await until(async () => (await byPno(r, a.pno, COURT))?.version === 2 && r.reads.stats.replica > replicaBefore, `${positions}: the court back on the replica`);
    }
  });

  test('the cache is never filled with the paused replica\'s old answer', { skip: !haveRedis && 'needs redis-server' }, async () => {
    const r = await registry({ positions: 'redis', cache: true });
    const a = await r.enterOrder(entry({ restrained: { name: 'CACHED, CAROL', dob: '19730404' } }), CLERK);
    await pair.waitStreaming();
    await pair.pauseReplay();
    try {
      assert.equal((await byPno(r, a.pno, POLICE))?.version, 1, 'cached from the replica');
      await r.modifyOrder(a.pno, { mis: 'AFTER THE CACHE' }, CLERK, 1);
      assert.equal((await onReplica(a.pno))?.version, 1, 'the standby still has version 1');
      // The officer asks first, on a cache miss: a replica answer here would be cached as
      // version 1 and then served to the court that was told its change was made.
      assert.equal((await byPno(r, a.pno, POLICE))?.version, 2);
      const cached = await r.cache.get(`o:${a.pno}`, 'false');
      assert.ok(cached?.value, 'the answer was cached');
      assert.equal((JSON.parse(cached.value) as { version: number }[])[0]?.version, 2, 'what was cached is the new state');
      assert.equal((await byPno(r, a.pno, COURT))?.version, 2);
    } finally {
      await pair.resumeReplay();
    }
  });

  test('no answer is older than a write acknowledged before it was asked, whatever the replica does', async (t) => {
    const variants = redis
      ? [{ positions: 'redis', cache: true }, { positions: 'redis', cache: false }, { positions: 'primary', cache: false }] as const
      : [{ positions: 'primary', cache: false }] as const;
    for (const v of variants) {
      const r = await registry(v);
      const a = await r.enterOrder(entry({ restrained: { name: 'RACING, RITA', dob: '19740505' } }), CLERK);
      let acked = 1;
      let stop = false;
      let violations = 0;
      let checks = 0;
      const ends = Date.now() + 2_000;
      // The standby's replay stops and starts at random while a court writes and an officer asks.
      const toggler = (async () => {
        while (Date.now() < ends) {
          await pair.pauseReplay();
          await sleep(50 + Math.random() * 200);
          await pair.resumeReplay();
          await sleep(20 + Math.random() * 100);
        }
        stop = true;
      })();
      const writer = (async () => {
        while (!stop) {
          const { version } = await r.modifyOrder(a.pno, { mis: `V${acked + 1}` }, CLERK, acked);
          acked = version;
          // The court asks right after its acknowledgement.
          const seen = (await byPno(r, a.pno, COURT))?.version ?? 0;
          checks++;
          if (seen < version) violations++;
          await sleep(Math.random() * 30);
        }
      })();
      const reader = (async () => {
        while (!stop) {
          const known = acked; // acknowledged before this inquiry began
          const seen = (await byPno(r, a.pno, POLICE))?.version ?? 0;
          checks++;
          if (seen < known) violations++;
        }
      })();
      await Promise.all([toggler, writer, reader]);
      await pair.resumeReplay();
      const s = r.reads.stats;
      const what = `positions ${v.positions}, cache ${v.cache ? 'redis' : 'none'}`;
      t.diagnostic(`${what}: ${acked - 1} changes, ${checks} answers checked; from the replica ${s.replica}, from the primary ${JSON.stringify(s.primary)}`);
      assert.ok(acked > 3, `${what}: the court made ${acked - 1} changes`);
      assert.equal(violations, 0, `${what}: ${violations} of ${checks} answers were older than an acknowledged write`);
      assert.ok(s.primary.behind > 0, `${what}: some inquiries found the replica behind and went to the primary`);
      assert.ok(s.replica > 0, `${what}: some inquiries were answered by the replica`);
    }
  });

  test('a replica that stops: inquiries are answered by the primary, and by the replica again once it is back', async () => {
    const r = await registry({ positions: redis ? 'redis' : 'primary', checkMs: 100 });
    const a = await r.enterOrder(entry({ restrained: { name: 'DOWNTIME, DAN', dob: '19750606' } }), CLERK);
    await pair.waitStreaming();
    await pair.stopReplica();
    try {
      for (let i = 0; i < 5; i++) assert.equal((await byPno(r, a.pno, POLICE))?.pno, a.pno, 'answered while the replica is down');
      assert.equal(r.reads.replicaStates()[0]?.up, false);
      assert.equal(r.reads.stats.replica, 0);
    } finally {
      await pair.startReplica();
    }
    await pair.waitStreaming();
    await until(async () => r.reads.replicaStates()[0]?.up === true, 'replica seen up again');
    await byPno(r, a.pno, POLICE);
    assert.equal(r.reads.stats.replica, 1, 'back on the replica');
  });

  test('a replica further behind than the bound is not read from at all', async () => {
    const r = await registry({ positions: redis ? 'redis' : 'primary', maxLagMs: 300, checkMs: 100 });
    const a = await r.enterOrder(entry({ restrained: { name: 'LAGGING, LEO', dob: '19760707' } }), CLERK);
    await pair.waitStreaming();
    await pair.pauseReplay();
    try {
      await r.modifyOrder(a.pno, { mis: 'PRIMARY MOVES ON' }, { user: 'CLERK1', ori: COURT }, 1);
      await until(async () => (r.reads.replicaStates()[0]?.lagMs ?? 0) > 300, 'lag past the bound', 3_000);
      const before = r.reads.stats.primary.noReplica;
      // An inquiry nobody wrote to, by an agency that wrote nothing: still not the lagging replica.
      await r.findOrdersForRestrainedPerson({ name: 'NOBODY, NED', dob: '19990101', ori: POLICE });
      assert.equal(r.reads.stats.primary.noReplica, before + 1);
      assert.equal(r.reads.stats.replica, 0);
    } finally {
      await pair.resumeReplay();
    }
    await until(async () => (r.reads.replicaStates()[0]?.lagMs ?? Infinity) <= 300, 'caught up');
    await r.findOrdersForRestrainedPerson({ name: 'NOBODY, NED', dob: '19990101', ori: POLICE });
    assert.equal(r.reads.stats.replica, 1);
  });

  test('the service with DATABASE_READ_URL: an entry made while replay is paused is in the next answer, to the clerk and to an officer', async () => {
    const svcDb = 'ccpor_svc';
    await pair.primarySql(`CREATE DATABASE ${svcDb}`);
    const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/${svcDb}`;
    const backend = { name: 'postgres', freshDatabaseUrl: async () => url(pair.primaryPort) } as unknown as Backend;
    const svc = await startTestService(backend, {
      env: {
        DATABASE_READ_URL: url(pair.replicaPort),
        REDIS_URL: redis?.url ?? '',
        CCPOR_REPLICA_CHECK_MS: '200',
      },
    });
    const terminals: TestTerminal[] = [];
    try {
      await pair.waitStreaming();
      const clerk = await TestTerminal.connect(svc.tcp);
      const officer = await TestTerminal.connect(svc.tcp);
      terminals.push(clerk, officer);
      assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
      assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
      const qpo = `QPO.${POLICE}.NAM/STANDBY, STELLA.DOB/19770808`;
      assert.equal((await officer.send(qpo)).status, 'NREC');
      await pair.pauseReplay();
      try {
        const ack = await clerk.send(
          `EPO.${COURT}.NAM/STANDBY, STELLA.SEX/F.RAC/W.DOB/19770808.TYP/DVRO.OCA/RP-1.ISD/20260101.EXP/20290101.PCO/01.PPN/DOE, JOHN.PSX/M.PPB/19700101`,
        );
        assert.equal(ack.status, 'ACK', ack.lines.join('\n'));
        const onStandby = await pair.sql(pair.replicaPort, svcDb, `SELECT 1 FROM persons WHERE name_norm = 'STANDBY, STELLA'`);
        assert.equal(onStandby.length, 0, 'the standby does not have the entry yet');
        // The officer first: what the officer is answered is also what the cache keeps for the clerk.
        assert.equal((await officer.send(qpo)).status, 'HIT', 'an officer asking after the ACK sees it');
        assert.equal((await clerk.send(`QPO.${COURT}.NAM/STANDBY, STELLA.DOB/19770808`)).status, 'HIT', 'the clerk sees the entry');
      } finally {
        await pair.resumeReplay();
      }
      const reads = svc.service.registry.reads!;
      assert.ok(reads.stats.replica >= 1, 'the NREC before came from the replica');
      assert.ok(reads.stats.primary.behind >= 1, 'answers after the entry came from the primary');
    } finally {
      for (const t of terminals) t.close();
      await svc.stop();
    }
  });
});

async function until(cond: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(25);
  }
}
