// The messages of the terminal protocol (ICD 3–5) as plain types. Everything that knows the wire
// format lives in protocol/; this file is its vocabulary. No I/O, no clock, no database.

export const MESSAGE_KEYS = ['SON', 'SOF', 'QPO', 'EPO', 'MPO', 'XPO', 'CPO', 'SPO', 'YQ', 'YR', 'AM', 'ULK'] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

export const ROLES = ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK', 'JUDGE', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Who may send each key (ICD 4). Rules that need the order (the issuing court) are the service's. */
export const MAY_SEND: Record<MessageKey, readonly Role[]> = {
  SON: ROLES,
  SOF: ROLES,
  QPO: ROLES,
  EPO: ['CLERK'],
  MPO: ['CLERK'],
  XPO: ['CLERK'],
  CPO: ['CLERK'],
  SPO: ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK'],
  YQ: ['OFFICER', 'DISPATCHER', 'SHERIFF'],
  YR: ['CLERK', 'SHERIFF'],
  AM: ROLES,
  ULK: ['ADMIN'],
};

export const REJECT_CODES = {
  FRM: 'MALFORMED MESSAGE',
  LEN: 'MESSAGE TOO LONG',
  CHR: 'INVALID CHARACTER',
  MKE: 'UNKNOWN MESSAGE KEY',
  ORI: 'ORI NOT THAT OF THE SIGNED-ON USER',
  AUT: 'NOT SIGNED ON OR BAD CREDENTIALS',
  LCK: 'ACCOUNT LOCKED',
  PRM: 'NOT PERMITTED FOR THIS ROLE OR ORI',
  FLD: 'FIELD ERROR',
  NFD: 'NO SUCH RECORD',
  DUP: 'DUPLICATE ENTRY',
  UNA: 'REGISTRY TEMPORARILY UNAVAILABLE - RETRY',
  RAT: 'RATE LIMIT EXCEEDED - SLOW DOWN',
} as const;
export type RejectCode = keyof typeof REJECT_CODES;

export type ReplyStatus = 'HIT' | 'NREC' | 'ACK' | 'REJ' | 'MSG' | 'NOTE';

export type Sex = 'M' | 'F' | 'X' | 'U';
export type Race = 'A' | 'B' | 'I' | 'W' | 'U';
export type ServiceMethod = 'PERSONAL' | 'VERBAL' | 'COURT' | 'MAIL';

export const ORDER_TYPES = [
  'EPO', 'DVTRO', 'DVRO', 'CHTRO', 'CHRO', 'EATRO', 'EARO', 'WVTRO',
  'WVRO', 'SVTRO', 'SVRO', 'GVEPO', 'GVTRO', 'GVRO', 'CPO', 'JVRO', 'OOS',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export interface ProtectedPersonFields {
  ppn: string;
  psx: Sex;
  ppr?: Race;
  ppb: string;
}

/** The fields of an order as EPO carries them (ICD 4.1) and MPO may change them. */
export interface OrderFields {
  nam: string;
  sex: Sex;
  rac: Race;
  dob: string;
  hgt?: string;
  wgt?: number;
  eye?: string;
  hai?: string;
  oln?: string;
  ols?: string;
  /** Aliases of the restrained person (`AKA/`, an extension: SPEC.md). */
  aka?: string[];
  typ: OrderType;
  oca: string;
  cti: string; // defaults to the sender's ORI
  isd: string;
  exp: string; // CCYYMMDD or NONEXP
  pco: string[];
  dst?: number;
  brd?: 'Y' | 'N' | 'U';
  srv?: 'Y' | 'N';
  sdt?: string;
  shw?: ServiceMethod;
  svb?: string; // served by (with SRV/Y; an extension for EPO/MPO: SPEC.md)
  mis?: string;
  protected: ProtectedPersonFields[];
}

export type Inquiry =
  | { form: 'NAME'; nam: string; dob: string; sex?: Sex }
  | { form: 'PROTECTED'; ppn: string; ppb: string; psx?: Sex }
  | { form: 'PNO'; pno: string }
  | { form: 'FCN'; fcn: string }
  | { form: 'LICENCE'; oln: string; ols: string }
  | { form: 'CASE'; oca: string; cti: string };

/** Every inbound message: the key, the ORI, the optional CTL echo, and the key's own fields. */
export type InboundMessage = { ori: string; ctl?: string } & (
  | { mke: 'SON'; usr: string; pwd: string; otp?: string }
  | { mke: 'SOF' }
  | { mke: 'QPO'; inquiry: Inquiry; hst: boolean }
  | { mke: 'EPO'; order: OrderFields }
  | { mke: 'MPO'; pno: string; changes: Partial<OrderFields> }
  | { mke: 'XPO'; pno: string; mis?: string }
  | { mke: 'CPO'; pno: string; mis?: string }
  | { mke: 'SPO'; pno: string; sdt: string; shw: ServiceMethod; svb?: string; mis?: string }
  | { mke: 'YQ'; pno: string; rty: 'PO'; rno: number; pri: 'U' | 'R'; des: string[]; mis?: string }
  | { mke: 'YR'; pno: string; rno: number; cnf: 'Y' | 'N' | 'T'; tim?: string; des?: string; mis?: string }
  | { mke: 'AM'; des: string; mis: string }
  | { mke: 'ULK'; usr: string }
);

/** A message the parser refused: what to put in the REJ reply. */
export interface Rejection {
  code: RejectCode;
  /** The reason, upper case; for FLD it names the tag first: `DOB NOT A REAL DATE`. */
  text: string;
  /** The key and CTL when they could be read, for the reply header. */
  mke?: string;
  ctl?: string;
}

export type ParseResult = { ok: true; message: InboundMessage } | { ok: false; rejection: Rejection };

/** One outbound message: the fixed-column header's content and the body lines. */
export interface Reply {
  mke: string; // the key replied to, or the unsolicited message's key; '' when unreadable
  status: ReplyStatus;
  ori: string; // the receiving terminal's ORI ('' before sign-on)
  seq: number; // per connection, from 1
  time: Date; // UTC, passed in: protocol/ has no clock
  ctl?: string;
  body: readonly string[];
}

/** An order as replies show it (ICD 5): plain data the handlers fill from the registry. */
export interface OrderView {
  pno: string;
  fcn: string | null;
  typ: string;
  status: 'ACTIVE' | 'EXPIRED' | 'CLEARED' | 'CANCELLED';
  isd: string;
  exp: string;
  cti: string;
  oca: string;
  restrained: {
    name: string;
    sex: string | null;
    race: string | null;
    dob: string;
    height: string | null;
    weight: number | null;
    eyes: string | null;
    hair: string | null;
    oln?: string | null;
    ols?: string | null;
    aliases?: string[];
  };
  protected: { name: string; sex: string | null; race: string | null; dob: string }[];
  pco: string[];
  dst: number | null;
  brady: string;
  service: { sdt: string; shw: string; svb: string | null } | null;
  images: number;
  match?: 'E' | 'P';
  /** Set when another active order conflicts: the PNO that prevails (may be this order's). */
  conflict?: { prevails: string };
  /** With HST/Y: every version of the order, oldest first (who, when, what changed). */
  history?: { version: number; at: string; user: string; ori: string; action: string; changed: string[] }[];
  mis: string | null;
}
