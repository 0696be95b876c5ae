// SON (ICD 6, CJIS AC-7, IA-2): password, then the one-time code when the user has a secret.
// A bad user name and a bad password get the same reply after the same work; five consecutive
// failures within 15 minutes lock the user until an ADMIN releases them, and a locked user gets
// REJ LCK whatever they send.
import { findUser, lockUser, recordSignOnFailure, recordSignOnSuccess, useTotpStep, type Role } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import { DUMMY_HASH, verifyPassword } from '../../db/passwords.ts';
import { totpStep } from './totp.ts';

export interface SignOnPolicy {
  maxFailures: number; // 5
  windowMs: number; // 15 minutes
}

export const CJIS_SIGN_ON_POLICY: SignOnPolicy = { maxFailures: 5, windowMs: 15 * 60_000 };

export type SignOnResult =
  | { ok: true; user: { id: number; name: string; role: Role; ori: string } }
  | { ok: false; code: 'AUT' | 'LCK' | 'ORI'; lockedNow?: boolean };

export async function signOn(
  db: Database,
  req: { usr: string; pwd: string; otp?: string; ori: string; source: string; at: Date },
  policy: SignOnPolicy = CJIS_SIGN_ON_POLICY,
): Promise<SignOnResult> {
  const user = await findUser(db, req.usr);
  // Unknown users cost the same hash as known ones.
  const passwordOk = await verifyPassword(req.pwd, user?.passwordHash ?? DUMMY_HASH);
  if (!user) return { ok: false, code: 'AUT' };
  if (user.lockedAt) return { ok: false, code: 'LCK' };
  // A code counts once (IA-2(8)): taken only with the right password, so a guesser cannot burn codes.
  const step = user.totpSecret && req.otp ? totpStep(user.totpSecret, req.otp, req.at) : null;
  const secondFactorOk = user.totpSecret ? step !== null && passwordOk && (await useTotpStep(db, user.id, step)) : true;
  if (!passwordOk || !secondFactorOk) {
    const failures = await recordSignOnFailure(db, user.id, req.at, req.source, policy.windowMs);
    if (failures >= policy.maxFailures) {
      await lockUser(db, user.id, req.at);
      return { ok: false, code: 'AUT', lockedNow: true };
    }
    return { ok: false, code: 'AUT' };
  }
  // Right credentials for another agency's ORI: refused, and not a guessing failure.
  if (user.ori !== req.ori) return { ok: false, code: 'ORI' };
  await recordSignOnSuccess(db, user.id, req.at);
  return { ok: true, user: { id: user.id, name: user.name, role: user.role, ori: user.ori } };
}
