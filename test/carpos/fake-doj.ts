// DOJ's side of the CARPOS API for msw (it intercepts the global fetch the gateway uses): keeps
// the answer of every Idempotency-Key, counts what took effect, and lets a test script faults
// (once, per request, or for every request until lifted).
import { http, HttpResponse } from 'msw';

export interface DojRequest {
  at: number;
  key: string;
  action: string;
  pno: string;
  /** The FCN in the path (changes) or null (ENTER). */
  fcn: string | null;
  body: Record<string, unknown>;
}

export interface FaultContext extends DojRequest {
  /** Does what DOJ normally does (takes effect, keeps the answer) and returns that answer. */
  apply(): Response;
}

/** A fault returns a Response to send instead, or undefined to let the request through. */
export type Fault = (c: FaultContext) => Response | undefined | Promise<Response | undefined>;

// FCNs are unique across every FakeDoj of a test file, as DOJ's are (the registry refuses a repeat).
let fcnSeq = 0;

export class FakeDoj {
  readonly requests: DojRequest[] = [];
  /** Idempotency-Key -> how many times it took effect (must never exceed 1). */
  readonly effects = new Map<string, number>();
  /** FCN -> the PNO entered under it and the actions applied, in order. */
  readonly records = new Map<string, { pno: string; actions: string[] }>();
  private readonly answers = new Map<string, { status: number; body: unknown }>();
  /** Faults for the next requests, one each, in order. */
  readonly once: Fault[] = [];
  /** A fault asked of every request (after `once`), until set back to undefined. */
  always: Fault | undefined;
  /** The FCN the next ENTER gets, instead of the agency code and a sequence number. */
  nextFcn: string[] = [];
  private seq = 0;

  constructor(readonly base: string) {}

  handlers() {
    return [
      http.post(`${this.base}/v1/orders`, ({ request }) => this.handle(request, null)),
      http.post(`${this.base}/v1/orders/:fcn/transactions`, ({ request, params }) => this.handle(request, String(params.fcn))),
    ];
  }

  /** The requests that took effect, in the order they did. */
  applied(): DojRequest[] {
    return this.requests.filter((r) => (r as DojRequest & { tookEffect?: boolean }).tookEffect);
  }

  private async handle(request: Request, fcn: string | null): Promise<Response> {
    const key = request.headers.get('idempotency-key') ?? '';
    const body = (await request.json()) as Record<string, unknown>;
    const action = fcn === null ? 'ENTER' : String(body.action);
    const pno = fcn === null ? String((body.order as { pno: string }).pno) : String(body.pno);
    const req: DojRequest = { at: Date.now(), key, action, pno, fcn, body };
    this.requests.push(req);
    const ctx: FaultContext = { ...req, apply: () => this.apply(req) };
    const fault = this.once.shift() ?? this.always;
    if (fault) {
      const r = await fault(ctx);
      if (r) return r;
    }
    return this.apply(req);
  }

  private apply(req: DojRequest): Response {
    const kept = this.answers.get(req.key);
    if (kept) return HttpResponse.json(kept.body as object, { status: kept.status, headers: { 'idempotent-replayed': 'true' } });
    let status: number;
    let body: object;
    if (req.fcn === null) {
      this.seq += 1;
      fcnSeq += 1;
      const fcn = this.nextFcn.shift() ?? String(req.body.agencyCode) + String(fcnSeq).padStart(10, '0');
      this.records.set(fcn, { pno: req.pno, actions: ['ENTER'] });
      status = 201;
      body = { fcn, transaction: `T${this.seq}`, receivedAt: new Date().toISOString() };
    } else {
      const rec = this.records.get(req.fcn);
      if (!rec) {
        status = 404;
        body = { error: 'NO_RECORD', reason: `NO RECORD FOR FCN ${req.fcn}` };
      } else {
        rec.actions.push(req.action);
        status = 200;
        body = { fcn: req.fcn, transaction: `T${++this.seq}`, receivedAt: new Date().toISOString() };
      }
    }
    if (status < 300) {
      this.effects.set(req.key, (this.effects.get(req.key) ?? 0) + 1);
      (req as DojRequest & { tookEffect?: boolean }).tookEffect = true;
    }
    this.answers.set(req.key, { status, body });
    return HttpResponse.json(body, { status });
  }
}

export const json = (body: unknown, status: number) => HttpResponse.json(body as object, { status });
export const text = (t: string, status: number) => new HttpResponse(t, { status, headers: { 'content-type': 'text/html' } });
