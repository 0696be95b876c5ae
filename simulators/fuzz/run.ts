// A fuzz run: workers on each transport open connections (signed on or not, framed or line mode)
// and send inputs until the time is up, checking every answer as it comes (links.ts). Around the
// run: the registry is sampled before and compared after (registry-check.ts), the service's
// memory is sampled every second when it runs on this machine, and at the end a fresh connection
// must still be served.
import { encodeRequest, formatMessage, FrameDecoder, type FrameMode } from '../../protocol/index.ts';
import { MdtClient, type Endpoint } from '../mdt/client.ts';
import type { Credentials } from '../mdt/credentials.ts';
import { ServiceClock } from '../mdt/service-clock.ts';
import { pnoOf, randomLetters } from '../mdt/text.ts';
import { INPUT_KINDS, KIND_WEIGHTS, makeCase as makeRawCase, template, type InputKind, type Kind, type TemplateContext } from './inputs.ts';
import { SshLink, StreamLink, type Got, type Outcome } from './links.ts';
import { checkNewOrders, compareSnapshots, RegistryAuditor, sampleSequences, type FullCredential } from './registry-check.ts';
import { FuzzStats, printReport, type CheckLine, type FuzzReport, type Transport } from './report.ts';
import { Rng } from './rng.ts';
import { rssMb } from './local-service.ts';

export interface FuzzOptions {
  host: string;
  ports: { tcp?: number; tls?: number; ssh?: number };
  /** Users to sign on as; without any, only unsigned connections (and no registry check). */
  credentials?: Credentials;
  durationMs: number;
  seed: number;
  transports: Transport[];
  kinds: ReadonlySet<Kind>;
  workers: Record<Transport, number>;
  replyTimeoutMs: number;
  registryCheck: boolean;
  /** How many known orders the registry check watches. */
  watchOrders: number;
  /** The service's process, to sample its resident memory (this machine only). */
  serverPid?: number;
  maxRssGrowthMb: number;
  /** Whether the service process still runs (own service); undefined: only the protocol can tell. */
  serviceAlive?: () => boolean;
  stormMax: number;
  /** Bytes never sent (each replaced by another non-printable one): to go on past a known bug. */
  excludeBytes?: ReadonlySet<number>;
  /** No input with more frames than this (another input is made instead): past a known bug. */
  maxFrames?: number;
  target: string;
  timeZone: string;
  progressMs: number;
  out(line: string): void;
  err(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

/** Which failures each check of the report stands for. */
const CHECK_GROUPS: { name: string; checks: string[] }[] = [
  { name: 'connections accepted, valid sign-ons accepted', checks: ['connect', 'ssh connect', 'sign-on refused'] },
  { name: 'every complete frame answered exactly once', checks: ['unanswered', 'extra replies', 'connection closed', 'sentinel', 'clets exit', 'clets stderr', 'ssh exec refused'] },
  { name: 'replies well formed, in order (key and CTL echo, sequence numbers)', checks: ['echo', 'sequence', 'unreadable reply', 'stray reply'] },
  { name: 'no request failed inside the service (REJ UNA)', checks: ['REJ UNA'] },
  { name: 'answers after the client half-closes (FIN)', checks: ['half-close', 'not closed after FIN'] },
];

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(o.seed);
  const clock = new ServiceClock(o.timeZone);
  const stats = new FuzzStats();
  const run = randomLetters(4);
  let entries = 0;
  const users = fullCredentials(o.credentials);
  const streamTransports = o.transports.filter((t): t is 'tcp' | 'tls' => t !== 'ssh' && o.ports[t] !== undefined);
  const auditEndpoint: Endpoint | undefined = o.ports.tcp !== undefined ? { host: o.host, port: o.ports.tcp } : o.ports.tls !== undefined ? { host: o.host, port: o.ports.tls, tls: true } : undefined;
  const checks: CheckLine[] = [];
  const oris = [...new Set(users.map((u) => u.ori))];
  const court = users.find((u) => u.role === 'CLERK')?.ori ?? 'CA019015J';
  const known = { pnos: [] as string[], people: [] as { nam: string; dob: string }[] };

  // ---- before: what the registry holds ----
  let auditor: RegistryAuditor | undefined;
  let last = 0;
  let before: Map<string, string> | undefined;
  const auditorCred = users.find((u) => u.role === 'JUDGE') ?? users.find((u) => u.role === 'CLERK') ?? users[0];
  if (o.registryCheck && auditorCred && auditEndpoint) {
    o.out(`registry check: ${auditorCred.user} samples up to ${o.watchOrders} orders before and after the run`);
    try {
      auditor = await RegistryAuditor.open(auditEndpoint, auditorCred, clock, o.replyTimeoutMs);
      last = await auditor.lastSequence();
      const clerk = users.find((u) => u.role === 'CLERK');
      if (last < 5 && clerk) {
        // An empty registry (a test service): a few orders to watch, entered before the run.
        await seedOrders(auditEndpoint, clerk, 12, clock, run, o.replyTimeoutMs);
        last = await auditor.lastSequence();
      }
      known.pnos = sampleSequences(last, o.watchOrders, rng.fork(1)).map(pnoOf);
      before = await auditor.snapshot(known.pnos);
      known.people = auditor.people;
      o.out(`registry check: ${last} order number(s) issued; watching ${known.pnos.length}`);
      // A new connection afterwards: this one would be locked by a long run (idle lock).
      await auditor.client.end(1_000);
    } catch (err) {
      stats.fail({ check: 'registry check', transport: 'setup', detail: `could not sample the registry: ${(err as Error).message}` });
      auditor?.close();
      auditor = undefined;
    }
  } else {
    known.pnos = Array.from({ length: 20 }, (_, i) => pnoOf(i + 1));
  }

  const context = (cred: FullCredential | undefined, r: Rng): TemplateContext => ({
    ori: cred?.ori ?? (oris.length ? r.pick(oris) : 'CA0194200'),
    court,
    otherOri: oris.length ? r.pick(oris) : 'CA0194200',
    pnos: known.pnos,
    people: known.people,
    get today() {
      return clock.today();
    },
    get now() {
      return clock.localDateTime();
    },
    run,
    nextEntry: () => ++entries,
  });

  // ---- memory ----
  const samples: [number, number][] = [];
  const sample = () => {
    const mb = o.serverPid !== undefined ? rssMb(o.serverPid) : undefined;
    if (mb !== undefined) samples.push([round((performance.now() - started) / 1000), mb]);
  };
  const started = performance.now();
  const deadline = started + o.durationMs;
  const stopped = () => performance.now() >= deadline;
  sample();
  const sampler = setInterval(sample, 1_000);

  const progress =
    o.progressMs > 0
      ? setInterval(() => {
          const rss = samples.at(-1)?.[1];
          o.err(
            `[${String(Math.round((performance.now() - started) / 1000)).padStart(4)}s] inputs ${stats.inputs.total} (${stats.inputs}) replies ${stats.replies} failures ${stats.failureCount}` +
              (rss !== undefined ? ` service RSS ${rss} MB` : ''),
          );
        }, o.progressMs)
      : undefined;

  const excluded = o.excludeBytes ?? new Set<number>();
  const stand = [0x01, 0x1a, 0x7f, 0x3f].find((b) => !excluded.has(b)) ?? 0x3f;
  const makeCase = (kind: InputKind, mode: FrameMode, r: Rng, ctx: TemplateContext) => {
    for (let tries = 0; ; tries++) {
      const c = makeRawCase(kind, mode, r, ctx);
      if (excluded.size) for (let i = 0; i < c.bytes.length; i++) if (excluded.has(c.bytes[i]!)) c.bytes[i] = stand;
      if (o.maxFrames === undefined || tries >= 50 || new FrameDecoder({ mode }).push(c.bytes).length <= o.maxFrames) return c;
    }
  };
  const inputKinds = INPUT_KINDS.filter((k) => o.kinds.has(k));
  const pickKind = (r: Rng): InputKind => r.weighted(Object.fromEntries(inputKinds.map((k) => [k, KIND_WEIGHTS[k]])) as Record<InputKind, number>);
  const count = (outcome: Outcome) => {
    for (const r of outcome.replies) {
      clock.observe(r.time);
      if (!r.ctl.startsWith('~')) stats.reply(r); // the sentinel's replies are not the input's
    }
  };
  const failed = (t: Transport, kind: Kind, outcome: Outcome, bytes: Buffer): boolean => {
    // REJ UNA: a handler failed, or the registry or the audit trail could not be written.
    const una = outcome.replies.find((r) => r.reject?.code === 'UNA');
    if (una) stats.fail({ check: 'REJ UNA', transport: t, kind, detail: `'${una.lines.join(' | ')}'` }, bytes);
    if (!outcome.problem) return false;
    stats.fail({ ...outcome.problem, transport: t, kind }, bytes);
    return true;
  };

  // ---- one TCP or TLS connection: sign on (or not), several inputs, then one way of ending ----
  const streamConnection = async (t: 'tcp' | 'tls', r: Rng) => {
    const mode: FrameMode = r.chance(0.25) ? 'line' : 'framed';
    let link: StreamLink;
    try {
      link = await StreamLink.open({ host: o.host, port: o.ports[t]!, tls: t === 'tls', mode, timeoutMs: o.replyTimeoutMs });
    } catch (err) {
      stats.fail({ check: 'connect', transport: t, detail: (err as Error).message });
      await sleep(500);
      return;
    }
    stats.connections.add(t);
    const cred = users.length && r.chance(0.75) ? r.pick(users) : undefined;
    const ctx = context(cred, r);
    try {
      if (cred) {
        const son = encodeRequest(`SON.${cred.ori}.USR/${cred.user}.PWD/${cred.password}`, mode);
        const out = await link.exchange(son, [], 0, o.replyTimeoutMs, ctx.ori);
        count(out);
        if (out.problem) return void stats.fail({ ...out.problem, transport: t, detail: `sign-on: ${out.problem.detail}` });
        const answer = out.replies[0]!;
        if (answer.status !== 'ACK') return void stats.fail({ check: 'sign-on refused', transport: t, detail: `${cred.user} with the right password: '${answer.lines.join(' | ')}'` });
      }
      for (let n = r.range(1, 15); n > 0 && !stopped(); n--) {
        const kind = pickKind(r);
        const c = makeCase(kind, link.shadow.mode ?? mode, r, ctx);
        const out = await link.exchange(c.bytes, c.cuts, c.delayMs, o.replyTimeoutMs, ctx.ori);
        stats.input(t, kind, c.bytes.length, Math.max(0, out.expected.length - 1));
        count(out);
        // After a failure the connection's state is unknown: a new one starts clean.
        if (failed(t, kind, out, c.bytes)) return;
        if (link.sequenceProblem) return void stats.fail({ check: 'sequence', transport: t, kind, detail: link.sequenceProblem }, c.bytes);
        if (link.strays.length) return void stats.fail({ check: 'stray reply', transport: t, kind, detail: link.strays[0]! }, c.bytes);
      }
      const end = r.next();
      if (o.kinds.has('half-close') && end < 0.3) {
        // Last messages (inquiries that take the registry a moment), sometimes the last one
        // without its ETX or LF, then FIN, as `printf ... | nc -N` sends them.
        // A sign-on first (the right password, or a user nobody has): a message that takes the
        // service a while, as a script that signs on, asks and hangs up does.
        const m = link.shadow.mode ?? mode;
        const son = encodeRequest(cred ? `SON.${cred.ori}.USR/${cred.user}.PWD/${cred.password}` : `SON.${ctx.ori}.USR/FUZZ9.PWD/not-the-password`, m);
        const ask = () => template(r, ctx, 'inquiries');
        const asks = Array.from({ length: r.range(1, 4) }, () => encodeRequest(ask(), m));
        const tail = r.chance(0.4) ? Buffer.from(m === 'line' ? ask() : `\x02${ask()}`, 'latin1') : Buffer.alloc(0);
        const bytes = Buffer.concat([son, ...asks, tail]);
        const cuts = [son.length];
        const out = await link.finish(bytes, cuts, o.replyTimeoutMs);
        stats.input(t, 'half-close', bytes.length, out.expected.length);
        count(out);
        failed(t, 'half-close', out, bytes);
      } else if (o.kinds.has('abrupt-close') && end < 0.5) {
        const c = makeCase(pickKind(r), link.shadow.mode ?? mode, r, ctx);
        const bytes = c.bytes.subarray(0, r.range(1, c.bytes.length));
        stats.input(t, 'abrupt-close', bytes.length, 0);
        await link.abort(bytes);
      }
    } finally {
      stats.unsolicited += link.unsolicited;
      link.close();
    }
  };

  // ---- many connections at once, unsigned, one input each ----
  const storm = async (t: 'tcp' | 'tls', r: Rng) => {
    const n = r.range(Math.min(10, o.stormMax), o.stormMax);
    const opened = await Promise.allSettled(
      Array.from({ length: n }, () => StreamLink.open({ host: o.host, port: o.ports[t]!, tls: t === 'tls', mode: r.chance(0.3) ? 'line' : 'framed', timeoutMs: o.replyTimeoutMs })),
    );
    const links = opened.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
    for (const p of opened) if (p.status === 'rejected') stats.fail({ check: 'connect', transport: t, kind: 'storm', detail: `${n} connections at once: ${(p.reason as Error).message}` });
    stats.connections.add(t, links.length);
    const plans = links.map((link) => {
      const kind = r.pick<InputKind>(['valid', 'mutated', 'random', 'framing']);
      return { link, kind, c: makeCase(kind, link.intended, r, context(undefined, r)), abort: r.chance(0.5), ori: r.pick(oris.length ? oris : ['CA0194200']) };
    });
    await Promise.all(
      plans.map(async ({ link, kind, c, abort, ori }) => {
        const out = await link.exchange(c.bytes, c.cuts, c.delayMs, o.replyTimeoutMs, ori);
        stats.input(t, 'storm', c.bytes.length, Math.max(0, out.expected.length - 1));
        count(out);
        if (out.problem) out.problem.detail = `${out.problem.detail} (${kind} input, one of ${links.length} connections)`;
        failed(t, 'storm', out, c.bytes);
        stats.unsolicited += link.unsolicited;
        if (abort) await link.abort(Buffer.from('\x02QPO.CA0194200.PNO/PO00', 'latin1'));
        else link.close();
      }),
    );
  };

  const streamWorker = async (t: 'tcp' | 'tls', r: Rng) => {
    while (!stopped()) {
      if (o.kinds.has('storm') && r.chance(0.05)) await storm(t, r);
      else await streamConnection(t, r);
    }
  };

  // ---- SSH: one connection, one `exec clets` channel per input ----
  const sshUsers = users.filter((u) => u.role !== 'ADMIN');
  const sshWorker = async (r: Rng) => {
    while (!stopped()) {
      const cred = r.pick(sshUsers);
      let link: SshLink;
      try {
        link = await SshLink.open({ host: o.host, port: o.ports.ssh!, user: cred.user.toLowerCase(), password: cred.password, timeoutMs: o.replyTimeoutMs });
      } catch (err) {
        stats.fail({ check: 'ssh connect', transport: 'ssh', detail: `${cred.user}: ${(err as Error).message}` });
        await sleep(1_000);
        continue;
      }
      stats.connections.add('ssh');
      const ctx = context(cred, r);
      try {
        for (let n = r.range(5, 30); n > 0 && !stopped() && link.isOpen; n--) {
          const kind = pickKind(r);
          const c = makeCase(kind, 'line', r, ctx);
          const out = await link.run(c.bytes, c.cuts, c.delayMs, o.replyTimeoutMs);
          stats.input('ssh', kind, c.bytes.length, out.expected.length);
          count(out);
          if (failed('ssh', kind, out, c.bytes)) break;
        }
      } finally {
        link.close();
      }
    }
  };

  const workers: Promise<void>[] = [];
  for (const t of o.transports) {
    for (let i = 0; i < o.workers[t]; i++) {
      const r = rng.fork(100 + TRANSPORT_INDEX[t] * 1000 + i);
      if (t === 'ssh') {
        if (o.ports.ssh === undefined) continue;
        if (sshUsers.length === 0) {
          if (i === 0) o.err('fuzz: no credentials for SSH (it always signs on): SSH left out');
          continue;
        }
        workers.push(sshWorker(r));
      } else if (streamTransports.includes(t)) {
        workers.push(streamWorker(t, r));
      }
    }
  }
  o.out(`fuzzing for ${round(o.durationMs / 1000)} s: ${o.transports.map((t) => `${t} x${o.workers[t]}`).join(', ')}; seed ${o.seed}; kinds ${[...o.kinds].join(',')}`);
  await Promise.all(workers);
  const elapsedS = round((performance.now() - started) / 1000);
  if (progress) clearInterval(progress);

  // ---- after: is the service still there, and the registry as the ACKs explain? ----
  const up = await stillServing(o, users, streamTransports);
  checks.push(...CHECK_GROUPS.map((g) => groupLine(g, stats, o)));
  if (!up.ok) stats.fail({ check: 'service down', transport: 'service', detail: up.detail });
  checks.push({ name: 'service still up and serving', ok: up.ok, detail: up.detail });

  if (auditor && before) {
    try {
      auditor = await RegistryAuditor.open(auditEndpoint!, auditorCred!, clock, o.replyTimeoutMs);
      const after = await auditor.snapshot([...before.keys()]);
      const cmp = compareSnapshots(before, after, stats.changedPnos, stats.enteredPnos);
      const created = await checkNewOrders(auditor, last, stats.enteredPnos);
      const findings = [...cmp.findings, ...created.findings];
      for (const f of findings) stats.fail({ ...f, transport: 'service' });
      checks.push({
        name: 'registry unchanged by rejected messages',
        ok: findings.length === 0,
        detail:
          `${before.size} orders compared: ${before.size - cmp.explained - cmp.findings.length} unchanged, ${cmp.explained} changed by acknowledged writes` +
          `${cmp.findings.length ? `, ${cmp.findings.length} changed WITHOUT one` : ''}; ${created.found} new order(s) for ${stats.enteredPnos.size} EPO ACK(s)`,
      });
    } catch (err) {
      stats.fail({ check: 'registry check', transport: 'service', detail: `could not compare: ${(err as Error).message}` });
      checks.push({ name: 'registry unchanged by rejected messages', ok: false, detail: (err as Error).message });
    } finally {
      auditor.close();
    }
  } else {
    checks.push({ name: 'registry unchanged by rejected messages', ok: undefined, detail: o.registryCheck ? 'no credentials to inquire with' : '--no-registry-check' });
  }

  // ---- memory: flat once warmed up ----
  clearInterval(sampler);
  let memory: FuzzReport['memory'];
  if (o.serverPid !== undefined) {
    await sleep(1_000);
    sample();
    if (samples.length >= 2) {
      const warm = Math.min(10, (o.durationMs / 1000) * 0.2);
      const warmed = samples.filter(([t]) => t <= warm).map(([, mb]) => mb);
      const baseline = Math.max(...(warmed.length ? warmed : [samples[0]![1]]));
      const end = samples.at(-1)![1];
      memory = {
        pid: o.serverPid,
        startMb: samples[0]![1],
        baselineMb: baseline,
        endMb: end,
        maxMb: Math.max(...samples.map(([, mb]) => mb)),
        growthMb: round(end - baseline),
        limitMb: o.maxRssGrowthMb,
        samples,
      };
      const ok = memory.growthMb <= o.maxRssGrowthMb;
      if (!ok) stats.fail({ check: 'memory growth', transport: 'service', detail: `resident memory grew ${memory.growthMb} MB after warm-up (limit ${o.maxRssGrowthMb} MB)` });
      checks.push({ name: 'service memory flat', ok, detail: `${memory.baselineMb} MB after warm-up, ${memory.endMb} MB at the end (limit +${o.maxRssGrowthMb} MB)` });
    }
  } else {
    checks.push({ name: 'service memory flat', ok: undefined, detail: 'not sampled (a service on another machine: --server-pid PID on this one)' });
  }

  const byKind: Record<string, Record<string, number>> = {};
  for (const [t, c] of stats.byKind) byKind[t] = c.toJSON();
  const report: FuzzReport = {
    tool: 'ccpor-fuzz',
    version: 1,
    seed: o.seed,
    target: o.target,
    elapsedS,
    inputs: stats.inputs.total,
    inputsByTransport: stats.inputs.toJSON(),
    inputsByKind: byKind,
    frames: stats.frames.total,
    bytes: stats.bytes.total,
    connections: stats.connections.toJSON(),
    replies: stats.replies,
    byStatus: stats.byStatus.toJSON(),
    byReject: stats.byReject.toJSON(),
    unsolicited: stats.unsolicited,
    writeAcks: stats.writeAcks.toJSON(),
    ...(memory ? { memory } : {}),
    checks: checks,
    failures: stats.failures,
    failuresByCheck: stats.failuresByCheck.toJSON(),
    failureCount: stats.failureCount,
  };
  printReport(report, o.out);
  return report;
}

const TRANSPORT_INDEX: Record<Transport, number> = { tcp: 0, tls: 1, ssh: 2 };

function groupLine(g: { name: string; checks: string[] }, stats: FuzzStats, o: FuzzOptions): CheckLine {
  const n = g.checks.reduce((s, c) => s + stats.failuresByCheck.get(c), 0);
  if (g.name.startsWith('answers after') && !o.kinds.has('half-close')) return { name: g.name, ok: undefined, detail: 'half-close left out (--kinds)' };
  if (n > 0) return { name: g.name, ok: false, detail: `${n} failure(s)` };
  if (g.name.startsWith('connections')) return { name: g.name, ok: true, detail: `${stats.connections.total} connection(s)` };
  if (g.name.startsWith('answers after')) return { name: g.name, ok: true, detail: `${[...stats.byKind.values()].reduce((s, c) => s + c.get('half-close'), 0)} input(s) followed by FIN` };
  return { name: g.name, ok: true, detail: `${stats.inputs.total} input(s), ${stats.frames.total} frame(s)` };
}

function fullCredentials(c: Credentials | undefined): FullCredential[] {
  if (!c) return [];
  return c.list().flatMap((u) => {
    const password = u.password ?? c.password(u.user);
    return u.ori && password !== undefined ? [{ ...u, ori: u.ori, password }] : [];
  });
}

/** A clerk enters `n` orders, so that an empty registry has something to watch. */
async function seedOrders(endpoint: Endpoint, clerk: FullCredential, n: number, clock: ServiceClock, run: string, timeoutMs: number): Promise<void> {
  const c = await MdtClient.connect({ ...endpoint, insecure: true }, { replyTimeoutMs: timeoutMs, keepUnsolicited: false });
  try {
    const son = await c.send(`SON.${clerk.ori}.USR/${clerk.user}.PWD/${clerk.password}`);
    clock.observe(son.time);
    if (son.status !== 'ACK') throw new Error(`${clerk.user} could not sign on to enter orders: ${son.body.join(' ')}`);
    for (let i = 1; i <= n; i++) {
      const a = await c.send(
        formatMessage({
          mke: 'EPO',
          ori: clerk.ori,
          order: {
            nam: `FUZZWATCH, ORDER ${String.fromCharCode(64 + i)}`, sex: 'M', rac: 'W', dob: '19800101', typ: 'DVRO', oca: `FZW${run}-${i}`, cti: clerk.ori,
            isd: clock.today(), exp: `${Number(clock.today().slice(0, 4)) + 2}0101`, pco: ['01', '05'],
            protected: [{ ppn: 'WATCHED, PERSON', psx: 'F', ppb: '19850505' }],
          },
        }),
      );
      if (a.status !== 'ACK') throw new Error(`could not enter an order to watch: ${a.body.join(' ')}`);
    }
  } finally {
    await c.end(1_000);
  }
}

/** After the run: a new connection on each stream transport is answered (and signs on). */
async function stillServing(o: FuzzOptions, users: FullCredential[], transports: ('tcp' | 'tls')[]): Promise<{ ok: boolean; detail: string }> {
  if (o.serviceAlive && !o.serviceAlive()) return { ok: false, detail: 'the service process has exited' };
  const done: string[] = [];
  for (const t of transports) {
    try {
      const link = await StreamLink.open({ host: o.host, port: o.ports[t]!, tls: t === 'tls', mode: 'framed', timeoutMs: o.replyTimeoutMs });
      const u = users.find((x) => x.role !== 'ADMIN') ?? users[0];
      const text = u ? `SON.${u.ori}.USR/${u.user}.PWD/${u.password}` : 'SOF.CA0194200';
      const out = await link.exchange(encodeRequest(text, 'framed'), [], 0, o.replyTimeoutMs, u?.ori ?? 'CA0194200');
      link.close();
      if (out.problem) return { ok: false, detail: `${t}: ${out.problem.check}: ${out.problem.detail}` };
      const first = out.replies[0] as Got;
      if (u && first.status !== 'ACK') return { ok: false, detail: `${t}: ${u.user} could not sign on at the end: ${first.body.join(' ')}` };
      done.push(`${t} ${u ? `${u.user} signed on` : 'answered'}`);
    } catch (err) {
      return { ok: false, detail: `${t}: ${(err as Error).message}` };
    }
  }
  return { ok: true, detail: done.join(', ') || 'no stream transport to try' };
}
