// Which cached inquiry answers an order can appear in. A write invalidates every bucket of the
// order before and after the change, so no answer that could include it survives the write.

export const bucket = {
  restrainedDob: (dob: string) => `r:${dob}`,
  protectedDob: (dob: string) => `p:${dob}`,
  pno: (pno: string) => `o:${pno}`,
  fcn: (fcn: string) => `f:${fcn}`,
  licence: (oln: string, ols: string) => `l:${ols}:${oln}`,
  courtCase: (cti: string, oca: string) => `c:${cti}:${oca}`,
};

export interface OrderKeys {
  pno: string;
  fcn: string | null;
  cti: string;
  oca: string;
  restrainedDobs: string[]; // the person's DOB and any alias DOBs
  protectedDobs: string[];
  oln: string | null;
  ols: string | null;
}

export function bucketsOf(o: OrderKeys): string[] {
  const out = new Set<string>([bucket.pno(o.pno), bucket.courtCase(o.cti, o.oca)]);
  if (o.fcn) out.add(bucket.fcn(o.fcn));
  if (o.oln && o.ols) out.add(bucket.licence(o.oln, o.ols));
  for (const d of o.restrainedDobs) out.add(bucket.restrainedDob(d));
  for (const d of o.protectedDobs) out.add(bucket.protectedDob(d));
  return [...out];
}
