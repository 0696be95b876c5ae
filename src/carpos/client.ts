// One request to CARPOS over HTTPS (HTTP to a local simulator) with the global fetch, bounded by a
// timeout, and its answer sorted into what the worker does next: store the FCN, mark the row
// rejected, or try again later. Answers are checked with the API's schemas at this edge.
import { Agent } from 'undici';
import {
  AcceptedSchema,
  IDEMPOTENCY_HEADER,
  REJECTION_STATUSES,
  REPLAYED_HEADER,
  RejectedSchema,
} from '../../simulators/carpos/api.ts';
import type { CarposRequest } from './requests.ts';

export type Outcome =
  /** CARPOS took it (or had taken it: `replayed`). */
  | { kind: 'accepted'; status: number; fcn: string; replayed: boolean }
  /** CARPOS refused it for a reason: sending it again would not help. */
  | { kind: 'rejected'; status: number; reason: string }
  /** No usable answer: network, timeout, 5xx, a malformed body. Try again later. */
  | { kind: 'failed'; status?: number; error: string }
  /** Stopped by us (shutdown) before an answer came: nothing known, try again. */
  | { kind: 'abandoned' };

export interface ClientOptions {
  url: string;
  timeoutMs: number;
  /** PEM of a private CA that signed CARPOS's certificate (CARPOS_CA_FILE). */
  ca?: string;
}

const MAX_ANSWER = 64 * 1024;

export class CarposClient {
  private readonly base: URL;
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    // The global fetch is undici: a dispatcher of our own carries the private CA, for this
    // client only (NODE_EXTRA_CA_CERTS would trust it process-wide, and only from start-up).
    this.dispatcher = opts.ca ? new Agent({ connect: { ca: opts.ca } }) : undefined;
  }

  /** Where CARPOS is, without any credentials the URL may carry: for logs. */
  get where(): string {
    return `${this.base.origin}${this.base.pathname}`;
  }

  async send(req: CarposRequest, idempotencyKey: string, stop: AbortSignal): Promise<Outcome> {
    const url = new URL(req.path.replace(/^\//, ''), this.base);
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = AbortSignal.any([timeout, stop]);
    let status: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [IDEMPOTENCY_HEADER]: idempotencyKey },
        body: JSON.stringify(req.body),
        signal,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      } as RequestInit);
      status = res.status;
      const text = await res.text();
      if (text.length > MAX_ANSWER) return { kind: 'failed', status, error: `HTTP ${status} ANSWER TOO LONG` };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (status >= 200 && status < 300) {
        const ok = AcceptedSchema.safeParse(body);
        if (!ok.success) {
          const what = body === undefined ? 'NOT JSON' : ok.error.issues[0]?.message ?? 'UNEXPECTED FORM';
          return { kind: 'failed', status, error: `MALFORMED ANSWER (HTTP ${status}): ${what}`.toUpperCase() };
        }
        return { kind: 'accepted', status, fcn: ok.data.fcn, replayed: res.headers.get(REPLAYED_HEADER) === 'true' };
      }
      if ((REJECTION_STATUSES as readonly number[]).includes(status)) {
        const r = RejectedSchema.safeParse(body);
        // A 4xx without CARPOS's reason (a proxy, a wrong URL) is no answer about the request.
        if (r.success) return { kind: 'rejected', status, reason: r.data.reason };
        return { kind: 'failed', status, error: `HTTP ${status} WITHOUT A REASON` };
      }
      return { kind: 'failed', status, error: `HTTP ${status}` };
    } catch (err) {
      if (stop.aborted) return { kind: 'abandoned' };
      if (timeout.aborted) return { kind: 'failed', status, error: `NO ANSWER WITHIN ${this.opts.timeoutMs} MS` };
      return { kind: 'failed', status, error: describe(err) };
    }
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`.toUpperCase().slice(0, 200);
}
