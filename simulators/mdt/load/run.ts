// Load mode: N terminals sign on and send a mix of messages for a duration, as fast as replies
// come back or at a total --rate; throughput, latency percentiles and counts by status, reject
// code and error are printed and returned (for --json). Dropped connections are reopened and
// signed on again. --idle N adds N signed-on connections that stay quiet, to measure what a
// connection costs the service (with --server-pid, its resident memory is sampled).
//
// Inquiries should hit, but a protocol client cannot read the registry: it learns orders from
// replies. Before the clock starts it probes order numbers (PNO = PO + 9-digit sequence + Luhn
// digit, so PO000000001x, PO000000002x, ... are the first orders ever entered) and keeps what the
// HITs show; or reads --names; or has a clerk enter --seed-orders first. EPOs of the run add to it.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Answer, Endpoint } from '../client.ts';
import type { Credential, Credentials } from '../credentials.ts';
import { ServiceClock } from '../service-clock.ts';
import { pnoOf, randomLetters, UsageError } from '../text.ts';
import { build, KINDS, MAY_SEND, type Kind, type Mix } from './mix.ts';
import { LeanTimeout } from './lean.ts';
import { Pool, readNames } from './pool.ts';
import { type LatencySummary, LoadStats } from './stats.ts';
import { LoadTerminal, type TerminalShared } from './terminal.ts';

export interface LoadOptions {
  endpoint: Endpoint;
  credentials: Credentials;
  terminals: number;
  durationMs: number;
  /** Total messages per second over all terminals; undefined: as fast as replies come back. */
  ratePerSecond: number | undefined;
  pipeline: number;
  mix: Mix;
  users: string[] | undefined;
  namesFile: string | undefined;
  /** PNO sequence numbers to probe (1..discover). */
  discover: number;
  seedOrders: number | undefined;
  idle: number;
  idleConcurrency: number;
  serverPid: number | undefined;
  progressMs: number;
  replyTimeoutMs: number;
  /** Read replies only as far as their header, with no timer per request (lean.ts). */
  lean?: boolean;
  timeZone: string;
  out(line: string): void;
  err(line: string): void;
  /** Called as the measured phase starts (tests use it to disturb the service). */
  onStarted?: () => void;
}

export interface LoadReport {
  tool: 'mdt-load';
  version: 1;
  startedAt: string;
  client: { host: string; pid: number; rssMb: number };
  target: { host: string; port: number; tls: boolean; mode: string };
  config: { terminals: number; durationS: number; rate: number | null; pipeline: number; mix: string; users: string[] };
  setup: { signOnS: number; signOn: LatencySummary; discovery: { probed: number; found: number }; seeded: number; pool: Record<string, number> };
  elapsedS: number;
  sent: number;
  replies: number;
  throughput: number;
  /** Replies other than REJ RAT per second: what the service did, not what it turned away. */
  servedThroughput: number;
  latencyMs: LatencySummary;
  /** Latency of the replies other than REJ RAT. */
  servedLatencyMs: LatencySummary;
  byStatus: Record<string, number>;
  byReject: Record<string, number>;
  byKind: Record<string, { sent: number; replies: number; rateLimited: number; asExpected: number; expect: string; noData: number; byStatus: Record<string, number>; latencyMs: LatencySummary }>;
  errors: Record<string, number>;
  errorsTotal: number;
  reconnects: number;
  drops: number;
  signOnRejected: Record<string, number>;
  unsolicited: Record<string, number>;
  late: number;
  strays: number;
  ctlMismatches: number;
  behind: number;
  idle?: {
    requested: number;
    signedOn: number;
    openAtEnd: number;
    openS: number;
    drops: number;
    reconnects: number;
    errors: Record<string, number>;
    clientRssMbPerConnectionKb: number;
    /** Resident memory of the service: at start, after a first batch (the baseline), after all. */
    server?: { pid: number; rssAtStartMb: number; rssBeforeMb: number; connectionsBefore: number; rssAfterMb: number; perConnectionKb: number };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const rssMb = () => round(process.memoryUsage().rss / 1_048_576);

/** The service's resident memory in MB, from /proc (Linux); undefined elsewhere. */
function serverRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** This process's open-file limit (Linux), to warn before running out of sockets. */
function openFileLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

type FullCredential = Credential & { ori: string; password: string };

function complete(c: Credential, creds: Credentials): FullCredential {
  const password = c.password ?? creds.password(c.user);
  const ori = c.ori;
  if (!ori) throw new UsageError(`no ORI known for ${c.user}: give --credentials FILE or --ori`);
  if (password === undefined) throw new UsageError(`no password for ${c.user}: give --credentials FILE, --password or MDT_PASSWORD`);
  return { ...c, ori, password };
}

/** Users for the terminals: --users, --user, or those of the credentials file whose role may send the whole mix. */
export function chooseUsers(o: Pick<LoadOptions, 'users' | 'credentials' | 'mix'>): FullCredential[] {
  const creds = o.credentials;
  if (o.users?.length) {
    return o.users.map((u) => complete(creds.get(u) ?? { user: u }, creds));
  }
  if (creds.defaultUser) return [complete(creds.get(creds.defaultUser)!, creds)];
  const keys = [...o.mix.keys()];
  const fit = creds.list().filter((c) => !c.role || keys.every((k) => MAY_SEND[k].includes(c.role!)));
  // Inquiry-only mixes run on the field roles (not ADMIN) when there are any.
  const field = fit.filter((c) => c.role !== 'ADMIN');
  const chosen = field.length ? field : fit;
  if (chosen.length === 0) {
    throw new UsageError(`no user in the credentials may send ${keys.join(' ')} (${o.mix}): give --users or --user`);
  }
  return chosen.map((c) => complete(c, creds));
}

function clerkFor(o: LoadOptions, users: FullCredential[]): FullCredential | undefined {
  const c = users.find((u) => u.role === 'CLERK') ?? o.credentials.withRole('CLERK')[0];
  if (c) return complete(c, o.credentials);
  // Without roles, the one user given is taken at its word.
  return users.length === 1 && !users[0]!.role ? users[0] : undefined;
}

/** Runs in batches of `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const startedAt = new Date();
  const run = randomLetters(5);
  const users = o.terminals > 0 || o.idle > 0 ? chooseUsers(o) : [];
  const limit = openFileLimit();
  const need = o.terminals + o.idle + 64;
  if (limit !== undefined && need > limit) {
    o.err(`mdt: warning: ${need} sockets needed, but the open-file limit is ${limit} (raise it: ulimit -n ${need})`);
  }

  const clock = new ServiceClock(o.timeZone);
  const stats = new LoadStats();
  const shared: TerminalShared = { endpoint: o.endpoint, replyTimeoutMs: o.replyTimeoutMs, stats, clock, stopped: false };
  const pool = new Pool();
  const target = `${o.endpoint.host}:${o.endpoint.port}${o.endpoint.tls ? ' (TLS)' : ''}${o.endpoint.mode === 'line' ? ' (line mode)' : ''}`;
  o.out(
    `load: ${o.terminals} terminal(s) for ${o.durationMs / 1000} s against ${target}; mix ${o.mix}; ` +
      `${o.ratePerSecond ? `${o.ratePerSecond}/s in total` : 'as fast as replies come back'}, pipeline ${o.pipeline}` +
      `${o.idle ? `; ${o.idle} idle connection(s)` : ''}`,
  );
  o.out(`users: ${users.map((u) => `${u.user}${u.role ? ` (${u.role})` : ''}`).join(', ') || 'none'}`);

  // ---- idle connections first: the load then runs beside them ----
  const idle = o.idle > 0 ? await openIdle(o, users, clock) : undefined;

  // ---- terminals sign on ----
  const terminals = Array.from({ length: o.terminals }, (_, i) => new LoadTerminal(i, users[i % users.length]!, shared));
  const signOnStarted = performance.now();
  await inBatches(terminals, 16, async (t) => {
    await t.ready();
  });
  const signOnS = round((performance.now() - signOnStarted) / 1000, 2);
  if (o.terminals) o.out(`setup: ${terminals.filter((t) => t.client?.isOpen).length} of ${o.terminals} signed on in ${signOnS} s`);

  // ---- what inquiries can find ----
  if (o.namesFile) for (const p of readNames(o.namesFile)) pool.add(p);
  const discovery = { probed: 0, found: 0 };
  const needsData = o.mix.entries.some(([k]) => 'needs' in KINDS[k]);
  if (o.terminals && o.discover > 0 && needsData) {
    await discover(o, terminals, pool, discovery);
    o.out(`setup: probed PNO sequence 1..${o.discover}: ${discovery.found} active order(s) known`);
  }
  let seeded = 0;
  const seedWanted = o.seedOrders ?? (pool.size === 0 && needsData && o.terminals ? 20 : 0);
  if (seedWanted > 0) {
    const clerk = clerkFor(o, users);
    if (!clerk) o.err('mdt: warning: no CLERK credentials to enter --seed-orders; inquiries will miss');
    else {
      seeded = await seed(seedWanted, clerk, shared, pool, run);
      o.out(`setup: ${clerk.user} entered ${seeded} order(s) for the inquiries to find`);
    }
  }
  if (pool.size === 0 && needsData && o.terminals) o.err('mdt: warning: no known orders: inquiries that need one are sent as misses (qpo-name-miss)');
  // Setup traffic is not part of the measurement.
  const setupStats = { signOn: stats.signOn.summary() };
  resetCounters(stats);

  // ---- the measured phase ----
  let entries = 0;
  const started = performance.now();
  const deadline = started + o.durationMs;
  const timer = setTimeout(() => (shared.stopped = true), o.durationMs);
  let progress: NodeJS.Timeout | undefined;
  if (o.progressMs > 0 && o.terminals) {
    let lastReplies = 0;
    let lastAt = started;
    progress = setInterval(() => {
      const now = performance.now();
      const rate = ((stats.replies - lastReplies) * 1000) / (now - lastAt);
      lastReplies = stats.replies;
      lastAt = now;
      const l = stats.latency;
      o.err(
        `[${String(Math.round((now - started) / 1000)).padStart(4)}s] replies ${stats.replies} (${Math.round(rate)}/s) ` +
          `p50 ${round(l.percentile(50), 2)} ms p99 ${round(l.percentile(99), 2)} ms errors ${stats.errors.total} ` +
          `reconnects ${stats.reconnects}${idle ? ` idle open ${idle.openCount()}` : ''}`,
      );
    }, o.progressMs);
  }
  o.onStarted?.();

  // Ctrl-C ends the run early; the report is still printed.
  let wake: () => void = () => {};
  const onSigint = () => {
    o.err('mdt: interrupted: stopping');
    shared.stopped = true;
    wake();
  };
  process.once('SIGINT', onSigint);
  if (o.terminals === 0) {
    // Only idle connections: hold them for the duration.
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, o.durationMs).unref();
    });
  }

  const workers = o.terminals * o.pipeline;
  const intervalMs = o.ratePerSecond ? (workers * 1000) / o.ratePerSecond : 0;
  const work = async (t: LoadTerminal) => {
    let next = started + Math.random() * intervalMs;
    while (!shared.stopped) {
      if (intervalMs) {
        const now = performance.now();
        if (next < now - intervalMs) {
          stats.behind++;
          next = now;
        }
        if (next > now) await sleep(next - now);
        next += intervalMs;
        if (shared.stopped || performance.now() >= deadline) break;
      }
      const lean = o.lean ? await t.readyLean() : undefined;
      const c = o.lean ? undefined : await t.ready();
      if ((!c && !lean) || shared.stopped) break;
      const kind = o.mix.pick();
      const b = build(kind, {
        ori: t.cred.ori,
        ctl: t.nextCtl(),
        pool,
        // Read only by the kinds that need them: formatting dates costs more than an inquiry.
        get today() {
          return clock.today();
        },
        get now() {
          return clock.localDateTime();
        },
        run,
        nextEntry: () => ++entries,
      });
      const ks = stats.kind(kind);
      ks.sent++;
      if (b.sent !== kind) ks.noData++;
      stats.sent++;
      let a: { status: string; code: string | undefined; latencyMs: number; ctlMatches: boolean; pno: () => string | undefined };
      try {
        if (lean) {
          const r = await lean.send(b.text);
          a = { ...r, ctlMatches: true, pno: () => /(?:^|\s)PNO\/(\S+)/.exec(r.text)?.[1] };
        } else {
          const r = await c!.send(b.text);
          clock.observe(r.time);
          a = { status: r.status, code: r.reject?.code, latencyMs: r.latencyMs, ctlMatches: r.ctlMatches, pno: () => r.fields.find(([tag]) => tag === 'PNO')?.[1] };
        }
      } catch (err) {
        const name = (err as Error).name;
        stats.errors.add(name === 'ReplyTimeout' ? 'timeout' : name === 'ConnectionClosed' ? 'connection-lost' : name === 'ProtocolError' ? 'unreadable-reply' : 'send-failed');
        ks.status.add('ERROR');
        continue;
      }
      stats.replies++;
      stats.latency.record(a.latencyMs);
      ks.latency.record(a.latencyMs);
      const st = a.status === 'REJ' ? `REJ ${a.code ?? '?'}` : a.status;
      stats.byStatus.add(a.status);
      if (a.status === 'REJ') stats.byReject.add(a.code ?? '?');
      if (a.code !== 'RAT') stats.served.record(a.latencyMs);
      ks.status.add(st);
      if (!a.ctlMatches) stats.ctlMismatches++;
      if (a.status === KINDS[b.sent].expect) ks.expected++;
      if (b.entered && a.status === 'ACK') {
        const pno = a.pno();
        if (pno) pool.add({ ...b.entered, pno });
      }
    }
  };
  // Lean mode has no timer per request: one sweep gives up on connections with an old request.
  const sweep = o.lean
    ? setInterval(() => {
        const now = performance.now();
        for (const t of terminals) {
          const at = t.lean?.oldestSentAt;
          if (at !== undefined && now - at > o.replyTimeoutMs) t.lean!.abort(new LeanTimeout(`no reply within ${o.replyTimeoutMs} ms`));
        }
      }, Math.min(500, o.replyTimeoutMs))
    : undefined;
  await Promise.all(terminals.flatMap((t) => Array.from({ length: o.pipeline }, () => work(t))));
  clearTimeout(timer);
  if (sweep) clearInterval(sweep);
  process.off('SIGINT', onSigint);
  shared.stopped = true;
  const elapsedS = (performance.now() - started) / 1000;
  if (progress) clearInterval(progress);

  // ---- the end ----
  const idleReport = idle ? await idle.finish() : undefined;
  await inBatches(terminals, 64, (t) => t.close());

  const report: LoadReport = {
    tool: 'mdt-load',
    version: 1,
    startedAt: startedAt.toISOString(),
    client: { host: hostname(), pid: process.pid, rssMb: rssMb() },
    target: { host: o.endpoint.host, port: o.endpoint.port, tls: !!o.endpoint.tls, mode: o.endpoint.mode ?? 'framed' },
    config: {
      terminals: o.terminals,
      durationS: o.durationMs / 1000,
      rate: o.ratePerSecond ?? null,
      pipeline: o.pipeline,
      mix: String(o.mix),
      users: users.map((u) => u.user),
    },
    setup: { signOnS, signOn: setupStats.signOn, discovery, seeded, pool: pool.counts() },
    elapsedS: round(elapsedS, 3),
    sent: stats.sent,
    replies: stats.replies,
    throughput: round(stats.replies / Math.max(elapsedS, 0.001)),
    servedThroughput: round((stats.replies - stats.byReject.get('RAT')) / Math.max(elapsedS, 0.001)),
    latencyMs: stats.latency.summary(),
    servedLatencyMs: stats.served.summary(),
    byStatus: stats.byStatus.toJSON(),
    byReject: stats.byReject.toJSON(),
    byKind: Object.fromEntries(
      [...stats.byKind].map(([k, s]) => [
        k,
        {
          sent: s.sent,
          replies: s.latency.count,
          rateLimited: s.status.get('REJ RAT'),
          expect: KINDS[k as Kind].expect,
          asExpected: s.expected,
          noData: s.noData,
          byStatus: s.status.toJSON(),
          latencyMs: s.latency.summary(),
        },
      ]),
    ),
    errors: stats.errors.toJSON(),
    errorsTotal: stats.errors.total,
    reconnects: stats.reconnects,
    drops: stats.drops,
    signOnRejected: stats.signOnRejected.toJSON(),
    unsolicited: stats.unsolicited.toJSON(),
    late: stats.late,
    strays: stats.strays,
    ctlMismatches: stats.ctlMismatches,
    behind: stats.behind,
    ...(idleReport ? { idle: idleReport } : {}),
  };
  printReport(report, o);
  return report;
}

function resetCounters(s: LoadStats): void {
  // A fresh LoadStats would break the terminals' reference: zero the fields instead.
  const fresh = new LoadStats();
  s.sent = s.replies = s.reconnects = s.drops = s.late = s.strays = s.ctlMismatches = s.behind = 0;
  Object.assign(s, { latency: fresh.latency, served: fresh.served, byStatus: fresh.byStatus, byReject: fresh.byReject, errors: fresh.errors, unsolicited: fresh.unsolicited, signOnRejected: fresh.signOnRejected });
  s.byKind.clear();
}

/** Probes PNO sequence 1..o.discover, spread over the terminals, a few in flight each. */
async function discover(o: LoadOptions, terminals: LoadTerminal[], pool: Pool, out: { probed: number; found: number }): Promise<void> {
  const live = terminals.filter((t) => t.client?.isOpen);
  if (live.length === 0) return;
  let next = 1;
  const deadline = performance.now() + 60_000;
  await Promise.all(
    live.flatMap((t) =>
      Array.from({ length: 4 }, async () => {
        while (next <= o.discover && performance.now() < deadline) {
          const seq = next++;
          const c = t.client;
          if (!c?.isOpen) return;
          try {
            let a = await c.send(`QPO.${t.cred.ori}.PNO/${pnoOf(seq)}`);
            for (let tries = 0; a.status === 'REJ' && a.reject?.code === 'RAT' && tries < 20; tries++) {
              await sleep(100); // the service's per-connection allowance (SPEC 10)
              a = await c.send(`QPO.${t.cred.ori}.PNO/${pnoOf(seq)}`);
            }
            t.shared.clock.observe(a.time);
            out.probed++;
            if (a.status === 'HIT') out.found += pool.addHit(a);
          } catch {
            return;
          }
        }
      }),
    ),
  );
}

/** A clerk enters `n` orders (EPO) so that inquiries have something to find. */
async function seed(n: number, clerk: FullCredential, shared: TerminalShared, pool: Pool, run: string): Promise<number> {
  const t = new LoadTerminal(-1, clerk, { ...shared, stats: new LoadStats(), stopped: false });
  const c = await t.ready();
  if (!c) return 0;
  let done = 0;
  let entries = 0;
  for (let i = 0; i < n; i++) {
    const b = build('epo', { ori: clerk.ori, ctl: t.nextCtl(), pool, today: shared.clock.today(), now: shared.clock.localDateTime(), run: `${run}S`, nextEntry: () => ++entries });
    let a = await c.send(b.text);
    for (let tries = 0; a.status === 'REJ' && a.reject?.code === 'RAT' && tries < 50; tries++) {
      await sleep(100);
      a = await c.send(b.text);
    }
    const pno = a.fields.find(([tag]) => tag === 'PNO')?.[1];
    if (a.status === 'ACK' && pno && b.entered) {
      pool.add({ ...b.entered, pno });
      done++;
    }
  }
  await t.close();
  return done;
}

// ---- idle connections ----------------------------------------------------------------------

interface IdleFleet {
  openCount(): number;
  finish(): Promise<NonNullable<LoadReport['idle']>>;
}

async function openIdle(o: LoadOptions, users: FullCredential[], clock: ServiceClock): Promise<IdleFleet> {
  const stats = new LoadStats();
  const shared: TerminalShared = { endpoint: o.endpoint, replyTimeoutMs: Math.max(o.replyTimeoutMs, 30_000), stats, clock, stopped: false };
  const fleet = Array.from({ length: o.idle }, (_, i) => new LoadTerminal(i, users[i % users.length]!, shared, false));
  const started = performance.now();
  let opened = 0;
  const report = setInterval(() => o.err(`idle: ${opened} of ${o.idle} signed on`), 5_000);
  // Each terminal reopens after a drop, for as long as the run lasts.
  const keep = async (t: LoadTerminal) => {
    while (!shared.stopped) {
      const c = await t.ready();
      if (!c) return;
      await c.closed;
    }
  };
  const open = (list: LoadTerminal[]) =>
    inBatches(list, o.idleConcurrency, async (t) => {
      if (await t.ready()) opened++;
      void keep(t);
    });
  // Memory per connection: the baseline is taken after a first batch, so that what sign-on
  // itself costs the service (scrypt buffers, pools warming up) is in both samples.
  const warm = Math.min(o.idle - 1, Math.max(o.idleConcurrency, Math.ceil(o.idle / 20)));
  const rawBefore = o.serverPid ? serverRssMb(o.serverPid) : undefined;
  await open(fleet.slice(0, warm));
  await sleep(o.serverPid ? 1_000 : 0);
  const before = o.serverPid ? serverRssMb(o.serverPid) : undefined;
  const openedBefore = opened;
  const clientBefore = process.memoryUsage().rss;
  await open(fleet.slice(warm));
  clearInterval(report);
  const openS = round((performance.now() - started) / 1000, 2);
  await sleep(o.serverPid ? 2_000 : 0); // let the service settle before sampling its memory
  const after = o.serverPid ? serverRssMb(o.serverPid) : undefined;
  const measured = Math.max(1, opened - openedBefore);
  const clientPerConnKb = round((process.memoryUsage().rss - clientBefore) / 1024 / measured);
  const perConnectionKb = before !== undefined && after !== undefined ? round(((after - before) * 1024) / measured) : undefined;
  const openNow = () => fleet.filter((t) => t.client?.isOpen).length;
  o.out(
    `idle: ${opened} of ${o.idle} connection(s) signed on in ${openS} s` +
      (perConnectionKb !== undefined
        ? `; service RSS ${rawBefore} MB before, ${before} MB after ${openedBefore}, ${after} MB after ${opened}: ${perConnectionKb} KB per connection`
        : o.serverPid
          ? `; cannot read /proc/${o.serverPid}/status`
          : ''),
  );
  return {
    openCount: openNow,
    async finish() {
      const openAtEnd = openNow();
      shared.stopped = true;
      await inBatches(fleet, 256, async (t) => {
        const c = t.client;
        t.client = undefined;
        c?.close();
      });
      return {
        requested: o.idle,
        signedOn: opened,
        openAtEnd,
        openS,
        drops: stats.drops,
        reconnects: stats.reconnects,
        errors: { ...stats.errors.toJSON(), ...Object.fromEntries([...stats.signOnRejected.map].map(([k, v]) => [`signon-${k}`, v])) },
        clientRssMbPerConnectionKb: clientPerConnKb,
        ...(o.serverPid && perConnectionKb !== undefined
          ? { server: { pid: o.serverPid, rssAtStartMb: rawBefore ?? 0, rssBeforeMb: before!, connectionsBefore: openedBefore, rssAfterMb: after!, perConnectionKb } }
          : {}),
      };
    },
  };
}

// ---- the printed report --------------------------------------------------------------------

function printReport(r: LoadReport, o: LoadOptions): void {
  const out = o.out;
  const l = r.latencyMs;
  const kv = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') : 'none');
  if (r.config.terminals) {
    out(`setup: sign-on p50 ${r.setup.signOn.p50} ms, max ${r.setup.signOn.max} ms; pool ${kv(r.setup.pool)}`);
    out(`elapsed ${r.elapsedS} s: ${r.replies} replies to ${r.sent} messages, ${r.throughput} replies/s`);
    out(`latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}  mean ${l.mean}`);
    if (r.byReject.RAT) {
      const v = r.servedLatencyMs;
      out(`without REJ RAT: ${r.servedThroughput} replies/s; latency ms p50 ${v.p50}  p90 ${v.p90}  p99 ${v.p99}  max ${v.max}`);
    }
    out(`by status: ${kv(r.byStatus)}`);
    out(`by REJ code: ${kv(r.byReject)}`);
    out('by kind:         sent  replies  as expected     p50 ms   p99 ms   statuses');
    for (const [k, s] of Object.entries(r.byKind)) {
      // As expected: of the replies the service did not turn away with REJ RAT.
      const served = s.replies - s.rateLimited;
      const pct = served ? `${round((100 * s.asExpected) / served)}% ${s.expect}` : '-';
      out(
        `  ${k.padEnd(14)}${String(s.sent).padStart(6)}  ${String(s.replies).padStart(7)}  ${pct.padStart(11)}  ${String(s.latencyMs.p50).padStart(9)}` +
          `${String(s.latencyMs.p99).padStart(9)}   ${kv(s.byStatus)}${s.noData ? ` (${s.noData} sent as misses: no data)` : ''}`,
      );
    }
    out(`errors: ${kv(r.errors)}; reconnects ${r.reconnects}; drops ${r.drops}; sign-ons refused: ${kv(r.signOnRejected)}`);
    out(`unsolicited: ${kv(r.unsolicited)}; late replies ${r.late}; stray replies ${r.strays}; CTL mismatches ${r.ctlMismatches}${r.config.rate ? `; behind schedule ${r.behind}` : ''}`);
    if (r.byReject.RAT) {
      out(`note: ${r.byReject.RAT} REJ RAT: the service limits each connection (CCPOR_RATE_PER_SECOND, CCPOR_RATE_BURST); raise them for throughput tests or use --rate`);
    }
  }
  if (r.idle) {
    out(`idle: ${r.idle.openAtEnd} of ${r.idle.requested} still open at the end; drops ${r.idle.drops}, reconnects ${r.idle.reconnects}; errors ${kv(r.idle.errors)}; client ~${r.idle.clientRssMbPerConnectionKb} KB per connection`);
  }
  out(`client RSS ${r.client.rssMb} MB`);
}
