// EPO (ICD 4, 4.1): a CLERK enters an order for their own court; ACK with the new PNO and a
// CFL/ line for every active order it conflicts with.
// The parser has already applied the field rules of ICD 3.1 and 4.1 (CTI is the message's ORI,
// which the session has checked is the clerk's own).
import { ackBody } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import type { HandlerContext, HandlerResult } from './context.ts';
import { orderEntry } from './order-entry.ts';
import { conflictLines, rejectDuplicate } from './orders.ts';

export async function enterOrder(msg: Extract<InboundMessage, { mke: 'EPO' }>, ctx: HandlerContext): Promise<HandlerResult> {
  // The registry checks for a duplicate inside the entry's own transaction (no race between two entries).
  const entered = await ctx.registry.enterOrder(orderEntry(msg.order), { user: ctx.user.name, ori: ctx.user.ori }).catch(rejectDuplicate);
  // Most orders conflict with none: then there is nothing to look up for the CFL lines.
  return { status: 'ACK', body: ackBody(entered.pno, entered.conflicts > 0 ? await conflictLines(entered.pno, ctx) : []), records: 1 };
}
