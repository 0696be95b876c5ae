// EPO fields (protocol) → an entry for the registry, and a stored order → its fields (for MPO).
import type { OrderEntry, OrderRecord } from '../../db/orders.ts';
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

/** A stored order as the fields of an EPO: what MPO's changes are merged into. */
export function orderFields(o: OrderRecord): OrderFields {
  const p = o.restrained;
  const f: OrderFields = {
    nam: p.name,
    sex: p.sex ?? 'U',
    rac: p.race ?? 'U',
    dob: p.dob,
    typ: o.typ,
    oca: o.oca,
    cti: o.cti,
    isd: o.isd,
    exp: o.exp,
    pco: o.pco,
    brd: o.brady,
    srv: o.service ? 'Y' : 'N',
    protected: o.protected.map((x) => ({ ppn: x.name, psx: x.sex ?? 'U', ppb: x.dob, ...(x.race ? { ppr: x.race } : {}) })),
  };
  if (p.height) f.hgt = p.height;
  if (p.weight !== null) f.wgt = p.weight;
  if (p.eyes) f.eye = p.eyes;
  if (p.hair) f.hai = p.hair;
  if (p.oln) f.oln = p.oln;
  if (p.ols) f.ols = p.ols;
  if (p.aliases.length) f.aka = p.aliases;
  if (o.dst !== null) f.dst = o.dst;
  if (o.mis) f.mis = o.mis;
  if (o.service) {
    f.sdt = o.service.sdt;
    f.shw = o.service.shw;
    if (o.service.svb) f.svb = o.service.svb;
  }
  return f;
}
