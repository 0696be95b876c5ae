// Who may send what (ICD 4). Rules that depend on the order (a CLERK of the issuing court) are
// checked by the handler once it has the order.
import type { Role } from '../../db/accounts.ts';
import { MAY_SEND, type MessageKey } from '../../protocol/messages.ts';

/** The ICD's table, as the protocol states it. */
export const ALLOWED = MAY_SEND;

/** HST/Y (inactive orders in an answer) is for court staff. */
export const MAY_SEE_HISTORY: readonly Role[] = ['CLERK', 'JUDGE'];

export const mayUse = (role: Role, mke: MessageKey) => ALLOWED[mke].includes(role);
