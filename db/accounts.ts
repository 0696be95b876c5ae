// Agencies and user accounts: who may sign on, for which ORI, in which role.
import { ROLES, type Role } from '../protocol/messages.ts';
import type { Database } from './database.ts';
import { hashPassword, passwordProblem } from './passwords.ts';

// The roles are the protocol's (ICD 4): one list for the wire and the accounts.
export { ROLES, type Role };
export const AGENCY_KINDS = ['COURT', 'LAW', 'SHERIFF'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export const ORI_PATTERN = /^[A-Z]{2}[A-Z0-9]{7}$/;
// No '.': it separates fields in a message, so USR/ could never carry it.
export const USER_NAME_PATTERN = /^[A-Z0-9_-]{1,30}$/;

export class AccountError extends Error {}

export interface Agency {
  ori: string;
  name: string;
  kind: AgencyKind;
}

export interface UserAccount {
  id: number;
  name: string;
  role: Role;
  ori: string;
  passwordHash: string;
  totpSecret: string | null;
  lockedAt: Date | null;
}

export async function addAgency(db: Database, a: Agency & { carposCode?: string }): Promise<void> {
  if (!ORI_PATTERN.test(a.ori)) throw new AccountError(`ORI ${a.ori} is not of the form AA9999999`);
  const r = await db.query(
    `INSERT INTO agencies (ori, name, kind, carpos_code) VALUES ($1, $2, $3, $4) ON CONFLICT (ori) DO NOTHING`,
    [a.ori, a.name, a.kind, a.carposCode ?? null],
  );
  if (r.rowCount === 0) throw new AccountError(`agency ${a.ori} already exists`);
}

export async function findAgency(db: Database, ori: string): Promise<Agency | undefined> {
  const { rows } = await db.query<Agency & Record<string, unknown>>(`SELECT ori, name, kind FROM agencies WHERE ori = $1`, [ori]);
  return rows[0];
}

export async function addUser(
  db: Database,
  u: { name: string; role: Role; ori: string; password: string; totpSecret?: string },
): Promise<{ id: number }> {
  const name = u.name.toUpperCase();
  if (!USER_NAME_PATTERN.test(name)) throw new AccountError('user name: 1-30 letters, digits, underscore or hyphen');
  const problem = passwordProblem(u.password, name);
  if (problem) throw new AccountError(problem);
  if (!(await findAgency(db, u.ori))) throw new AccountError(`no agency ${u.ori}; add it first with 'ccpor agency add'`);
  const hash = await hashPassword(u.password);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO users (name, role, ori, password_hash, totp_secret) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING RETURNING id::int AS id`,
    [name, u.role, u.ori, hash, u.totpSecret ?? null],
  );
  if (!rows[0]) throw new AccountError(`user ${name} already exists`);
  return rows[0];
}

export async function findUser(db: Database, name: string): Promise<UserAccount | undefined> {
  // A name no account can have (a NUL, say, from an SSH client) is nobody: never sent to the database.
  if (!USER_NAME_PATTERN.test(name.toUpperCase())) return undefined;
  const { rows } = await db.query<{
    id: number; name: string; role: Role; ori: string; password_hash: string; totp_secret: string | null; locked_at: Date | null;
  }>(
    `SELECT id::int AS id, name, role, ori, password_hash, totp_secret, locked_at FROM users WHERE name = $1`,
    [name.toUpperCase()],
  );
  const r = rows[0];
  return r && { id: r.id, name: r.name, role: r.role, ori: r.ori, passwordHash: r.password_hash, totpSecret: r.totp_secret, lockedAt: r.locked_at };
}

/** Releases a locked user and forgets their failed attempts. False when there is no such user. */
export async function unlockUser(db: Database, name: string, at: Date = new Date()): Promise<boolean> {
  // Stamped with the service's clock, like the failures it ends (not the database's now()).
  const r = await db.query(`UPDATE users SET locked_at = NULL, failures_since = $2 WHERE name = $1`, [name.toUpperCase(), at]);
  return r.rowCount > 0;
}

/**
 * Records a failed sign-on and returns how many consecutive failures the user now has within
 * the window (failures before the last success or release do not count).
 */
export async function recordSignOnFailure(db: Database, userId: number, at: Date, source: string, windowMs: number): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    await tx.query(`INSERT INTO user_sign_on_failures (user_id, at, source) VALUES ($1, $2, $3)`, [userId, at, source]);
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM user_sign_on_failures f JOIN users u ON u.id = f.user_id
        WHERE f.user_id = $1 AND f.at > u.failures_since AND f.at > $2::timestamptz - make_interval(secs => $3 / 1000.0)`,
      [userId, at, windowMs],
    );
    return rows[0]!.n;
  });
}

export async function lockUser(db: Database, userId: number, at: Date): Promise<void> {
  await db.query(`UPDATE users SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL`, [userId, at]);
}

/**
 * Uses up a one-time code's time step for the user: false when that step or a later one was used
 * already (a replayed code). One conditional UPDATE: of two sign-ons with one code, one wins.
 */
export async function useTotpStep(db: Database, userId: number, step: number): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
    [userId, step],
  );
  return rows.length === 1;
}

export async function recordSignOnSuccess(db: Database, userId: number, at: Date): Promise<void> {
  await db.query(`UPDATE users SET last_sign_on_at = $2, failures_since = $2 WHERE id = $1`, [userId, at]);
}
