// YQ (ICD 4, issue 6): hit confirmation request. An officer with a hit asks the issuing court (and
// up to two more ORIs) to confirm the order before acting on it; they have 10 (PRI/U) or 60 (PRI/R)
// minutes to answer (YR). The request and its timer are kept in the registry; the job in
// src/switching/hit-confirmation.ts sends the second request and escalates.
import { findAgency } from '../../db/accounts.ts';
import { createHitRequest, deleteHitRequest } from '../../db/hit-requests.ts';
import { tagLines } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { dueAfter, dueStamp, requestBody } from '../switching/hit-confirmation.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';
import { orderForChange } from './orders.ts';

export async function hitConfirmationRequest(msg: Extract<InboundMessage, { mke: 'YQ' }>, ctx: HandlerContext): Promise<HandlerResult> {
  const order = await orderForChange(msg.pno, ctx); // REJ NFD NO ORDER <pno>
  for (const d of msg.des) {
    if (!(await findAgency(ctx.db, d))) throw new Reject('FLD', `DES ${d} IS NOT A KNOWN ORI`);
  }
  // The issuing court first; a DES naming it again adds nothing.
  const destinations = [order.cti, ...msg.des.filter((d) => d !== order.cti)];
  const now = ctx.clock.now();
  const due = dueAfter(now, msg.pri);
  const req = await createHitRequest(ctx.db, {
    orderId: order.id,
    pno: order.pno,
    rno: msg.rno,
    priority: msg.pri,
    requesterOri: ctx.user.ori,
    requesterTerminal: ctx.terminal,
    requesterUser: ctx.user.name,
    destinations,
    subjectName: order.restrained.name,
    subjectDob: order.restrained.dob,
    mis: msg.mis,
    dueAt: due,
    now,
  });
  const body = requestBody({ ...req, typ: order.typ, cti: order.cti, oca: order.oca }, due);
  try {
    for (const ori of destinations) await ctx.messenger.send({ ori }, { mke: 'YQ', status: 'MSG', body });
  } catch (err) {
    // Refused (REJ UNA): no timer for a request that did not go out.
    await deleteHitRequest(ctx.db, req.id).catch(() => {});
    throw err;
  }
  return {
    status: 'ACK',
    body: [
      ...tagLines([['PNO', order.pno], ['RNO', msg.rno], ['PRI', msg.pri], ['DUE', dueStamp(due)]]),
      ...tagLines([['DES', destinations.join(' ')]]),
    ],
    records: 1,
  };
}
