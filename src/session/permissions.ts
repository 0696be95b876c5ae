// Who may send what (ICD 4). Rules that depend on the order (a CLERK of the issuing court) are
// checked by the handler once it has the order.
import type { Role } from '../../db/accounts.ts';
import type { MessageKey } from '../../protocol/messages.ts';

const ALL: readonly Role[] = ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK', 'JUDGE', 'ADMIN'];

export const ALLOWED: Record<MessageKey, readonly Role[]> = {
  SON: ALL,
  SOF: ALL,
  QPO: ALL,
  EPO: ['CLERK'],
  MPO: ['CLERK'],
  XPO: ['CLERK'],
  CPO: ['CLERK'],
  SPO: ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK'],
  YQ: ['OFFICER', 'DISPATCHER', 'SHERIFF'],
  YR: ['CLERK', 'SHERIFF'],
  AM: ALL,
  ULK: ['ADMIN'],
};

/** HST/Y (inactive orders in an answer) is for court staff. */
export const MAY_SEE_HISTORY: readonly Role[] = ['CLERK', 'JUDGE'];

export const mayUse = (role: Role, mke: MessageKey) => ALLOWED[mke].includes(role);
