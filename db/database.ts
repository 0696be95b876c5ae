// The one interface the registry speaks to, whichever PostgreSQL is behind it:
// a real server through `pg`, or the embedded PGlite of a fresh machine.

export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Runs fn inside one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: transaction(), and the WAL position just after its commit (read in the same
   * round trip as the COMMIT), as `pg_lsn` text. A streaming replica whose replay position has
   * reached it shows the transaction (db/read-routing.ts).
   */
  transactionWithLsn?<T>(fn: (tx: Queryable) => Promise<T>): Promise<{ result: T; lsn: string }>;
  /** PostgreSQL only: fn with one connection of the pool for all its statements. */
  session?<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The registry could not be reached or did not answer in time. Callers turn this into
 * `REJ UNA` (retry later); it never means the request itself was wrong.
 */
export class RegistryUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`registry unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RegistryUnavailableError';
  }
}

// SQLSTATE classes that mean "the server, not the request": connection exceptions (08),
// insufficient resources (53), operator intervention such as shutdown (57), system errors (58),
// and query_canceled by statement_timeout (57014, within 57).
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58)/;
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|timeout|terminat|Connection terminated|not queryable|closed|shutting down/i;

export function isUnavailable(err: unknown): boolean {
  if (err instanceof RegistryUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false; // any other SQLSTATE: the request
  return UNAVAILABLE_MESSAGE.test(err.message);
}

/** Rethrows infrastructure failures as RegistryUnavailableError, everything else unchanged. */
export function classify(err: unknown): never {
  if (isUnavailable(err) && !(err instanceof RegistryUnavailableError)) throw new RegistryUnavailableError(err);
  throw err;
}
