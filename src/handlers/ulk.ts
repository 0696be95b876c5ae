// ULK (ICD 6): an ADMIN releases a locked user of their own agency.
import { findUser, unlockUser } from '../../db/accounts.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';

export async function unlock(msg: Extract<InboundMessage, { mke: 'ULK' }>, ctx: HandlerContext): Promise<HandlerResult> {
  const target = await findUser(ctx.db, msg.usr);
  if (!target) throw new Reject('NFD', `NO USER ${msg.usr.toUpperCase()}`);
  if (target.ori !== ctx.user.ori) throw new Reject('PRM', `USER ${target.name} BELONGS TO ANOTHER AGENCY`);
  await unlockUser(ctx.db, target.name, ctx.clock.now());
  return { status: 'ACK', body: [`USR/${target.name} UNLOCKED`], records: 1 };
}
