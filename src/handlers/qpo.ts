// QPO (ICD 4, 4.2, 5): every inquiry form; HIT with the caveat and the records, or NREC.
import type { OrderRecord } from '../../db/orders.ts';
import { hitBody, MAX_HIT_RECORDS, nrecBody, safeBody } from '../../protocol/index.ts';
import type { InboundMessage } from '../../protocol/messages.ts';
import { MAY_SEE_HISTORY } from '../session/permissions.ts';
import { Reject, type HandlerContext, type HandlerResult } from './context.ts';
import { orderView } from './views.ts';

/**
 * The HIT of an answer the registry shares between inquiries (a cached one): worked out and made
 * safe once, then sent as it is. Keyed by the answer itself, so it goes when the answer does.
 */
const hits = new WeakMap<readonly OrderRecord[], { pnos: string[]; body: readonly string[] }>();

export async function inquire(msg: Extract<InboundMessage, { mke: 'QPO' }>, ctx: HandlerContext): Promise<HandlerResult> {
  if (msg.hst && !MAY_SEE_HISTORY.includes(ctx.user.role)) throw new Reject('PRM', `HST NOT PERMITTED FOR ROLE ${ctx.user.role}`);
  // ori: with replicas, never an answer older than a write this agency was told about.
  const opts = { includeInactive: msg.hst, ori: ctx.user.ori };
  const q = msg.inquiry;
  const r = ctx.registry;
  let found: readonly OrderRecord[];
  switch (q.form) {
    case 'NAME':
      found = await r.findOrdersForRestrainedPerson({ name: q.nam, dob: q.dob, sex: q.sex, ...opts });
      break;
    case 'PROTECTED':
      found = await r.findOrdersForProtectedPerson({ name: q.ppn, dob: q.ppb, sex: q.psx, ...opts });
      break;
    case 'PNO':
      found = await r.findOrderByPno(q.pno, opts);
      break;
    case 'FCN':
      found = await r.findOrderByFcn(q.fcn, opts);
      break;
    case 'LICENCE':
      found = await r.findOrdersByLicence(q.oln, q.ols, opts);
      break;
    case 'CASE':
      found = await r.findOrdersByCase(q.oca, q.cti, opts);
      break;
  }
  if (found.length === 0) return { status: 'NREC', body: nrecBody(q, msg.hst), records: 0 };
  if (!msg.hst) {
    let hit = hits.get(found);
    if (!hit) {
      const views = found.map(orderView);
      hit = { pnos: views.map((v) => v.pno), body: safeBody(hitBody(views)) };
      hits.set(found, hit);
    }
    // Watch notices: this terminal hears if one of these orders changes in the next hours.
    ctx.watches.watch(ctx.terminal, hit.pnos);
    return { status: 'HIT', body: hit.body, records: found.length };
  }
  const views = found.map(orderView);
  ctx.watches.watch(ctx.terminal, views.map((v) => v.pno));
  // HST/Y: each order's versions, who made them and what they changed (ICD 4, issue 5).
  for (const v of views.slice(0, MAX_HIT_RECORDS)) {
    v.history = (await r.orderHistory(v.pno)).map((h) => ({
      version: h.version, at: h.at, user: h.user, ori: h.ori, action: h.action, changed: changedFields(h.action, h.changes),
    }));
  }
  return { status: 'HIT', body: hitBody(views), records: found.length };
}

/** The tags an entry in the history changed (an entry's own fields are not listed). */
function changedFields(action: string, changes: unknown): string[] {
  if (action === 'ENTER' || !changes || typeof changes !== 'object') return [];
  return Object.keys(changes).filter((k) => k !== 'pno' && k !== 'reason').map((k) => ({ protected: 'PPN', service: 'SRV', status: 'STS', brady: 'BRD' })[k] ?? k.toUpperCase()).sort();
}
