// One typed view of the environment, read once at start and checked with zod.
// Defaults make `npm start` work on a fresh machine: embedded PGlite, in-process cache.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const EnvSchema = z.object({
  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  CCPOR_DATA_DIR: z.string().default('./data'),
  CCPOR_CACHE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/).default('ccpor:'),
  CCPOR_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  CCPOR_TCP_PORT: port.default(5150),
  CCPOR_TLS_PORT: port.default(5151),
  CCPOR_SSH_PORT: port.default(2222),
  CCPOR_BIND: z.string().default('127.0.0.1'),
  CCPOR_TIME_ZONE: z.string().default('America/Los_Angeles'),
  CCPOR_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  CCPOR_DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  CCPOR_TLS_CERT: z.string().optional(),
  CCPOR_TLS_KEY: z.string().optional(),
  CCPOR_IDLE_LOCK_MINUTES: z.coerce.number().min(0.01).max(24 * 60).default(30),
  CCPOR_IDLE_CLOSE_MINUTES: z.coerce.number().min(0.01).max(24 * 60).default(60),
  // Time an SSH client has to authenticate before it is disconnected (ssh2 has no limit itself).
  CCPOR_SSH_LOGIN_GRACE_SECONDS: z.coerce.number().min(1).max(600).default(60),
  // How long a HIT makes a terminal hear about changes to the orders in it (watch notices).
  CCPOR_WATCH_HOURS: z.coerce.number().min(0).max(24 * 14).default(24),
  // How often the expiry job runs (0: never; answers are right without it).
  CCPOR_EXPIRY_MINUTES: z.coerce.number().min(0).max(24 * 60).default(15),
  // How often the hit confirmation timers (YQ not answered in time) are checked (0: never).
  CCPOR_HIT_CONFIRMATION_CHECK_SECONDS: z.coerce.number().min(0).max(600).default(5),
  CCPOR_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
  CCPOR_RATE_PER_SECOND: z.coerce.number().min(0.1).default(20),
  CCPOR_RATE_BURST: z.coerce.number().int().min(1).default(60),
  CCPOR_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  CARPOS_URL: optionalUrl,
  CARPOS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  CARPOS_CA_FILE: optionalUrl,
  CARPOS_POLL_MS: z.coerce.number().int().min(1).max(600_000).default(1_000),
  CARPOS_RETRY_BASE_MS: z.coerce.number().int().min(1).max(600_000).default(1_000),
  CARPOS_RETRY_CAP_MS: z.coerce.number().int().min(1).max(86_400_000).default(300_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CCPOR_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export type Config = {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDir: string;
  cachePrefix: string;
  cacheTtlSeconds: number;
  tcpPort: number;
  tlsPort: number;
  sshPort: number;
  bind: string;
  timeZone: string;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  idleLockMs: number;
  idleCloseMs: number;
  expiryEveryMs: number;
  watchMs: number;
  hitConfirmationCheckMs: number;
  sshLoginGraceMs: number;
  maxConnections: number;
  ratePerSecond: number;
  rateBurst: number;
  workers: number;
  /** The CARPOS gateway (src/carpos): off when url is unset; changes then wait in the outbox. */
  carpos: {
    url: string | undefined;
    timeoutMs: number;
    caFile: string | undefined;
    pollMs: number;
    retryBaseMs: number;
    retryCapMs: number;
  };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`bad environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: e.CCPOR_DATA_DIR,
    cachePrefix: e.CCPOR_CACHE_PREFIX,
    cacheTtlSeconds: e.CCPOR_CACHE_TTL_SECONDS,
    tcpPort: e.CCPOR_TCP_PORT,
    tlsPort: e.CCPOR_TLS_PORT,
    sshPort: e.CCPOR_SSH_PORT,
    bind: e.CCPOR_BIND,
    timeZone: e.CCPOR_TIME_ZONE,
    dbPoolSize: e.CCPOR_DB_POOL_SIZE,
    dbStatementTimeoutMs: e.CCPOR_DB_STATEMENT_TIMEOUT_MS,
    tlsCertFile: e.CCPOR_TLS_CERT,
    tlsKeyFile: e.CCPOR_TLS_KEY,
    idleLockMs: e.CCPOR_IDLE_LOCK_MINUTES * 60_000,
    idleCloseMs: e.CCPOR_IDLE_CLOSE_MINUTES * 60_000,
    expiryEveryMs: e.CCPOR_EXPIRY_MINUTES * 60_000,
    watchMs: e.CCPOR_WATCH_HOURS * 3_600_000,
    hitConfirmationCheckMs: e.CCPOR_HIT_CONFIRMATION_CHECK_SECONDS * 1000,
    sshLoginGraceMs: e.CCPOR_SSH_LOGIN_GRACE_SECONDS * 1000,
    maxConnections: e.CCPOR_MAX_CONNECTIONS,
    ratePerSecond: e.CCPOR_RATE_PER_SECOND,
    rateBurst: e.CCPOR_RATE_BURST,
    workers: e.CCPOR_WORKERS,
    carpos: {
      url: carposUrl(e.CARPOS_URL),
      timeoutMs: e.CARPOS_TIMEOUT_MS,
      caFile: e.CARPOS_CA_FILE,
      pollMs: e.CARPOS_POLL_MS,
      retryBaseMs: e.CARPOS_RETRY_BASE_MS,
      retryCapMs: Math.max(e.CARPOS_RETRY_CAP_MS, e.CARPOS_RETRY_BASE_MS),
    },
    logLevel: e.LOG_LEVEL,
    // Human-readable logs on a terminal, JSON everywhere else (files, CI, log shippers).
    logFormat: e.CCPOR_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json'),
  };
}

/** CARPOS_URL: https, or plain http only to a simulator on this machine (CJIS SC-8). */
function carposUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError('bad environment: CARPOS_URL: not a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new ConfigError('bad environment: CARPOS_URL: https only (plain http only to a simulator on 127.0.0.1 or localhost)');
  }
  return raw;
}
