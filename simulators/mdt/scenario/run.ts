// Runs scenario files against a service: one MdtClient per terminal, steps in order, every
// expectation checked, a pass/fail line per step. A failed step does not stop the scenario
// (unless stopOnFail): later steps still run, so one report shows everything that is wrong.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fieldValue } from '../../../protocol/index.ts';
import { MdtClient, type Answer, type Endpoint, type Received } from '../client.ts';
import type { Credentials } from '../credentials.ts';
import { ServiceClock } from '../service-clock.ts';
import { clip, parseDuration, redact, showBytes, textBytes, UsageError } from '../text.ts';
import { compare, loadScenario, MAX_BURST, type Expectation, type Scenario, type Step, type TerminalDecl } from './parse.ts';
import { Variables } from './vars.ts';

export interface ScriptOptions {
  endpoint: Endpoint;
  /** Port for terminals declared `tls` when the run itself is on plain TCP. */
  tlsPort: number;
  credentials: Credentials;
  vars: Record<string, string>;
  timeZone: string;
  replyTimeoutMs: number;
  stopOnFail?: boolean;
  /** Show every reply, not only those of failed steps. */
  verbose?: boolean;
  out: (line: string) => void;
  /** Called as a `wait` step starts: a test moves the service's clock here. */
  onWait?: (info: { file: string; line: number; term: string }) => void | Promise<void>;
}

export interface StepResult {
  line: number;
  term?: string;
  shown: string;
  ok: boolean;
  reasons: string[];
  /** Status and latency for the report line. */
  summary: string;
  replies: string[][];
}

export interface ScenarioResult {
  file: string;
  title: string;
  run: string;
  skipped?: string;
  steps: StepResult[];
  passed: number;
  failed: number;
}

/** The files named: scenario files, and every `*.scn` of a directory (sorted). */
export function scenarioFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`no such scenario file or directory: ${p}`);
    }
    if (st.isDirectory()) {
      out.push(...readdirSync(p).filter((f) => f.endsWith('.scn')).sort().map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  if (out.length === 0) throw new UsageError('no scenario files (*.scn) given');
  return out;
}

/** Runs every file; exit status 0 only when no step failed. Syntax errors are found before anything runs. */
export async function runScripts(paths: string[], opts: ScriptOptions): Promise<{ results: ScenarioResult[]; exitCode: number }> {
  const scenarios = scenarioFiles(paths).map(loadScenario);
  const results: ScenarioResult[] = [];
  for (const scn of scenarios) {
    results.push(await runScenario(scn, opts));
    if (opts.stopOnFail && results.at(-1)!.failed > 0) break;
  }
  const failed = results.filter((r) => r.failed > 0).length;
  const skipped = results.filter((r) => r.skipped).length;
  const steps = results.reduce((n, r) => n + r.steps.length, 0);
  const failedSteps = results.reduce((n, r) => n + r.failed, 0);
  opts.out(
    `${results.length} scenario(s): ${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped; ` +
      `${steps} steps, ${failedSteps} failed`,
  );
  return { results, exitCode: failed > 0 ? 1 : 0 };
}

class Terminal {
  client: MdtClient | undefined;
  user: string | undefined;
  ori: string | undefined;
  strays: Received[] = [];
  constructor(
    readonly name: string,
    readonly decl: TerminalDecl,
  ) {}
}

const SETTLE_MS = 200;

export async function runScenario(scn: Scenario, opts: ScriptOptions): Promise<ScenarioResult> {
  const clock = new ServiceClock(opts.timeZone);
  const vars = new Variables(clock, opts.vars);
  const result: ScenarioResult = { file: scn.file, title: scn.title, run: vars.get('RUN')!, steps: [], passed: 0, failed: 0 };
  const missing = scn.requires.filter((v) => !vars.has(v));
  opts.out(`== ${scn.file}${scn.title ? ` - ${scn.title}` : ''} (RUN=${result.run})`);
  if (missing.length) {
    result.skipped = `needs --var ${missing.map((v) => `${v}=...`).join(' --var ')}`;
    opts.out(`  SKIP  ${result.skipped}`);
    return result;
  }
  const terminals = new Map<string, Terminal>();
  const terminal = (name: string) => {
    let t = terminals.get(name);
    if (!t) {
      t = new Terminal(name, scn.terminals.get(name) ?? {});
      terminals.set(name, t);
    }
    return t;
  };
  const connect = async (t: Terminal) => {
    if (t.client?.isOpen) return t.client;
    const tlsOn = t.decl.tls ?? opts.endpoint.tls ?? false;
    const ep: Endpoint = {
      ...opts.endpoint,
      tls: tlsOn,
      port: tlsOn && !opts.endpoint.tls ? opts.tlsPort : opts.endpoint.port,
      mode: t.decl.mode ?? opts.endpoint.mode ?? 'framed',
    };
    const c = await MdtClient.connect(ep, { replyTimeoutMs: opts.replyTimeoutMs });
    c.on('stray', (r) => t.strays.push(r));
    c.on('unsolicited', (r) => clock.observe(r.time));
    t.client = c;
    t.user = t.ori = undefined;
    return c;
  };

  try {
    for (const step of scn.steps) {
      const r = await runStep(step, { opts, vars, clock, terminal, connect, file: scn.file });
      if (r === undefined) continue; // set, sleep, print: no report line
      result.steps.push(r);
      if (r.ok) result.passed++;
      else result.failed++;
      report(r, opts);
      if (!r.ok && opts.stopOnFail) break;
    }
  } finally {
    for (const t of terminals.values()) t.client?.close();
  }
  opts.out(`  -- ${result.steps.length} steps: ${result.passed} passed, ${result.failed} failed`);
  return result;
}

function report(r: StepResult, opts: ScriptOptions): void {
  const where = `L${r.line}`.padEnd(5);
  const term = r.term ? `@${r.term}`.padEnd(10) : ''.padEnd(10);
  opts.out(`  ${r.ok ? 'ok  ' : 'FAIL'}  ${where} ${term} ${clip(r.shown, 58).padEnd(58)} ${r.summary}`);
  for (const reason of r.reasons) opts.out(`        ${reason}`);
  if (!r.ok || opts.verbose) {
    for (const lines of r.replies) for (const l of lines) opts.out(`        | ${l}`);
  }
}

interface Ctx {
  opts: ScriptOptions;
  vars: Variables;
  clock: ServiceClock;
  terminal(name: string): Terminal;
  connect(t: Terminal): Promise<MdtClient>;
  file: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runStep(step: Step, ctx: Ctx): Promise<StepResult | undefined> {
  const { vars, opts } = ctx;
  switch (step.kind) {
    case 'set':
      if (!step.onlyIfUnset || !vars.has(step.name)) {
        try {
          vars.set(step.name, vars.fill(step.value));
        } catch (err) {
          return failed(step, undefined, step.source, (err as Error).message);
        }
      }
      return undefined;
    case 'sleep':
      try {
        await sleep(parseDuration(vars.fill(step.timeout)));
      } catch (err) {
        return failed(step, undefined, step.source, (err as Error).message);
      }
      return undefined;
    case 'print':
      try {
        opts.out(`  ..    ${vars.fill(step.text)}`);
      } catch (err) {
        return failed(step, undefined, step.source, (err as Error).message);
      }
      return undefined;
  }

  const t = ctx.terminal(step.term);
  const res: StepResult = { line: step.line, term: t.name, shown: step.source.replace(/^@\S+\s+/, ''), ok: true, reasons: [], summary: '', replies: [] };
  const fail = (reason: string) => {
    res.ok = false;
    res.reasons.push(reason);
  };
  try {
    switch (step.kind) {
      case 'close':
        t.client?.close();
        await t.client?.closed;
        t.client = undefined;
        res.summary = 'closed';
        return res;
      case 'connect':
        t.client?.close();
        await ctx.connect(t);
        res.summary = 'connected';
        return res;
      case 'send':
      case 'son':
      case 'sof': {
        const { bytes, shown, signOn } = message(step, t, ctx);
        res.shown = shown;
        const c = await ctx.connect(t);
        const a = await c.send(bytes);
        observe(ctx, a);
        res.replies.push(a.lines);
        res.summary = summary(a);
        if (!a.ctlMatches) fail(`CTL echo: the request carried '${a.expectedCtl}', the header has '${a.ctl.trim()}'`);
        const exps = step.expectations.some((e) => e.kind === 'expect') || step.kind === 'send'
          ? step.expectations
          : [{ kind: 'expect' as const, line: step.line, statuses: ['ACK'], codes: [] }, ...step.expectations];
        check(exps, a, ctx, fail);
        if (signOn && a.status === 'ACK') {
          t.user = signOn.user;
          t.ori = signOn.ori;
        }
        if (step.kind === 'sof' && a.status === 'ACK') t.user = undefined;
        break;
      }
      case 'raw': {
        const bytes = textBytes(vars.fill(step.bytes), true);
        res.shown = `raw ${clip(redact(showBytes(bytes)), 200)}`;
        // Without `replies N`: as many replies as the service's frame decoder makes of the bytes.
        const n = step.expectations.find((e) => e.kind === 'replies')?.n;
        const c = await ctx.connect(t);
        const answers = await c.sendRaw(bytes, n);
        answers.forEach((a) => observe(ctx, a));
        res.replies.push(...answers.map((a) => a.lines));
        res.summary = answers.length ? answers.map(summary).join(', ') : 'no reply';
        await sleep(SETTLE_MS);
        if (answers[0]) check(step.expectations, answers[0], ctx, fail);
        else if (step.expectations.some((e) => e.kind !== 'replies')) fail('expectations given but no reply expected');
        break;
      }
      case 'burst': {
        const n = Number(vars.fill(step.n));
        if (!Number.isInteger(n) || n < 1 || n > MAX_BURST) throw new Error(`burst: N must be from 1 to ${MAX_BURST} (got ${vars.fill(step.n)})`);
        const c = await ctx.connect(t);
        const sends: Promise<Answer>[] = [];
        for (let i = 1; i <= n; i++) {
          vars.set('I', String(i));
          sends.push(c.send(textBytes(vars.fill(step.text))));
        }
        vars.set('I', '${I}');
        res.shown = `burst ${n} ${redact(vars.fill(step.text))}`;
        const settled = await Promise.allSettled(sends);
        const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        answers.forEach((a) => observe(ctx, a));
        const errors = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
        if (errors.length) fail(`${errors.length} of ${n} without a reply: ${errors[0]}`);
        const tally = new Map<string, number>();
        for (const a of answers) {
          const k = a.status === 'REJ' ? `REJ ${a.reject?.code ?? '?'}` : a.status;
          tally.set(k, (tally.get(k) ?? 0) + 1);
        }
        res.summary = [...tally].map(([k, n]) => `${n} ${k}`).join(', ');
        const bad = answers.filter((a) => !a.ctlMatches).length;
        if (bad) fail(`${bad} replies with a CTL that is not their request's`);
        for (const e of step.expectations) {
          if (e.kind === 'count') {
            const n = answers.filter((a) => matchesStatus(a, e.statuses, e.codes)).length;
            if (!compare(n, e.op, e.n)) fail(`L${e.line}: count of ${e.statuses.join('|')}${e.codes.length ? ` ${e.codes.join('|')}` : ''} is ${n}, expected ${e.op} ${e.n}`);
          } else {
            const wrong = answers.filter((a) => {
              const reasons: string[] = [];
              check([e], a, ctx, (x) => reasons.push(x));
              return reasons.length > 0;
            });
            if (wrong.length) {
              const first: string[] = [];
              check([e], wrong[0]!, ctx, (x) => first.push(x));
              fail(`${wrong.length} of ${answers.length} replies: ${first[0]}`);
              res.replies.push(wrong[0]!.lines);
            }
          }
        }
        break;
      }
      case 'wait': {
        const ms = parseDuration(vars.fill(step.timeout));
        res.shown = ['wait', step.status, step.key, `${ms / 1000}s`].filter(Boolean).join(' ');
        const c = await ctx.connect(t);
        await opts.onWait?.({ file: ctx.file, line: step.line, term: t.name });
        const started = performance.now();
        const got = await c.waitUnsolicited((r) => (!step.status || r.status === step.status) && (!step.key || r.mke === step.key), ms);
        if (!got) {
          fail(`no unsolicited ${step.status ?? 'MSG or NOTE'}${step.key ? ` ${step.key}` : ''} within ${ms} ms`);
          res.summary = 'nothing';
          break;
        }
        res.replies.push(got.lines);
        res.summary = `${got.mke} ${got.status} after ${Math.round(performance.now() - started)} ms`;
        check(step.expectations, { ...got, latencyMs: 0, expectedCtl: '', ctlMatches: true }, ctx, fail);
        break;
      }
      case 'quiet': {
        const c = await ctx.connect(t);
        await sleep(parseDuration(vars.fill(step.timeout)));
        const got = c.takeInbox();
        res.summary = got.length ? `${got.length} unsolicited` : 'quiet';
        if (got.length) {
          fail(`${got.length} unsolicited message(s) not waited for`);
          res.replies.push(...got.map((r) => r.lines));
        }
        break;
      }
    }
  } catch (err) {
    fail((err as Error).message);
    if (!res.summary) res.summary = (err as Error).name === 'ReplyTimeout' ? 'timeout' : 'error';
  }
  if (t.strays.length) {
    fail(`${t.strays.length} reply(ies) with no request waiting (the service answered more than once?)`);
    res.replies.push(...t.strays.splice(0).map((r) => r.lines));
  }
  return res;
}

function failed(step: Step, term: string | undefined, shown: string, reason: string): StepResult {
  return { line: step.line, ...(term ? { term } : {}), shown, ok: false, reasons: [reason], summary: 'error', replies: [] };
}

function observe(ctx: Ctx, r: Received): void {
  ctx.clock.observe(r.time);
}

function summary(a: Answer): string {
  const st = a.status === 'REJ' ? `REJ ${a.reject?.code ?? '?'}` : a.status;
  return `${st.padEnd(7)} ${String(Math.round(a.latencyMs)).padStart(5)} ms`;
}

/** The bytes of a send/son/sof step and how the report shows them (never a password). */
function message(step: Extract<Step, { kind: 'send' | 'son' | 'sof' }>, t: Terminal, ctx: Ctx): { bytes: Buffer; shown: string; signOn?: { user: string; ori: string } } {
  const { vars, opts } = ctx;
  if (step.kind === 'send') {
    const bytes = textBytes(vars.fill(step.text));
    return { bytes, shown: redact(showBytes(bytes)) };
  }
  if (step.kind === 'sof') {
    if (!t.ori) throw new Error('sof: this terminal has not signed on (send SOF.<ORI> instead)');
    const text = `SOF.${t.ori}`;
    return { bytes: Buffer.from(text), shown: text };
  }
  const creds = opts.credentials;
  const user = (step.user ? vars.fill(step.user) : creds.defaultUser)?.toUpperCase();
  if (!user) throw new Error('son: no user (give one, or --user)');
  const ori = (step.ori ? vars.fill(step.ori) : creds.ori(user))?.toUpperCase();
  if (!ori) throw new Error(`son: no ORI known for ${user} (write it in the step, or give --credentials / --ori)`);
  const password = step.password !== undefined ? vars.fill(step.password) : creds.password(user);
  if (password === undefined) throw new Error(`son: no password for ${user} (give --credentials FILE, --password or MDT_PASSWORD)`);
  const otp = step.otp ? `.OTP/${vars.fill(step.otp)}` : '';
  const text = `SON.${ori}.USR/${user}.PWD/${password}${otp}`;
  return {
    bytes: Buffer.from(text, 'utf8'),
    shown: `son ${user} ${ori}${step.password !== undefined ? ' ***' : ''}${otp ? ' ***' : ''}`,
    signOn: { user, ori },
  };
}

function matchesStatus(a: Received, statuses: string[], codes: string[]): boolean {
  return statuses.includes(a.status) && (codes.length === 0 || (a.reject !== undefined && codes.includes(a.reject.code)));
}

function check(exps: Expectation[], a: Answer, ctx: Ctx, fail: (reason: string) => void): void {
  const body = a.body.join('\n');
  for (const e of exps) {
    try {
      switch (e.kind) {
        case 'expect': {
          const got = a.status === 'REJ' ? `REJ ${a.reject?.code ?? '?'}` : a.status;
          if (!matchesStatus(a, e.statuses, e.codes)) {
            fail(`L${e.line}: expected ${e.statuses.join('|')}${e.codes.length ? ` ${e.codes.join('|')}` : ''}, got ${got}${a.reject ? ` (${a.reject.text})` : ''}`);
          } else if (e.pattern) {
            const re = ctx.vars.regex(e.pattern.source, e.pattern.flags);
            if (!re.test(body)) fail(`L${e.line}: body does not match ${re}`);
          }
          break;
        }
        case 'match': {
          const re = ctx.vars.regex(e.pattern.source, e.pattern.flags);
          if (!re.test(body)) fail(`L${e.line}: body does not match ${re}`);
          break;
        }
        case 'nomatch': {
          const re = ctx.vars.regex(e.pattern.source, e.pattern.flags);
          const m = re.exec(body);
          if (m) fail(`L${e.line}: body matches ${re} ('${m[0]}') and must not`);
          break;
        }
        case 'header': {
          const re = ctx.vars.regex(e.pattern.source, e.pattern.flags);
          if (!re.test(a.lines[0] ?? '')) fail(`L${e.line}: header does not match ${re}`);
          break;
        }
        case 'field': {
          const v = fieldValue(a.fields, e.tag);
          if (e.negate) {
            if (v !== undefined) fail(`L${e.line}: field ${e.tag} is present (${e.tag}/${v}) and must not be`);
          } else if (v === undefined) {
            fail(`L${e.line}: no field ${e.tag} in the reply`);
          } else if (e.pattern) {
            const re = ctx.vars.regex(e.pattern.source, e.pattern.flags);
            if (!re.test(v)) fail(`L${e.line}: ${e.tag}/${v} does not match ${re}`);
          } else if (v !== ctx.vars.fill(e.value!)) {
            fail(`L${e.line}: ${e.tag}/${v}, expected ${e.tag}/${ctx.vars.fill(e.value!)}`);
          }
          break;
        }
        case 'capture': {
          let v: string | undefined;
          if (e.tag) v = fieldValue(a.fields, e.tag);
          else {
            const m = ctx.vars.regex(e.pattern!.source, e.pattern!.flags).exec(body);
            v = m ? (m[1] ?? m[0]) : undefined;
          }
          if (v === undefined) fail(`L${e.line}: nothing to capture into ${e.name} (${e.tag ?? `/${e.pattern!.source}/`})`);
          else ctx.vars.set(e.name, v);
          break;
        }
        case 'records':
          if (!compare(a.records.length, e.op, e.n)) fail(`L${e.line}: ${a.records.length} record(s), expected ${e.op} ${e.n}`);
          break;
        case 'within':
          if (a.latencyMs > e.ms) fail(`L${e.line}: reply took ${Math.round(a.latencyMs)} ms, more than ${e.ms} ms`);
          break;
        case 'count':
        case 'replies':
          break; // handled by the step
      }
    } catch (err) {
      fail(`L${e.line}: ${(err as Error).message}`);
    }
  }
}
