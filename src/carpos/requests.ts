// From an outbox row (what the registry wrote, in the transaction of the change) to the CARPOS API
// request that reports it (simulators/carpos/api.ts). The registry's payloads are `{ pno, ...entry }`
// for ENTER and `{ pno, field: [before, after], reason? }` for a change.
import {
  PATHS,
  type CarposAction,
  type CarposOrder,
  type ChangeRequest,
  type EnterRequest,
} from '../../simulators/carpos/api.ts';

/** A row as the worker claimed it, with what it needs of its order. */
export interface OutboxRow {
  id: number;
  orderId: number;
  action: CarposAction;
  payload: Record<string, unknown>;
  idempotencyKey: string;
  attempts: number;
  pno: string;
  /** The issuing court: the NOTE of a rejection goes to its terminals. */
  cti: string;
  /** The order's FCN as the registry has it now (null until the ENTER is answered). */
  fcn: string | null;
  enteredOri: string;
  /** The entering agency's three-digit CARPOS code (null: the agency has none). */
  agencyCode: string | null;
}

export type CarposRequest =
  | { action: 'ENTER'; path: string; body: EnterRequest }
  | { action: Exclude<CarposAction, 'ENTER'>; path: string; body: ChangeRequest };

/** A row that cannot become a request; it waits (with backoff) until someone fixes the cause. */
export class UnsendableError extends Error {}

export function requestFor(row: OutboxRow): CarposRequest {
  if (row.action === 'ENTER') {
    if (!row.agencyCode) throw new UnsendableError(`AGENCY ${row.enteredOri} HAS NO CARPOS CODE`);
    const order = { ...row.payload, pno: row.pno } as unknown as CarposOrder;
    return { action: 'ENTER', path: PATHS.enter, body: { agencyCode: row.agencyCode, ori: row.enteredOri, order } };
  }
  if (!row.fcn) throw new UnsendableError(`ORDER ${row.pno} HAS NO FCN YET`);
  const path = PATHS.change(row.fcn);
  const p = row.payload;
  const reason = typeof p.reason === 'string' ? { reason: p.reason } : {};
  switch (row.action) {
    case 'CANCEL':
    case 'CLEAR':
      return { action: row.action, path, body: { action: row.action, pno: row.pno, ...reason } };
    case 'SERVE': {
      const service = afterOf(p.service);
      if (!service || typeof service !== 'object') throw new UnsendableError(`SERVE OF ${row.pno} CARRIES NO SERVICE`);
      return { action: 'SERVE', path, body: { action: 'SERVE', pno: row.pno, service: service as Extract<ChangeRequest, { action: 'SERVE' }>['service'] } };
    }
    case 'MODIFY': {
      const changes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p)) if (k !== 'pno' && k !== 'reason') changes[k] = afterOf(v);
      return { action: 'MODIFY', path, body: { action: 'MODIFY', pno: row.pno, changes } };
    }
  }
}

/** A change is kept as `[before, after]`; the request carries the after. */
function afterOf(v: unknown): unknown {
  return Array.isArray(v) && v.length === 2 ? v[1] : v;
}
