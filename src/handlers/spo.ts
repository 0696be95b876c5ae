// SPO (ICD 4): service of an active order, by an officer, dispatcher, sheriff or clerk — including
// an officer's verbal notice in the field (SHW/VERBAL), which counts as service (Family Code 6383).
import { ackBody } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';
import { orderForChange } from './orders.ts';

export async function recordService(msg: Extract<InboundMessage, { mke: 'SPO' }>, ctx: HandlerContext): Promise<HandlerResult> {
  const order = await orderForChange(msg.pno, ctx);
  if (order.status !== 'ACTIVE') throw new Reject('FLD', `PNO ${msg.pno} IS ${order.status} - ONLY AN ACTIVE ORDER IS SERVED`);
  const service = { sdt: msg.sdt, shw: msg.shw, ...(msg.svb ? { svb: msg.svb } : {}) };
  await ctx.registry.recordService(msg.pno, service, { user: ctx.user.name, ori: ctx.user.ori });
  await ctx.watches.orderChanged(msg.pno, 'SERVE', { ori: ctx.user.ori, terminal: ctx.terminal });
  return { status: 'ACK', body: ackBody(msg.pno, [`SRV/Y SDT/${msg.sdt} SHW/${msg.shw}`]), records: 1 };
}
