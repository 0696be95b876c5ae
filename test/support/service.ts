// A whole service for tests: a fresh registry on the backend, one user per role, listeners on
// free ports, and a clock the test moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAgency, addUser, type Role } from '../../db/accounts.ts';
import { hashPassword } from '../../db/passwords.ts';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { startService, type Service } from '../../src/service.ts';
import type { Backend } from './backends.ts';
import { COURT, OTHER_COURT, POLICE } from './fixtures.ts';
import { copyBlankRegistry } from './pglite-template.ts';
import { freePort } from './redis-server.ts';

export const SHERIFF_ORI = 'CA0190000';
export const PASSWORD = 'Correct-Horse-7';
/**
 * The scrypt work factor of the test users' hashes (hashPassword's `n`, as for benchmark users).
 * Sign-on still verifies a real scrypt hash, with the parameters stored in it, but in about 4 ms
 * of CPU instead of about 170: the suite signs on hundreds of times. Unknown users are still
 * checked against the real cost, and test/security keeps the real cost throughout (realPasswordCost).
 */
export const TEST_SCRYPT_N = 2 ** 10;

export const USERS: Record<Role, { name: string; ori: string }> = {
  OFFICER: { name: 'OFFICER1', ori: POLICE },
  DISPATCHER: { name: 'DISPATCH1', ori: POLICE },
  SHERIFF: { name: 'SHERIFF1', ori: SHERIFF_ORI },
  CLERK: { name: 'CLERK1', ori: COURT },
  JUDGE: { name: 'JUDGE1', ori: COURT },
  ADMIN: { name: 'ADMIN1', ori: POLICE },
};

export interface TestService {
  service: Service;
  clock: ManualClock;
  config: Config;
  tcp: number;
  tls: number;
  stop(): Promise<void>;
}

export async function startTestService(
  backend: Backend,
  opts: {
    log?: Logger;
    env?: Record<string, string>;
    redis?: boolean;
    /** The registry of an earlier (stopped) test service: a restart, with its agencies and users. */
    registryOf?: TestService;
    /** The users' passwords hashed at the real scrypt cost, as `ccpor user add` does (test/security checks it). */
    realPasswordCost?: boolean;
  } = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccpor-svc-'));
  const earlier = opts.registryOf?.config;
  const databaseUrl = earlier ? (earlier.databaseUrl ?? '') : backend.freshDatabaseUrl ? await backend.freshDatabaseUrl() : '';
  const dataDirOfService = earlier ? earlier.dataDir : join(dataDir, 'registry');
  const clock = new ManualClock();
  let stopped = false;
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  // Embedded: the service opens (and migrates) a copy of a blank cluster instead of running initdb.
  if (!earlier && !databaseUrl) await copyBlankRegistry(join(dataDirOfService, 'registry'));
  const wantsSsh = !!opts.env?.CCPOR_SSH_PORT && opts.env.CCPOR_SSH_PORT !== '0';
  let config: Config;
  let service: Service;
  for (let attempt = 1; ; attempt++) {
    config = loadConfig({
      CCPOR_DATA_DIR: dataDirOfService,
      DATABASE_URL: databaseUrl,
      REDIS_URL: opts.redis && process.env.REDIS_URL ? process.env.REDIS_URL : '',
      CCPOR_CACHE_PREFIX: `t${Math.random().toString(36).slice(2, 10)}:`,
      CCPOR_TCP_PORT: String(await freePort()),
      CCPOR_TLS_PORT: String(await freePort()),
      CCPOR_SSH_PORT: '0',
      CCPOR_LOG_FORMAT: 'json',
      // The test clock stands still, so the rate limiter would never refill: only the rate-limit
      // test sets a burst small enough to reach.
      CCPOR_RATE_BURST: '100000',
      ...opts.env,
      ...(wantsSsh && attempt > 1 ? { CCPOR_SSH_PORT: String(await freePort()) } : {}),
    });
    try {
      service = await startService(config, opts.log ?? silentLogger, { clock });
      break;
    } catch (err) {
      // A port freePort() found free can be taken before the service listens on it (by another
      // test file running beside this one): the service let everything go, so try other ports.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw err;
    }
  }
  const db = service.registry.db;
  const handle: TestService = {
    service,
    clock,
    config,
    tcp: service.ports.tcp!,
    tls: service.ports.tls!,
    async stop() {
      // Twice is harmless: a test may stop the service early to hand the registry to the CLI.
      if (stopped) return;
      stopped = true;
      await service.stop();
    },
  };
  if (earlier) return handle;
  await addAgency(db, { ori: COURT, name: 'LOS ANGELES SUPERIOR COURT', kind: 'COURT', carposCode: '190' });
  await addAgency(db, { ori: OTHER_COURT, name: 'SAN DIEGO SUPERIOR COURT', kind: 'COURT', carposCode: '370' });
  await addAgency(db, { ori: POLICE, name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW' });
  await addAgency(db, { ori: SHERIFF_ORI, name: 'LOS ANGELES COUNTY SHERIFF', kind: 'SHERIFF' });
  for (const [role, u] of Object.entries(USERS)) {
    if (opts.realPasswordCost) await addUser(db, { name: u.name, role: role as Role, ori: u.ori, password: PASSWORD });
    // The row addUser makes, hashed at the test work factor (addUser always uses the real one).
    else await db.query(`INSERT INTO users (name, role, ori, password_hash) VALUES ($1, $2, $3, $4)`, [u.name, role, u.ori, await hashPassword(PASSWORD, TEST_SCRYPT_N)]);
  }
  return handle;
}

export const son = (role: Role, password = PASSWORD) => `SON.${USERS[role].ori}.USR/${USERS[role].name}.PWD/${password}`;

/**
 * The test service's clock moves with real time from here on, as the demo's does (advance() still
 * jumps it). Continuously, not by a ticker: with a 20 ms ticker, a sign-on and a failed one right
 * after it could get the same time, and a failure no later than the last success does not count
 * towards a lockout.
 */
export function followRealTime(t: TestService): void {
  const manual = t.clock.now.bind(t.clock);
  const start = Date.now();
  t.clock.now = () => new Date(manual().getTime() + (Date.now() - start));
}
