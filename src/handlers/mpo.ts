// MPO (ICD 4, issue 5): a CLERK of the issuing court changes an active order. The court's rules
// hold for the order as the change leaves it; the change is a new version with its history; the
// ACK lists the conflicts the order has afterwards.
import { OrderChangedError } from '../../db/orders.ts';
import { ackBody, checkOrder, mergeOrder } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { localDate } from '../../db/dates.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';
import { orderFields } from './order-entry.ts';
import { conflictLines, orderForChange, rejectDuplicate } from './orders.ts';

export async function modifyOrder(msg: Extract<InboundMessage, { mke: 'MPO' }>, ctx: HandlerContext): Promise<HandlerResult> {
  // Another write may land between the check and the change: check again on the new version once.
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptChange(msg, ctx);
    } catch (err) {
      if (!(err instanceof OrderChangedError) || attempt > 0) {
        if (err instanceof OrderChangedError) throw new Reject('UNA', `ORDER ${msg.pno} WAS CHANGED MEANWHILE - RETRY`);
        throw err;
      }
    }
  }
}

async function attemptChange(msg: Extract<InboundMessage, { mke: 'MPO' }>, ctx: HandlerContext): Promise<HandlerResult> {
  const order = await orderForChange(msg.pno, ctx);
  if (order.cti !== ctx.user.ori) throw new Reject('PRM', `ONLY THE ISSUING COURT ${order.cti} MAY CHANGE ${msg.pno}`);
  if (order.status !== 'ACTIVE') throw new Reject('FLD', `PNO ${msg.pno} IS ${order.status} - ONLY AN ACTIVE ORDER IS MODIFIED`);
  const merged = mergeOrder(orderFields(order), msg.changes);
  const problem = checkOrder(merged, localDate(ctx.clock.now(), ctx.timeZone));
  if (problem) throw new Reject('FLD', problem);
  // A changed TYP or OCA is checked for a duplicate in the registry, under the case's lock.
  await ctx.registry.modifyOrder(msg.pno, msg.changes, { user: ctx.user.name, ori: ctx.user.ori }, order.version).catch(rejectDuplicate);
  await ctx.watches.orderChanged(msg.pno, 'MODIFY', { ori: ctx.user.ori, terminal: ctx.terminal });
  return { status: 'ACK', body: ackBody(msg.pno, await conflictLines(msg.pno, ctx)), records: 1 };
}
