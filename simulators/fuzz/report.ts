// What a fuzz run counts and prints: inputs by transport and kind, replies by status and reject
// code, write ACKs, the checks and every failure (with the bytes that caused it), and the
// service's memory over the run.
import { showBytes } from '../mdt/text.ts';
import { Counter } from '../mdt/load/stats.ts';
import type { Kind } from './inputs.ts';

export type Transport = 'tcp' | 'tls' | 'ssh';
export const TRANSPORTS: readonly Transport[] = ['tcp', 'tls', 'ssh'];

export interface Failure {
  check: string;
  detail: string;
  transport: Transport | 'setup' | 'service';
  kind?: Kind;
  /** The input, escaped (`<STX>`, `\xHH`), cut to 400 characters; its full length in bytes. */
  input?: string;
  inputBytes?: number;
  /** The input as base64, for replaying it (JSON report only; inputs up to 64 KB; passwords as ***). */
  inputBase64?: string;
  at: number;
}

export interface CheckLine {
  name: string;
  ok: boolean | undefined; // undefined: not checked
  detail: string;
}

export interface FuzzReport {
  tool: 'ccpor-fuzz';
  version: 1;
  seed: number;
  target: string;
  elapsedS: number;
  inputs: number;
  inputsByTransport: Record<string, number>;
  inputsByKind: Record<string, Record<string, number>>;
  frames: number;
  bytes: number;
  connections: Record<string, number>;
  replies: number;
  byStatus: Record<string, number>;
  byReject: Record<string, number>;
  unsolicited: number;
  writeAcks: Record<string, number>;
  memory?: { pid: number; startMb: number; baselineMb: number; endMb: number; maxMb: number; growthMb: number; limitMb: number; samples: [number, number][] };
  checks: CheckLine[];
  failures: Failure[];
  failuresByCheck: Record<string, number>;
  failureCount: number;
}

const MAX_KEPT = 200;

export class FuzzStats {
  readonly started = performance.now();
  readonly inputs = new Counter();
  readonly byKind = new Map<Transport, Counter>();
  readonly frames = new Counter();
  readonly bytes = new Counter();
  readonly connections = new Counter();
  readonly byStatus = new Counter();
  readonly byReject = new Counter();
  readonly writeAcks = new Counter();
  readonly failuresByCheck = new Counter();
  readonly failures: Failure[] = [];
  /** PNOs named in the ACK of an MPO, XPO, CPO or SPO; PNOs of acknowledged EPOs. */
  readonly changedPnos = new Set<string>();
  readonly enteredPnos = new Set<string>();
  unsolicited = 0;
  replies = 0;

  input(t: Transport, kind: Kind, bytes: number, frames: number): void {
    this.inputs.add(t);
    let c = this.byKind.get(t);
    if (!c) this.byKind.set(t, (c = new Counter()));
    c.add(kind);
    this.bytes.add(t, bytes);
    this.frames.add(t, frames);
  }

  reply(r: { mke: string; status: string; reject?: { code: string } | undefined; fields: [string, string][] }): void {
    this.replies++;
    this.byStatus.add(r.status);
    if (r.status === 'REJ') this.byReject.add(r.reject?.code ?? '?');
    if (r.status === 'ACK' && ['EPO', 'MPO', 'XPO', 'CPO', 'SPO', 'YQ', 'YR', 'AM', 'ULK'].includes(r.mke)) {
      this.writeAcks.add(r.mke);
      const pno = r.fields.find(([t]) => t === 'PNO')?.[1];
      if (pno && r.mke === 'EPO') this.enteredPnos.add(pno);
      else if (pno && r.mke !== 'YQ' && r.mke !== 'YR') this.changedPnos.add(pno);
    }
  }

  fail(f: Omit<Failure, 'at'>, bytes?: Buffer): void {
    this.failuresByCheck.add(f.check);
    if (this.failures.length >= MAX_KEPT) return;
    const full: Failure = { ...f, at: Math.round(performance.now() - this.started) };
    if (bytes) {
      // Passwords are never shown or kept, not even the fuzzer's own sign-ons (PWD/***).
      bytes = Buffer.from(bytes.toString('latin1').replace(/((?:^|[.\x00-\x1f])\s*(?:PWD|OTP)\/)[^.\x00-\x1f]*/gi, '$1***'), 'latin1');
      const shown = showBytes(bytes);
      full.input = shown.length > 400 ? `${shown.slice(0, 400)}...` : shown;
      full.inputBytes = bytes.length;
      if (bytes.length <= 65_536) full.inputBase64 = bytes.toString('base64');
    }
    this.failures.push(full);
  }

  get failureCount(): number {
    return this.failuresByCheck.total;
  }
}

const kv = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');

export function printReport(r: FuzzReport, out: (line: string) => void, showFailures = 20): void {
  out('');
  out(`fuzz report: seed ${r.seed}, ${r.elapsedS} s against ${r.target}`);
  out(`inputs tried: ${r.inputs} (${TRANSPORTS.filter((t) => r.inputsByTransport[t]).map((t) => `${t} ${r.inputsByTransport[t]}`).join(', ') || 'none'}); ` +
    `${r.frames} frame(s)/line(s) to answer, ${(r.bytes / 1_048_576).toFixed(1)} MB sent; connections ${kv(r.connections)}`);
  const kinds = [...new Set(Object.values(r.inputsByKind).flatMap((m) => Object.keys(m)))].sort();
  const used = TRANSPORTS.filter((t) => r.inputsByKind[t]);
  if (kinds.length) {
    out(`  ${'kind'.padEnd(14)}${used.map((t) => t.padStart(8)).join('')}`);
    for (const k of kinds) out(`  ${k.padEnd(14)}${used.map((t) => String(r.inputsByKind[t]?.[k] ?? 0).padStart(8)).join('')}`);
  }
  out(`replies: ${r.replies}; by status: ${kv(r.byStatus)}; unsolicited (MSG, NOTE) ${r.unsolicited}`);
  out(`by REJ code: ${kv(r.byReject)}`);
  out(`write ACKs: ${kv(r.writeAcks)}`);
  if (r.memory) {
    const m = r.memory;
    out(`service memory (pid ${m.pid}): start ${m.startMb} MB, after warm-up ${m.baselineMb} MB, end ${m.endMb} MB, max ${m.maxMb} MB: ${m.growthMb >= 0 ? '+' : ''}${m.growthMb} MB (limit +${m.limitMb} MB)`);
  }
  out('checks:');
  for (const c of r.checks) out(`  ${c.ok === undefined ? 'skip' : c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  out(`failures: ${r.failureCount}${r.failureCount ? ` (${kv(r.failuresByCheck)})` : ''}`);
  for (const f of r.failures.slice(0, showFailures)) {
    out(`  [${f.transport}${f.kind ? ` ${f.kind}` : ''} +${(f.at / 1000).toFixed(1)}s] ${f.check}: ${f.detail}`);
    if (f.input !== undefined) out(`      input (${f.inputBytes} bytes): ${f.input}`);
  }
  if (r.failures.length > showFailures) out(`  ... ${r.failures.length - showFailures} more (--json FILE keeps them all, with the inputs)`);
}
