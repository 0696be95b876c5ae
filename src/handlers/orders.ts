// Finding the order a change is about, whatever its status; the conflicts an entry or change left.
import type { OrderRecord } from '../../db/orders.ts';
import { conflictLine } from '../../protocol/index.ts';
import { Reject, type HandlerContext } from './context.ts';

export async function orderForChange(pno: string, ctx: HandlerContext): Promise<OrderRecord> {
  const [order] = await ctx.registry.findOrderByPno(pno, { includeInactive: true });
  if (!order) throw new Reject('NFD', `NO ORDER ${pno}`);
  return order;
}

/** `CFL/<pno> PRV/<pno>` for every active order the order now conflicts with (ICD 5, ACK). */
export async function conflictLines(pno: string, ctx: HandlerContext): Promise<string[]> {
  const [order] = await ctx.registry.findOrderByPno(pno);
  return (order?.conflict?.with ?? []).map((c) => conflictLine(c.pno, c.prevails));
}
