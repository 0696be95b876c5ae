// The benchmark's load: the MDT simulator's load mode (simulators/mdt/load) in its lean form,
// driven in-process with a list of known names and PNOs so that every inquiry is a HIT, as a
// patrol shift's would mostly be.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Credentials } from '../simulators/mdt/credentials.ts';
import { parseMix } from '../simulators/mdt/load/mix.ts';
import { runLoad as mdtLoad } from '../simulators/mdt/load/run.ts';

export interface LoadReport {
  sent: number;
  perSecond: number;
  errors: number;
  /** Replies by status, and `REJ code`. */
  statuses: Record<string, number>;
  /** Share of replies with the status the kind expects (HIT for known orders, ACK for entries). */
  asExpected: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

export interface Known {
  /** `LAST, FIRST` of a restrained person with an active order, CCYYMMDD, and that order's PNO. */
  name: string;
  dob: string;
  pno: string;
}

export interface LoadTarget {
  port: number;
  user: string;
  password: string;
  ori: string;
  known: Known[];
}

/** `rate` (messages per second over all terminals): paced; without it, as fast as answered. */
export async function runLoad(t: LoadTarget, o: { terminals: number; seconds: number; mix: string; rate?: number }): Promise<LoadReport> {
  const namesFile = join(os.tmpdir(), `ccpor-bench-names-${process.pid}.txt`);
  writeFileSync(namesFile, t.known.map((n) => `${n.name}|${n.dob}|${n.pno}`).join('\n') + '\n');
  const r = await mdtLoad({
    endpoint: { host: '127.0.0.1', port: t.port },
    credentials: Credentials.fromOptions({ user: t.user, password: t.password, ori: t.ori, env: {} }),
    terminals: o.terminals,
    durationMs: o.seconds * 1000,
    ratePerSecond: o.rate,
    pipeline: 1,
    mix: parseMix(o.mix),
    users: undefined,
    namesFile,
    discover: 0,
    seedOrders: 0,
    idle: 0,
    idleConcurrency: 100,
    serverPid: undefined,
    progressMs: 3_600_000,
    replyTimeoutMs: 30_000,
    lean: true,
    timeZone: 'America/Los_Angeles',
    out: () => {},
    err: () => {},
  });
  const statuses = { ...r.byStatus };
  delete statuses.REJ;
  for (const [code, n] of Object.entries(r.byReject)) statuses[`REJ ${code}`] = n;
  const kinds = Object.values(r.byKind);
  const replies = kinds.reduce((a, k) => a + k.replies, 0);
  const s = r.servedLatencyMs;
  return {
    sent: r.sent,
    perSecond: r.servedThroughput,
    errors: r.errorsTotal + Object.values(r.byReject).reduce((a, n) => a + n, 0),
    statuses,
    asExpected: replies ? kinds.reduce((a, k) => a + k.asExpected, 0) / replies : 0,
    latency: { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max },
  };
}
