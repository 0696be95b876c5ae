// The scenario file format (README.md, "Scenario files"): one step per line at column 0, the
// expectations on its reply indented below it. Parsing checks the syntax only; variables are
// filled in when a step runs, because captures from earlier replies feed later steps.
import { readFileSync } from 'node:fs';
import { parseDuration, UsageError } from '../text.ts';

export type Op = '>=' | '<=' | '=' | '!=' | '>' | '<';

/** A regular expression as written (`/pattern/flags`); variables are filled in when it runs. */
export interface Pattern {
  source: string;
  flags: string;
}

export type Expectation = { line: number } & (
  | { kind: 'expect'; statuses: string[]; codes: string[]; pattern?: Pattern }
  | { kind: 'match' | 'nomatch' | 'header'; pattern: Pattern }
  | { kind: 'field'; tag: string; value?: string; pattern?: Pattern; negate: boolean }
  | { kind: 'capture'; name: string; tag?: string; pattern?: Pattern }
  | { kind: 'records'; op: Op; n: number }
  | { kind: 'count'; statuses: string[]; codes: string[]; op: Op; n: number }
  | { kind: 'replies'; n: number }
  | { kind: 'within'; ms: number }
);

export type StepBody =
  | { kind: 'send'; term: string; text: string }
  | { kind: 'son'; term: string; user?: string; ori?: string; password?: string; otp?: string }
  | { kind: 'sof'; term: string }
  | { kind: 'raw'; term: string; bytes: string }
  /** `n` and durations may hold ${...}: they are read when the step runs. */
  | { kind: 'burst'; term: string; n: string; text: string }
  | { kind: 'wait'; term: string; status?: 'MSG' | 'NOTE'; key?: string; timeout: string }
  | { kind: 'quiet'; term: string; timeout: string }
  | { kind: 'close' | 'connect'; term: string }
  | { kind: 'sleep'; timeout: string }
  | { kind: 'print'; text: string }
  | { kind: 'set'; name: string; value: string; onlyIfUnset: boolean };

export type Step = StepBody & { line: number; source: string; expectations: Expectation[] };

export interface TerminalDecl {
  mode?: 'framed' | 'line';
  tls?: boolean;
}

export interface Scenario {
  file: string;
  /** The first comment line, for the report. */
  title: string;
  steps: Step[];
  terminals: Map<string, TerminalDecl>;
  /** Variables that must be given (--var) for the scenario to run; otherwise it is skipped. */
  requires: string[];
}

export class ScenarioSyntaxError extends UsageError {}

const COMMANDS = new Set(['send', 'son', 'sof', 'raw', 'burst', 'wait', 'quiet', 'close', 'connect']);
const GLOBAL = new Set(['sleep', 'print', 'set', 'default', 'terminal', 'requires']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_BURST = 10_000;
const OPS: readonly Op[] = ['>=', '<=', '!=', '=', '>', '<'];

// Which expectations each step takes.
const ALLOWED: Record<StepBody['kind'], readonly Expectation['kind'][]> = {
  send: ['expect', 'match', 'nomatch', 'header', 'field', 'capture', 'records', 'within'],
  son: ['expect', 'match', 'nomatch', 'header', 'field', 'capture', 'within'],
  sof: ['expect', 'match', 'nomatch', 'header', 'within'],
  raw: ['expect', 'match', 'nomatch', 'header', 'field', 'capture', 'replies'],
  burst: ['expect', 'count', 'within'],
  wait: ['match', 'nomatch', 'header', 'field', 'capture', 'records'],
  quiet: [],
  close: [],
  connect: [],
  sleep: [],
  print: [],
  set: [],
};

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario ${file}: ${(err as Error).message}`);
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const scn: Scenario = { file, title: '', steps: [], terminals: new Map(), requires: [] };
  const raw = text.split(/\r?\n/);
  let current = 'main';
  let step: Step | undefined;
  const fail = (line: number, msg: string): never => {
    throw new ScenarioSyntaxError(`${file}:${line}: ${msg}`);
  };

  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    let line = raw[i]!;
    // A line ending in a single backslash continues on the next (its leading blanks dropped).
    while (/(^|[^\\])\\$/.test(line) && i + 1 < raw.length) {
      line = line.slice(0, -1) + raw[++i]!.replace(/^\s+/, '');
    }
    if (/^\s*$/.test(line)) continue;
    if (/^\s*#/.test(line)) {
      if (!scn.title && scn.steps.length === 0) scn.title = line.replace(/^\s*#\s*/, '').trim();
      continue;
    }
    if (/^\s/.test(line)) {
      if (!step) fail(lineNo, 'an indented expectation needs a step above it');
      const e = parseExpectation(line.trim(), lineNo, fail);
      if (!ALLOWED[step!.kind].includes(e.kind)) fail(lineNo, `'${e.kind}' does not apply to a '${step!.kind}' step`);
      step!.expectations.push(e);
      continue;
    }

    // A step or directive at column 0.
    let rest = line.trimEnd();
    let term = current;
    const at = /^@([A-Za-z0-9_-]+)(?:\s+|$)/.exec(rest);
    if (at) {
      term = at[1]!.toLowerCase();
      current = term;
      rest = rest.slice(at[0].length);
      if (!rest) fail(lineNo, `@${term} needs a message or a command after it`);
    }
    const word = /^([a-z]+)(?:\s+|$)/.exec(rest);
    const cmd = word?.[1];
    const args = word ? rest.slice(word[0].length) : '';
    let body: StepBody | undefined;

    if (cmd && at && (cmd === 'set' || cmd === 'default' || cmd === 'terminal' || cmd === 'requires')) {
      fail(lineNo, `'${cmd}' is not a terminal command: write it without @${term}`);
    }
    if (cmd && GLOBAL.has(cmd)) {
      switch (cmd) {
        case 'sleep':
          body = { kind: 'sleep', timeout: durationText(args, lineNo, fail) };
          break;
        case 'print':
          body = { kind: 'print', text: args };
          break;
        case 'set':
        case 'default': {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s?(.*)$/.exec(args);
          if (!m) fail(lineNo, `${cmd} NAME = VALUE`);
          body = { kind: 'set', name: m![1]!, value: m![2]!.trim(), onlyIfUnset: cmd === 'default' };
          break;
        }
        case 'terminal': {
          const [name, ...opts] = args.split(/\s+/).filter(Boolean);
          if (!name || !/^[A-Za-z0-9_-]+$/.test(name)) fail(lineNo, 'terminal NAME [line|framed] [tls]');
          const decl: TerminalDecl = {};
          for (const o of opts) {
            if (o === 'line' || o === 'framed') decl.mode = o;
            else if (o === 'tls') decl.tls = true;
            else if (o === 'tcp') decl.tls = false;
            else fail(lineNo, `unknown terminal option '${o}' (line, framed, tls, tcp)`);
          }
          scn.terminals.set(name!.toLowerCase(), decl);
          step = undefined;
          continue;
        }
        case 'requires': {
          const names = args.split(/\s+/).filter(Boolean);
          if (names.length === 0 || !names.every((n) => NAME.test(n))) fail(lineNo, 'requires VARIABLE ...');
          scn.requires.push(...names);
          step = undefined;
          continue;
        }
      }
    } else if (cmd && COMMANDS.has(cmd)) {
      body = parseCommand(cmd, args, term, lineNo, fail);
    } else {
      // Anything else is a message text, sent as written (after ${...} and \xHH).
      body = { kind: 'send', term, text: rest };
    }
    step = { ...body!, line: lineNo, source: line.trim(), expectations: [] };
    scn.steps.push(step);
  }
  return scn;
}

type Fail = (line: number, msg: string) => never;

/** A duration as written: checked now unless it holds ${...} (then when the step runs). */
function durationText(s: string, line: number, fail: Fail): string {
  const t = s.trim();
  if (!t.includes('${')) duration(t, line, fail);
  return t;
}

function duration(s: string, line: number, fail: Fail): number {
  try {
    return parseDuration(s);
  } catch {
    return fail(line, `not a duration: '${s}' (e.g. 500ms, 5s, 1m)`);
  }
}

function parseCommand(cmd: string, args: string, term: string, line: number, fail: Fail): StepBody {
  const words = args.split(/\s+/).filter(Boolean);
  switch (cmd) {
    case 'send':
      if (!args) fail(line, 'send MESSAGE');
      return { kind: 'send', term, text: args };
    case 'son': {
      if (words.length > 4) fail(line, 'son [USER [ORI|- [PASSWORD [OTP]]]]');
      const [user, ori, password, otp] = words;
      return {
        kind: 'son',
        term,
        ...(user ? { user } : {}),
        ...(ori && ori !== '-' ? { ori } : {}),
        ...(password ? { password } : {}),
        ...(otp ? { otp } : {}),
      };
    }
    case 'sof':
      if (words.length) fail(line, 'sof takes no arguments');
      return { kind: 'sof', term };
    case 'raw':
      if (!args) fail(line, 'raw BYTES');
      return { kind: 'raw', term, bytes: args };
    case 'burst': {
      const m = /^(\d+|\$\{[^}]+\})\s+(.+)$/.exec(args);
      if (!m || (!m[1]!.startsWith('$') && (Number(m[1]) < 1 || Number(m[1]) > MAX_BURST))) fail(line, `burst N MESSAGE (N from 1 to ${MAX_BURST})`);
      return { kind: 'burst', term, n: m![1]!, text: m![2]! };
    }
    case 'wait': {
      let status: 'MSG' | 'NOTE' | undefined;
      let key: string | undefined;
      let timeout = '30s';
      for (const w of words) {
        if (w === 'MSG' || w === 'NOTE') status = w;
        else if (/^(\d|\$\{)/.test(w)) timeout = durationText(w, line, fail);
        else if (/^[A-Z]{2,4}$/.test(w)) key = w;
        else fail(line, 'wait [MSG|NOTE] [KEY] [TIMEOUT]');
      }
      return { kind: 'wait', term, ...(status ? { status } : {}), ...(key ? { key } : {}), timeout };
    }
    case 'quiet':
      if (words.length !== 1) fail(line, 'quiet DURATION');
      return { kind: 'quiet', term, timeout: durationText(words[0]!, line, fail) };
    case 'close':
    case 'connect':
      if (words.length) fail(line, `${cmd} takes no arguments`);
      return { kind: cmd, term };
  }
  return fail(line, `unknown command ${cmd}`);
}

/** `/pattern/flags` at the end of `s`, or undefined. */
function pattern(s: string, line: number, fail: Fail): Pattern | undefined {
  const t = s.trim();
  if (!t) return undefined;
  const m = /^\/(.*)\/([imsu]*)$/.exec(t);
  if (!m) return fail(line, `expected a /regular expression/, got '${t}'`);
  return { source: m[1]!, flags: m[2]! };
}

function statusList(s: string): string[] {
  return s.split('|').map((x) => x.toUpperCase());
}

const STATUSES = new Set(['HIT', 'NREC', 'ACK', 'REJ', 'MSG', 'NOTE']);

function parseExpectation(text: string, line: number, fail: Fail): Expectation {
  const word = /^([a-z]+)(?:\s+|$)/.exec(text);
  if (!word) return fail(line, `not an expectation: '${text}'`);
  const kind = word[1]!;
  const rest = text.slice(word[0].length);
  switch (kind) {
    case 'expect': {
      // expect STATUS[|STATUS] [CODE[|CODE]] [/re/]
      const slash = rest.search(/(^|\s)\//);
      const head = (slash < 0 ? rest : rest.slice(0, slash)).trim().split(/\s+/).filter(Boolean);
      const pat = slash < 0 ? undefined : pattern(rest.slice(slash), line, fail);
      if (head.length < 1 || head.length > 2) fail(line, 'expect STATUS [CODE] [/re/]');
      const statuses = statusList(head[0]!);
      if (!statuses.every((s) => STATUSES.has(s))) fail(line, `unknown status in '${head[0]}' (HIT NREC ACK REJ MSG NOTE)`);
      const codes = head[1] ? statusList(head[1]) : [];
      if (codes.length && !statuses.includes('REJ')) fail(line, 'a reject code needs status REJ');
      return { kind: 'expect', line, statuses, codes, ...(pat ? { pattern: pat } : {}) };
    }
    case 'match':
    case 'nomatch':
    case 'header':
      return { kind, line, pattern: pattern(rest, line, fail) ?? fail(line, `${kind} /re/`) };
    case 'field': {
      // field TAG VALUE | field TAG /re/ | field !TAG (absent)
      const m = /^(!?)([A-Z]{3})(?:\s+(.*))?$/.exec(rest.trim());
      if (!m) return fail(line, 'field TAG VALUE, field TAG /re/ or field !TAG');
      const negate = m[1] === '!';
      const v = m[3]?.trim();
      if (negate && v) fail(line, 'field !TAG takes no value');
      if (!negate && !v) fail(line, 'field TAG needs a VALUE or /re/');
      if (v?.startsWith('/')) return { kind: 'field', line, tag: m[2]!, pattern: pattern(v, line, fail)!, negate };
      return { kind: 'field', line, tag: m[2]!, ...(v ? { value: v } : {}), negate };
    }
    case 'capture': {
      // capture NAME = TAG | capture NAME = /re(group)/
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(rest.trim());
      if (!m) return fail(line, 'capture NAME = TAG or capture NAME = /re/');
      const what = m[2]!.trim();
      if (/^[A-Z]{3}$/.test(what)) return { kind: 'capture', line, name: m[1]!, tag: what };
      return { kind: 'capture', line, name: m[1]!, pattern: pattern(what, line, fail)! };
    }
    case 'records': {
      const [op, n] = opAndNumber(rest, line, fail);
      return { kind: 'records', line, op, n };
    }
    case 'count': {
      // count STATUS [CODE] OP N
      const m = /^(\S+)(?:\s+([A-Z|]+))?\s+(>=|<=|!=|=|>|<)\s*(\d+)$/.exec(rest.trim());
      if (!m) return fail(line, 'count STATUS [CODE] OP N (e.g. count REJ RAT >= 1)');
      const statuses = statusList(m[1]!);
      if (!statuses.every((s) => STATUSES.has(s))) fail(line, `unknown status '${m[1]}'`);
      return { kind: 'count', line, statuses, codes: m[2] ? statusList(m[2]) : [], op: m[3] as Op, n: Number(m[4]) };
    }
    case 'replies': {
      const n = Number(rest.trim());
      if (!/^\d+$/.test(rest.trim()) || n > 100) fail(line, 'replies N (0 to 100)');
      return { kind: 'replies', line, n };
    }
    case 'within':
      return { kind: 'within', line, ms: duration(rest.trim(), line, fail) };
  }
  return fail(line, `unknown expectation '${kind}' (expect match nomatch header field capture records count replies within)`);
}

function opAndNumber(s: string, line: number, fail: Fail): [Op, number] {
  const t = s.trim();
  if (/^\d+$/.test(t)) return ['=', Number(t)];
  const op = OPS.find((o) => t.startsWith(o));
  const n = op ? t.slice(op.length).trim() : '';
  if (!op || !/^\d+$/.test(n)) return fail(line, `expected [OP] N with OP one of ${OPS.join(' ')}`);
  return [op, Number(n)];
}

export function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '>=': return a >= b;
    case '<=': return a <= b;
    case '=': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '<': return a < b;
  }
}
