// The simulated CARPOS: an HTTP(S) server that speaks the API of api.ts as DOJ would, plus a small
// control API to make it fail, slow down or reject. An independent peer: it imports nothing of the
// registry (db/) or the service (src/).
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  ChangeRequestSchema,
  ControlSchema,
  EnterRequestSchema,
  FCN_PATTERN,
  IDEMPOTENCY_HEADER,
  REPLAYED_HEADER,
  type CarposAction,
  type ChangeRequest,
  type Control,
  type EnterRequest,
  type ReceivedEntry,
} from './api.ts';
import { CarposStore } from './store.ts';

export interface SimulatorOptions {
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Keep everything in this JSON file too (read at start when it exists). */
  dataFile?: string;
  /** One line per request; default none. */
  log?: (line: string) => void;
}

export interface CarposSimulator {
  readonly url: string;
  readonly port: number;
  readonly store: CarposStore;
  /** As POST /_control. */
  control(c: Control): void;
  received(): readonly ReceivedEntry[];
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  outcome: ReceivedEntry['outcome'];
  /** Kept for the idempotency key (so a replay gets it again). */
  keep: boolean;
}

const MAX_BODY = 1 << 20;

const reject = (status: number, error: string, reason: string, keep = true): Answer => ({
  status,
  body: { error, reason },
  outcome: status === 400 ? 'invalid' : 'rejected',
  keep,
});

/** JSON with sorted keys: the same request always hashes the same, whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return `${i?.path.join('.') || 'BODY'}: ${i?.message ?? 'INVALID'}`.toUpperCase();
}

export async function startCarposSimulator(opts: SimulatorOptions = {}): Promise<CarposSimulator> {
  const store = new CarposStore(opts.dataFile);
  const log = opts.log ?? (() => {});
  const closing = new AbortController();
  let control: Control & { left?: number } = { mode: 'ok' };

  /** The mode a request of this action gets; counts it against `count`. */
  const takeMode = (action: CarposAction | null): Control => {
    const c = control;
    if (c.action && c.action !== action) return { mode: 'ok' };
    if (c.mode !== 'ok' && c.left !== undefined) {
      c.left -= 1;
      if (c.left <= 0) control = { mode: 'ok' };
    }
    return c;
  };

  const setControl = (c: Control) => {
    control = { ...c, ...(c.count !== undefined ? { left: c.count } : {}) };
    log(`control: ${JSON.stringify(c)}`);
  };

  type Result = Answer & { action: CarposAction | null; pno: string | null; fcn: string | null };

  function enter(req: EnterRequest, key: string): Result {
    const { agencyCode, ori, order } = req;
    const existing = store.fcnOfPno(order.pno);
    if (existing) return { ...reject(409, 'DUPLICATE', `PNO ${order.pno} IS ALREADY ENTERED AS FCN ${existing}`), action: 'ENTER', pno: order.pno, fcn: existing };
    const fcn = store.nextFcn(agencyCode);
    const transaction = store.nextTransaction();
    const at = new Date().toISOString();
    store.addRecord({
      fcn, pno: order.pno, agencyCode, ori, status: 'ACTIVE', order, enteredAt: at,
      transactions: [{ transaction, action: 'ENTER', idempotencyKey: key, at }],
    });
    return { status: 201, body: { fcn, transaction, receivedAt: at }, outcome: 'applied', keep: true, action: 'ENTER', pno: order.pno, fcn };
  }

  function change(fcn: string, req: ChangeRequest, key: string): Result {
    const rec = store.record(fcn);
    const base = { action: req.action, pno: req.pno, fcn };
    if (!rec) return { ...reject(404, 'NO_RECORD', `NO RECORD FOR FCN ${fcn}`), ...base };
    if (rec.pno !== req.pno) return { ...reject(422, 'REJECTED', `FCN ${fcn} IS PNO ${rec.pno}, NOT ${req.pno}`), ...base };
    if (rec.status !== 'ACTIVE') return { ...reject(422, 'REJECTED', `RECORD ${fcn} IS ${rec.status}`), ...base };
    let data: unknown;
    switch (req.action) {
      case 'CANCEL':
        rec.status = 'CANCELLED';
        data = { reason: req.reason };
        break;
      case 'CLEAR':
        rec.status = 'CLEARED';
        data = { reason: req.reason };
        break;
      case 'SERVE':
        rec.order = { ...rec.order, service: req.service };
        data = req.service;
        break;
      case 'MODIFY':
        rec.order = { ...rec.order, ...req.changes } as typeof rec.order;
        data = req.changes;
        break;
    }
    const transaction = store.nextTransaction();
    const at = new Date().toISOString();
    rec.transactions.push({ transaction, action: req.action, idempotencyKey: key, at, data });
    return { status: 200, body: { fcn, transaction, receivedAt: at }, outcome: 'applied', keep: true, ...base };
  }

  async function transactionRequest(req: http.IncomingMessage, res: http.ServerResponse, path: string, fcn: string | null) {
    const key = String(req.headers[IDEMPOTENCY_HEADER] ?? '').trim();
    const text = await readBody(req);
    const entry = { method: 'POST', path, idempotencyKey: key || null, fcn } as const;
    const finish = async (a: { status: number; body: unknown; outcome: ReceivedEntry['outcome'] }, meta: { action: CarposAction | null; pno: string | null; fcn: string | null }, replayed = false, hold = 0) => {
      const e = store.log({ ...entry, action: meta.action, pno: meta.pno, fcn: meta.fcn, status: a.status, outcome: a.outcome });
      store.save();
      log(`${a.status} ${e.action ?? '-'} ${e.pno ?? '-'} ${e.fcn ?? ''} ${a.outcome} key=${key.slice(0, 8) || '-'}${hold ? ` held ${hold} ms` : ''}`);
      if (hold > 0) await holdFor(hold, res);
      send(res, a.status, a.body, replayed ? { [REPLAYED_HEADER]: 'true' } : {});
    };
    const none = { action: null, pno: null, fcn };

    if (text === undefined) return finish(reject(400, 'INVALID', 'BODY TOO LARGE', false), none);
    if (!key || key.length > 255) return finish(reject(400, 'INVALID', 'IDEMPOTENCY-KEY HEADER REQUIRED', false), none);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return finish(reject(400, 'INVALID', 'BODY IS NOT JSON', false), none);
    }
    const meta = guessMeta(raw, fcn);
    const mode = takeMode(meta.action);
    if (mode.mode === 'fail') return finish({ status: mode.status ?? 500, body: { error: 'UNAVAILABLE' }, outcome: 'failed' }, meta);
    const hold = mode.mode === 'slow' ? (mode.delayMs ?? 30_000) : 0;
    const requestHash = createHash('sha256').update(`POST ${path} ${canonical(raw)}`).digest('hex');
    const kept = store.answer(key);
    if (kept) {
      if (kept.requestHash !== requestHash) return finish(reject(409, 'KEY_REUSED', 'IDEMPOTENCY-KEY WAS USED FOR ANOTHER REQUEST', false), meta);
      return finish({ status: kept.status, body: kept.body, outcome: 'replayed' }, { ...meta, fcn: answeredFcn(kept.body) ?? meta.fcn }, true, hold);
    }
    const parsed = fcn === null ? EnterRequestSchema.safeParse(raw) : ChangeRequestSchema.safeParse(raw);
    if (!parsed.success) return finish(reject(400, 'INVALID', firstIssue(parsed.error), false), meta);
    let a: Result;
    if (mode.mode === 'reject') {
      // Refused as DOJ would refuse it: nothing of the request takes effect, the refusal is kept.
      a = { ...reject(422, 'REJECTED', mode.reason ?? 'REJECTED BY SIMULATOR'), ...meta };
    } else if (fcn === null) {
      a = enter(parsed.data as EnterRequest, key);
    } else {
      a = change(fcn, parsed.data as ChangeRequest, key);
    }
    if (a.keep) store.keep(key, { status: a.status, body: a.body, requestHash });
    return finish(a, a, false, hold);
  }

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://carpos');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    try {
      if (path === '/_control' && method === 'POST') {
        const text = await readBody(req);
        let parsed;
        try {
          parsed = ControlSchema.safeParse(JSON.parse(text ?? ''));
        } catch {
          return send(res, 400, { error: 'INVALID', reason: 'BODY IS NOT JSON' });
        }
        if (!parsed.success) return send(res, 400, { error: 'INVALID', reason: firstIssue(parsed.error) });
        setControl(parsed.data);
        return send(res, 200, { control });
      }
      if (path === '/_control' && method === 'GET') return send(res, 200, { control });
      if (path === '/_received' && method === 'GET') return send(res, 200, { received: store.received });
      if (path === '/_records' && method === 'GET') return send(res, 200, { records: store.records });
      if (path === '/_reset' && method === 'POST') {
        store.reset();
        control = { mode: 'ok' };
        return send(res, 200, { reset: true });
      }
      if (path === '/v1/orders' && method === 'POST') return await transactionRequest(req, res, path, null);
      const tx = /^\/v1\/orders\/([^/]+)\/transactions$/.exec(path);
      if (tx && method === 'POST') {
        const fcn = decodeURIComponent(tx[1]!);
        if (!FCN_PATTERN.test(fcn)) return send(res, 404, { error: 'NO_RECORD', reason: `NO RECORD FOR FCN ${fcn.slice(0, 20)}` });
        return await transactionRequest(req, res, path, fcn);
      }
      const rec = /^\/v1\/orders\/([0-9]{13})$/.exec(path);
      if (rec && method === 'GET') {
        const r = store.record(rec[1]!);
        return r ? send(res, 200, r) : send(res, 404, { error: 'NO_RECORD', reason: `NO RECORD FOR FCN ${rec[1]}` });
      }
      // Not an API path: plain text, so that a client does not take it for a refusal of its request.
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such path\n');
    } catch (err) {
      log(`error: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    }
  };

  function holdFor(ms: number, res: http.ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    return sleep(ms, undefined, { signal: AbortSignal.any([gone.signal, closing.signal]) }).catch(() => {});
  }

  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, (q, s) => void handler(q, s))
    : http.createServer((q, s) => void handler(q, s));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    store,
    control: setControl,
    received: () => store.received,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function guessMeta(raw: unknown, fcn: string | null): { action: CarposAction | null; pno: string | null; fcn: string | null } {
  const o = (raw && typeof raw === 'object' ? raw : {}) as { action?: unknown; pno?: unknown; order?: { pno?: unknown } };
  const action = fcn === null ? 'ENTER' : typeof o.action === 'string' ? (o.action as CarposAction) : null;
  const pno = typeof o.pno === 'string' ? o.pno : typeof o.order?.pno === 'string' ? o.order.pno : null;
  return { action, pno, fcn };
}

function answeredFcn(body: unknown): string | null {
  const f = (body as { fcn?: unknown } | null)?.fcn;
  return typeof f === 'string' ? f : null;
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
