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
  CCPOR_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
  CCPOR_RATE_PER_SECOND: z.coerce.number().min(0.1).default(20),
  CCPOR_RATE_BURST: z.coerce.number().int().min(1).default(60),
  CCPOR_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
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
  maxConnections: number;
  ratePerSecond: number;
  rateBurst: number;
  workers: number;
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
    maxConnections: e.CCPOR_MAX_CONNECTIONS,
    ratePerSecond: e.CCPOR_RATE_PER_SECOND,
    rateBurst: e.CCPOR_RATE_BURST,
    workers: e.CCPOR_WORKERS,
    logLevel: e.LOG_LEVEL,
    // Human-readable logs on a terminal, JSON everywhere else (files, CI, log shippers).
    logFormat: e.CCPOR_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json'),
  };
}
