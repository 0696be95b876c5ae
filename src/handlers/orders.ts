// Finding the order a change is about, whatever its status.
import type { OrderRecord } from '../../db/orders.ts';
import { Reject, type HandlerContext } from './context.ts';

export async function orderForChange(pno: string, ctx: HandlerContext): Promise<OrderRecord> {
  const [order] = await ctx.registry.findOrderByPno(pno, { includeInactive: true });
  if (!order) throw new Reject('NFD', `NO ORDER ${pno}`);
  return order;
}
