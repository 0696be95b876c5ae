// EPO fields (protocol) → an entry for the registry.
import type { OrderEntry } from '../../db/orders.ts';
import type { OrderFields } from '../../protocol/messages.ts';

export function orderEntry(f: OrderFields): OrderEntry {
  const entry: OrderEntry = {
    typ: f.typ,
    cti: f.cti,
    oca: f.oca,
    isd: f.isd,
    exp: f.exp,
    pco: f.pco,
    restrained: {
      name: f.nam,
      dob: f.dob,
      sex: f.sex,
      race: f.rac,
      height: f.hgt,
      weight: f.wgt,
      eyes: f.eye,
      hair: f.hai,
      oln: f.oln,
      ols: f.ols,
      ...(f.aka?.length ? { aliases: f.aka.map((name) => ({ name })) } : {}),
    },
    protected: f.protected.map((p) => ({ name: p.ppn, dob: p.ppb, sex: p.psx, race: p.ppr })),
  };
  if (f.dst !== undefined) entry.dst = f.dst;
  if (f.brd) entry.brady = f.brd;
  if (f.mis) entry.mis = f.mis;
  if (f.srv === 'Y' && f.sdt && f.shw) entry.service = { sdt: f.sdt, shw: f.shw, ...(f.svb ? { svb: f.svb } : {}) };
  return entry;
}
