// XPO (cancel: entered in error) and CPO (clear: terminated or vacated by the court), by a CLERK
// of the issuing court, on an order that is still in the registry's active or expired state.
import { ackBody } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';
import { orderForChange } from './orders.ts';

async function end(pno: string, status: 'CLEARED' | 'CANCELLED', mis: string | undefined, ctx: HandlerContext): Promise<HandlerResult> {
  const order = await orderForChange(pno, ctx);
  if (order.cti !== ctx.user.ori) throw new Reject('PRM', `ONLY THE ISSUING COURT ${order.cti} MAY CHANGE ${pno}`);
  if (order.status === 'CLEARED' || order.status === 'CANCELLED') throw new Reject('FLD', `PNO ${pno} IS ALREADY ${order.status}`);
  await ctx.registry.endOrder(pno, status, { user: ctx.user.name, ori: ctx.user.ori }, mis);
  await ctx.watches.orderChanged(pno, status === 'CLEARED' ? 'CLEAR' : 'CANCEL', { ori: ctx.user.ori, terminal: ctx.terminal });
  return { status: 'ACK', body: ackBody(pno, [`STS/${status}`]), records: 1 };
}

export const cancelOrder = (msg: Extract<InboundMessage, { mke: 'XPO' }>, ctx: HandlerContext) =>
  end(msg.pno, 'CANCELLED', msg.mis, ctx);

export const clearOrder = (msg: Extract<InboundMessage, { mke: 'CPO' }>, ctx: HandlerContext) =>
  end(msg.pno, 'CLEARED', msg.mis, ctx);
