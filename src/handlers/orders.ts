// Finding the order a change is about, whatever its status; the conflicts an entry or change left;
// the REJ DUP of an entry or change that would duplicate an order in force.
import { DuplicateOrderError, type OrderRecord } from '../../db/orders.ts';
import { conflictLine } from '../../protocol/index.ts';
import { Reject, type HandlerContext } from './context.ts';

export async function orderForChange(pno: string, ctx: HandlerContext): Promise<OrderRecord> {
  const [order] = await ctx.registry.findOrderByPno(pno, { includeInactive: true });
  if (!order) throw new Reject('NFD', `NO ORDER ${pno}`);
  return order;
}

/** The registry's DuplicateOrderError as REJ DUP naming the order in force; anything else as it was. */
export function rejectDuplicate(err: unknown): never {
  if (!(err instanceof DuplicateOrderError)) throw err;
  const dup = err.existing;
  throw new Reject('DUP', `ACTIVE ${dup.typ} ${dup.pno} ALREADY ENTERED FOR OCA ${dup.oca}`);
}

/** `CFL/<pno> PRV/<pno>` for every active order the order now conflicts with (ICD 5, ACK). */
export async function conflictLines(pno: string, ctx: HandlerContext): Promise<string[]> {
  const [order] = await ctx.registry.findOrderByPno(pno);
  return (order?.conflict?.with ?? []).map((c) => conflictLine(c.pno, c.prevails));
}
