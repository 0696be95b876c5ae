// AM (ICD 4): an administrative message to every signed-on terminal of the destination ORI, on
// any service instance; kept until then when nobody is signed on for it (store and forward).
import { findAgency } from '../../db/accounts.ts';
import { tagLines } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';

export async function administrativeMessage(msg: Extract<InboundMessage, { mke: 'AM' }>, ctx: HandlerContext): Promise<HandlerResult> {
  if (!(await findAgency(ctx.db, msg.des))) throw new Reject('FLD', `DES ${msg.des} IS NOT A KNOWN ORI`);
  const body = [...tagLines([['FROM', ctx.user.ori], ['USR', ctx.user.name]]), ...tagLines([['MIS', msg.mis]])];
  const { deliveredHere } = await ctx.messenger.send({ ori: msg.des }, { mke: 'AM', status: 'MSG', body });
  // Terminals on other instances take it too; with none anywhere it waits for the next sign-on.
  const where = deliveredHere ? `DELIVERED TO ${deliveredHere} TERMINAL${deliveredHere === 1 ? '' : 'S'}` : 'KEPT FOR THE NEXT TERMINAL OF THAT ORI';
  return { status: 'ACK', body: [`DES/${msg.des} ${where}`] };
}
