// The CARPOS API as we define it (README.md beside this file): paths, headers, and the request and
// answer bodies as zod schemas. The simulator checks requests with them at its edge; the gateway
// (src/carpos) builds requests of these types and checks answers with them at its own edge.
// Plain data only: no I/O, no imports from db/ or src/.
import { z } from 'zod';

export const PATHS = {
  /** POST: enter an order. 201 with an FCN. */
  enter: '/v1/orders',
  /** POST: a change to an entered order (MODIFY, CANCEL, CLEAR, SERVE). 200. */
  change: (fcn: string) => `/v1/orders/${fcn}/transactions`,
  /** GET: the record as CARPOS holds it. */
  record: (fcn: string) => `/v1/orders/${fcn}`,
} as const;

/** Every /v1 POST carries one; the same key always gets the same answer and takes effect once. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set to `true` on an answer replayed for a key already answered. */
export const REPLAYED_HEADER = 'idempotent-replayed';

export const FCN_PATTERN = /^[0-9]{13}$/;
export const AGENCY_CODE_PATTERN = /^[0-9]{3}$/;
const ORI = /^[A-Z]{2}[A-Z0-9]{7}$/;
const DATE = /^[0-9]{8}$/;

export const ACTIONS = ['ENTER', 'MODIFY', 'CANCEL', 'CLEAR', 'SERVE'] as const;
export type CarposAction = (typeof ACTIONS)[number];
export type ChangeAction = Exclude<CarposAction, 'ENTER'>;

/** Status codes that carry a rejection (a JSON `reason`); anything else that is not 2xx is a failure. */
export const REJECTION_STATUSES = [400, 404, 409, 422] as const;

const pno = z.string().min(1).max(20);
const sex = z.enum(['M', 'F', 'X', 'U']);
const race = z.enum(['A', 'B', 'I', 'W', 'U']);

export const ServiceSchema = z.object({
  sdt: z.string().regex(/^[0-9]{12}$/, 'CCYYMMDDHHMM'),
  shw: z.enum(['PERSONAL', 'VERBAL', 'COURT', 'MAIL']),
  svb: z.string().max(30).optional(),
});

export const OrderSchema = z.object({
  pno,
  typ: z.string().regex(/^[A-Z]{2,5}$/),
  cti: z.string().regex(ORI),
  oca: z.string().min(1).max(20),
  isd: z.string().regex(DATE),
  exp: z.union([z.string().regex(DATE), z.literal('NONEXP')]),
  pco: z.array(z.string().regex(/^0[1-9]$/)).min(1),
  dst: z.number().int().min(1).max(9999).optional(),
  brady: z.enum(['Y', 'N', 'U']).optional(),
  mis: z.string().max(500).optional(),
  restrained: z.object({
    name: z.string().min(1).max(60),
    dob: z.string().regex(DATE),
    sex,
    race,
    height: z.string().optional(),
    weight: z.number().int().optional(),
    eyes: z.string().optional(),
    hair: z.string().optional(),
    oln: z.string().max(20).optional(),
    ols: z.string().regex(/^[A-Z]{2}$/).optional(),
    aliases: z.array(z.object({ name: z.string().min(1).max(60), dob: z.string().regex(DATE).optional() })).optional(),
  }),
  protected: z
    .array(z.object({ name: z.string().min(1).max(60), dob: z.string().regex(DATE), sex, race: race.optional() }))
    .min(1),
  service: ServiceSchema.optional(),
});

/** POST /v1/orders */
export const EnterRequestSchema = z.object({
  /** The entering agency's three-digit CARPOS code: the first digits of the FCN. */
  agencyCode: z.string().regex(AGENCY_CODE_PATTERN, 'three digits'),
  /** The entering agency's ORI. */
  ori: z.string().regex(ORI),
  order: OrderSchema,
});

/** POST /v1/orders/{fcn}/transactions */
export const ChangeRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('MODIFY'), pno, changes: z.record(z.string(), z.unknown()) }),
  z.object({ action: z.literal('CANCEL'), pno, reason: z.string().max(500).optional() }),
  z.object({ action: z.literal('CLEAR'), pno, reason: z.string().max(500).optional() }),
  z.object({ action: z.literal('SERVE'), pno, service: ServiceSchema }),
]);

/** 201 (ENTER) or 200 (a change). */
export const AcceptedSchema = z.object({
  fcn: z.string().regex(FCN_PATTERN, 'an FCN is 13 digits'),
  transaction: z.string().min(1),
  receivedAt: z.string(),
});

/** 400, 404, 409, 422: CARPOS refuses the request, for the reason given. */
export const RejectedSchema = z.object({
  error: z.string(),
  reason: z.string().min(1),
});

export type EnterRequest = z.infer<typeof EnterRequestSchema>;
export type ChangeRequest = z.infer<typeof ChangeRequestSchema>;
export type CarposOrder = z.infer<typeof OrderSchema>;
export type Accepted = z.infer<typeof AcceptedSchema>;
export type Rejected = z.infer<typeof RejectedSchema>;

// ---- the simulator's control API (not part of DOJ's API) ------------------------------------

export const CONTROL_MODES = ['ok', 'fail', 'slow', 'reject'] as const;

/** POST /_control */
export const ControlSchema = z.object({
  mode: z.enum(CONTROL_MODES),
  /** How many /v1 requests the mode applies to; then back to `ok`. Absent: until changed. */
  count: z.number().int().min(1).optional(),
  /** `slow`: how long the answer is held after the request took effect (default 30000). */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /** `reject`: the reason given (default `REJECTED BY SIMULATOR`). */
  reason: z.string().min(1).max(200).optional(),
  /** Only requests of this action get the mode (and count against `count`); others are served as `ok`. */
  action: z.enum(ACTIONS).optional(),
  /** `fail`: the status returned (default 500). */
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
});
export type Control = z.infer<typeof ControlSchema>;

/** What happened to one request, as GET /_received lists it. */
export interface ReceivedEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  action: CarposAction | null;
  pno: string | null;
  fcn: string | null;
  status: number;
  /**
   * applied: took effect now; replayed: an earlier answer for the key sent again; rejected: refused
   * (kept for the key); invalid: a malformed request (nothing kept); failed: a fault injected by the
   * control API (nothing kept).
   */
  outcome: 'applied' | 'replayed' | 'rejected' | 'invalid' | 'failed';
}
