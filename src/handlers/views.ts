// Registry records as the protocol shows them.
import type { OrderRecord } from '../../db/orders.ts';
import type { OrderView } from '../../protocol/messages.ts';

export function orderView(o: OrderRecord): OrderView {
  const view: OrderView = {
    pno: o.pno,
    fcn: o.fcn,
    typ: o.typ,
    status: o.status,
    isd: o.isd,
    exp: o.exp,
    cti: o.cti,
    oca: o.oca,
    restrained: { ...o.restrained },
    protected: o.protected.map((p) => ({ ...p })),
    pco: o.pco,
    dst: o.dst,
    brady: o.brady,
    service: o.service,
    images: o.images,
    mis: o.mis,
  };
  if (o.match) view.match = o.match;
  if (o.conflict) view.conflict = { prevails: o.conflict.prevails };
  return view;
}
