// What an order is, as the registry hands it out and takes it in. Plain data; the protocol layer
// validates inbound fields before anything here sees them.
import type { OrderType, Race, ServiceMethod, Sex } from '../protocol/messages.ts';
import type { OrderStatus } from './status.ts';

// The codes are the protocol's (ICD 3.1, 3.2): one list for the wire and the registry.
export { ORDER_TYPES } from '../protocol/messages.ts';
export type { OrderType, Race, ServiceMethod, Sex };

/** Who did something: the signed-on user and the ORI they acted for. */
export interface Actor {
  user: string;
  ori: string;
}

export interface RestrainedPersonInput {
  name: string; // LAST, FIRST MIDDLE SUFFIX
  dob: string; // CCYYMMDD
  sex: Sex;
  race: Race;
  height?: string;
  weight?: number;
  eyes?: string;
  hair?: string;
  oln?: string;
  ols?: string;
  aliases?: { name: string; dob?: string }[];
}

export interface ProtectedPersonInput {
  name: string;
  dob: string;
  sex: Sex;
  race?: Race;
}

export interface ServiceInput {
  sdt: string; // CCYYMMDDHHMM
  shw: ServiceMethod;
  svb?: string;
}

export interface OrderEntry {
  typ: OrderType;
  cti: string;
  oca: string;
  isd: string;
  exp: string; // CCYYMMDD or 'NONEXP'
  pco: string[];
  dst?: number;
  brady?: 'Y' | 'N' | 'U';
  mis?: string;
  restrained: RestrainedPersonInput;
  protected: ProtectedPersonInput[];
  service?: ServiceInput;
}

export interface ProtectedPerson {
  name: string;
  sex: Sex | null;
  race: Race | null;
  dob: string;
}

/** An order as every answer shows it. `status` is already the effective status. */
export interface OrderRecord {
  id: number;
  pno: string;
  fcn: string | null;
  typ: OrderType;
  status: OrderStatus;
  cti: string;
  oca: string;
  isd: string;
  exp: string; // CCYYMMDD or NONEXP
  pco: string[];
  dst: number | null;
  brady: 'Y' | 'N' | 'U';
  mis: string | null;
  version: number;
  restrained: {
    name: string;
    sex: Sex | null;
    race: Race | null;
    dob: string;
    height: string | null;
    weight: number | null;
    eyes: string | null;
    hair: string | null;
    oln: string | null;
    ols: string | null;
    aliases: string[];
  };
  protected: ProtectedPerson[];
  service: { sdt: string; shw: ServiceMethod; svb: string | null } | null;
  images: number;
  /** For name inquiries: E the same name, P a name that sounds the same. */
  match?: 'E' | 'P';
  /**
   * Set on an active order that other active orders conflict with: the PNO that prevails among
   * them all (possibly this one), and each conflicting order with the kinds of contradiction.
   */
  conflict?: { prevails: string; with: { pno: string; prevails: string; kinds: string[] }[] };
}

/** An order's terms as another order's conflict sees them (stored status; effective at answer time). */
export interface ConflictPartner {
  pno: string;
  typ: OrderType;
  isd: string;
  exp: string; // CCYYMMDD or NONEXP
  status: 'ACTIVE' | 'EXPIRED' | 'CLEARED' | 'CANCELLED';
  pco: string[];
  dst: number | null;
  kinds: string[];
}

/** The order changed between the check of a change and its write (another clerk, the expiry job). */
export class OrderChangedError extends Error {
  constructor(readonly pno: string) {
    super(`order ${pno} changed meanwhile`);
    this.name = 'OrderChangedError';
  }
}

/** An active order of the same type is already entered for the case (ICD 4.1: REJ DUP). */
export class DuplicateOrderError extends Error {
  constructor(readonly existing: { pno: string; typ: string; oca: string }) {
    super(`active ${existing.typ} ${existing.pno} already entered for OCA ${existing.oca}`);
    this.name = 'DuplicateOrderError';
  }
}

export class OrderNotFoundError extends Error {
  constructor(readonly pno: string) {
    super(`no order ${pno}`);
    this.name = 'OrderNotFoundError';
  }
}
