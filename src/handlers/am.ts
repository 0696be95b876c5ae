// AM (ICD 4): an administrative message to every signed-on terminal of the destination ORI.
// Delivered live; with nobody signed on for that ORI it is refused rather than silently lost
// (store and forward comes with message switching, SPEC 10.1).
import { findAgency } from '../../db/accounts.ts';
import { tagLines } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';

export async function administrativeMessage(msg: Extract<InboundMessage, { mke: 'AM' }>, ctx: HandlerContext): Promise<HandlerResult> {
  if (!(await findAgency(ctx.db, msg.des))) throw new Reject('FLD', `DES ${msg.des} IS NOT A KNOWN ORI`);
  const body = [...tagLines([['FROM', ctx.user.ori], ['USR', ctx.user.name]]), ...tagLines([['MIS', msg.mis]])];
  const n = ctx.switchboard.deliver(msg.des, 'MSG', 'AM', body);
  if (n === 0) throw new Reject('NFD', `NO TERMINAL OF ${msg.des} IS SIGNED ON - NOT DELIVERED`);
  return { status: 'ACK', body: [`DES/${msg.des} DELIVERED TO ${n} TERMINAL${n === 1 ? '' : 'S'}`] };
}
