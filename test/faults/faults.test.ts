// Fault injection, the quick versions of `npm run faults` (bench/faults/): the same cases with
// shorter phases and fewer terminals. Each case reports named checks with the figures behind them;
// every check is asserted here, so a failure says what the service did wrong.
//
// The registry follows the suite: embedded, or a new database on DATABASE_URL. Redis, the CARPOS
// simulator and the PostgreSQL that is crashed are private to this file, started and removed here.
// The cases run side by side to keep the file short: each has its own service, registry and
// backends, and none of their limits is near what they measure (recovery after the PostgreSQL
// restart takes well under a second against a 5 s limit).
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { carposOutage } from '../../bench/faults/carpos-outage.ts';
import { idleConnections } from '../../bench/faults/idle-connections.ts';
import { postgresRestart } from '../../bench/faults/postgres-restart.ts';
import { redisKilled } from '../../bench/faults/redis-killed.ts';
import { formatResult, type FaultResult } from '../../bench/faults/report.ts';
import { serviceKilled } from '../../bench/faults/service-killed.ts';
import { vanishedDelivery } from '../../bench/faults/vanished-delivery.ts';
import { PrivatePostgres, privatePostgresUnavailable } from '../support/private-postgres.ts';
import { hasRedisServer } from '../support/redis-server.ts';

const databaseUrl = process.env.DATABASE_URL || undefined;
const noRedis = !(await hasRedisServer()) && 'needs redis-server on the PATH';
const noCluster = privatePostgresUnavailable();
// Without a private cluster the restart falls back to cutting a proxy in front of DATABASE_URL.
const noPostgres = noCluster && !databaseUrl && `${noCluster}, and no DATABASE_URL for the proxy fallback`;

function assertChecks(t: TestContext, r: FaultResult): void {
  t.diagnostic(formatResult(r).replace(/\n\s+/g, ' | '));
  // The whole report on failure: the figures explain the check that failed.
  for (const c of r.checks) assert.ok(c.pass, `${c.name}: ${c.detail}\n\n${formatResult(r)}`);
  assert.ok(r.checks.length > 0, 'the case made its checks');
}

describe(`faults on ${databaseUrl ? 'postgres' : 'embedded'}`, () => {
  let cluster: PrivatePostgres | undefined;
  let batch: Promise<Record<'redis' | 'postgres' | 'carpos' | 'killed' | 'idle' | 'vanished', FaultResult | undefined>>;

  before(async () => {
    // Redis sits in front of a PostgreSQL (the shared server, else a private cluster): the
    // configuration in which a Redis cache is used.
    const redisCase = async () => {
      if (!databaseUrl && !noCluster) cluster = await PrivatePostgres.create();
      return redisKilled({ databaseUrl: databaseUrl ?? cluster?.url(), officers: 3, beforeMs: 1_500, downMs: 2_000, afterMs: 8_000, minAfterMs: 1_000 });
    };
    batch = Promise.all([
      noRedis ? undefined : redisCase(),
      noPostgres ? undefined : postgresRestart({ officers: 2, clerks: 1, beforeMs: 1_500, downMs: 2_000, afterMs: 8_000, mode: 'immediate' }),
      carposOutage({ databaseUrl, beforeMs: 500, downMs: 1_500, drainMs: 20_000, retryBaseMs: 100, retryCapMs: 500, simulator: 'in-process' }),
      serviceKilled({ databaseUrl, clerks: 2, acksBeforeKill: 5, sqlChecks: false }),
      // Idle close 9 s; the service sweeps every 10 s, so closed within about 19 s.
      idleConnections({ databaseUrl, idle: 10, signedOnIdle: 2, vanished: 2, stalled: 2, idleCloseMinutes: 0.15, floodMessages: 300, limitMs: 45_000 }),
      vanishedDelivery({ databaseUrl, waitMs: 6_000 }),
    ]).then(([redis, postgres, carpos, killed, idle, vanished]) => ({ redis, postgres, carpos, killed, idle, vanished }));
  });
  after(async () => {
    await batch?.catch(() => {});
    await cluster?.destroy();
  });

  test('a. Redis killed under load: no inquiry fails, the cache is used again when it is back', { skip: noRedis }, async (t) => {
    assertChecks(t, (await batch).redis!);
  });

  test('b. PostgreSQL crashed and restarted under load: only REJ UNA meanwhile, back within 5 s, no acknowledged entry lost', { skip: noPostgres }, async (t) => {
    assertChecks(t, (await batch).postgres!);
  });

  test('c. CARPOS down and back, answers lost in flight: nothing lost, nothing applied twice', async (t) => {
    assertChecks(t, (await batch).carpos!);
  });

  test('d. the service SIGKILLed during entries: every acknowledged entry is there, whole; none partial', async (t) => {
    assertChecks(t, (await batch).killed!);
  });

  test('e. idle, vanished and non-reading connections are closed; a working terminal is kept', async (t) => {
    assertChecks(t, (await batch).idle!);
  });

  // Found by this case: a message written to a connection whose terminal vanished without a FIN
  // counted as delivered once the kernel took it, and never reached the agency. Now a message is
  // delivered only when the terminal is heard from after it (src/switching/switch.ts).
  test('e. a message for an agency whose only terminal vanished waits for its next sign-on', async (t) => {
    assertChecks(t, (await batch).vanished!);
  });
});
