// One typed view of the environment, read once at start and checked with zod.
// Defaults make `npm start` work on a fresh machine: embedded PGlite, in-process cache.
import { z } from 'zod';
import type { RedisTarget } from '../db/redis-connection.ts';

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const optionalText = optionalUrl;

const EnvSchema = z.object({
  DATABASE_URL: optionalUrl,
  // Streaming replicas for inquiries, comma-separated (docs/SCALING.md).
  DATABASE_READ_URL: optionalText,
  // A replica further behind the primary than this is not read from.
  CCPOR_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  // How often each process checks that its replicas are up, in recovery and how far behind.
  CCPOR_REPLICA_CHECK_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  REDIS_URL: optionalUrl,
  // Redis through Sentinel (host:port,...) or Cluster (host:port,...) instead of REDIS_URL.
  REDIS_SENTINELS: optionalText,
  REDIS_SENTINEL_NAME: optionalText,
  REDIS_SENTINEL_PASSWORD: optionalText,
  REDIS_CLUSTER_NODES: optionalText,
  REDIS_PASSWORD: optionalText,
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
  /** Streaming replicas inquiries may read from (empty: every read goes to databaseUrl). */
  databaseReadUrls: string[];
  replicaMaxLagMs: number;
  replicaCheckMs: number;
  /** REDIS_URL, when Redis is reached that way (see `redis` for every way). */
  redisUrl: string | undefined;
  /** Redis by URL, through Sentinel, or as a Cluster; undefined: no Redis. */
  redis: RedisTarget | undefined;
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
  const databaseReadUrls = list(e.DATABASE_READ_URL);
  if (databaseReadUrls.length > 0 && !e.DATABASE_URL) {
    throw new ConfigError('bad environment: DATABASE_READ_URL needs DATABASE_URL (the primary every write goes to)');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databaseReadUrls,
    replicaMaxLagMs: e.CCPOR_REPLICA_MAX_LAG_MS,
    replicaCheckMs: e.CCPOR_REPLICA_CHECK_MS,
    redisUrl: e.REDIS_URL,
    redis: redisTarget(e),
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

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function hostPorts(name: string, raw: string | undefined): { host: string; port: number }[] {
  return list(raw).map((hp) => {
    const m = /^(.+):(\d{1,5})$/.exec(hp);
    const port = m ? Number(m[2]) : NaN;
    if (!m || !(port > 0 && port < 65536)) throw new ConfigError(`bad environment: ${name}: "${hp}" is not host:port`);
    return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
}

/** REDIS_URL, REDIS_SENTINELS (+ REDIS_SENTINEL_NAME) or REDIS_CLUSTER_NODES: one of them. */
function redisTarget(e: z.infer<typeof EnvSchema>): RedisTarget | undefined {
  const given = [e.REDIS_URL && 'REDIS_URL', e.REDIS_SENTINELS && 'REDIS_SENTINELS', e.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (given.length > 1) throw new ConfigError(`bad environment: ${given.join(' and ')}: set one way to reach Redis`);
  if (e.REDIS_URL) return { kind: 'url', url: e.REDIS_URL };
  if (e.REDIS_SENTINELS) {
    if (!e.REDIS_SENTINEL_NAME) throw new ConfigError('bad environment: REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master group the sentinels watch)');
    return {
      kind: 'sentinel',
      sentinels: hostPorts('REDIS_SENTINELS', e.REDIS_SENTINELS),
      name: e.REDIS_SENTINEL_NAME,
      password: e.REDIS_PASSWORD,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    };
  }
  if (e.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: hostPorts('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES), password: e.REDIS_PASSWORD };
  return undefined;
}
