// A whole service for tests: a fresh registry on the backend, one user per role, listeners on
// free ports, and a clock the test moves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAgency, addUser, type Role } from '../../db/accounts.ts';
import { ManualClock } from '../../src/clock.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { startService, type Service } from '../../src/service.ts';
import type { Backend } from './backends.ts';
import { COURT, OTHER_COURT, POLICE } from './fixtures.ts';
import { freePort } from './redis-server.ts';

export const SHERIFF_ORI = 'CA0190000';
export const PASSWORD = 'Correct-Horse-7';

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
  } = {},
): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccpor-svc-'));
  const earlier = opts.registryOf?.config;
  const databaseUrl = earlier ? (earlier.databaseUrl ?? '') : backend.freshDatabaseUrl ? await backend.freshDatabaseUrl() : '';
  const config = loadConfig({
    CCPOR_DATA_DIR: earlier ? earlier.dataDir : join(dataDir, 'registry'),
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
  });
  const clock = new ManualClock();
  let stopped = false;
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const service = await startService(config, opts.log ?? silentLogger, { clock });
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
  for (const [role, u] of Object.entries(USERS)) await addUser(db, { name: u.name, role: role as Role, ori: u.ori, password: PASSWORD });
  return handle;
}

export const son = (role: Role, password = PASSWORD) => `SON.${USERS[role].ori}.USR/${USERS[role].name}.PWD/${password}`;
