// mdt — the terminal simulator for interface testers and trainers (README.md beside this file).
//
//   mdt [connection options]                      interactive terminal
//   mdt script FILE|DIR... [options]              run scenario files, pass/fail per step
//   mdt load --terminals N --duration 30s [...]   load test; --idle N for quiet connections
//
// A protocol client only: it imports protocol/ and node built-ins, never db/ or src/.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ORI_PATTERN } from '../../protocol/index.ts';
import type { Endpoint } from './client.ts';
import { Credentials } from './credentials.ts';
import { runInteractive } from './interactive.ts';
import { runLoad, type LoadOptions } from './load/run.ts';
import { parseMix } from './load/mix.ts';
import { runScripts, type ScriptOptions } from './scenario/run.ts';
import { parseDuration, parseRate, UsageError } from './text.ts';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  stdin: process.stdin,
  stdout: process.stdout,
  env: process.env,
};

/** Hooks for tests (not reachable from the command line). */
export interface Hooks {
  onWait?: ScriptOptions['onWait'];
  /** Load mode: called once the load phase has started. */
  onLoadStarted?: () => void;
}

export const USAGE = `mdt - CCPOR terminal simulator

  mdt [options]                          interactive terminal (type message texts; :help)
  mdt script FILE|DIR... [options]       run scenario files (*.scn); exit 0 only if every step passes
  mdt load [options]                     load test; prints throughput and latency

connection:
  --host H            service host (127.0.0.1)
  --port P            service port (5150; 5151 with --tls)
  --tls               TLS; with --insecure (accept the self-signed certificate) or --ca FILE
  --tls-port P        script mode: port of terminals declared 'tls' on a TCP run (5151)
  --line              line mode instead of STX/ETX frames
  --timeout D         how long to wait for a reply (10s)

credentials (passwords are never printed):
  --credentials FILE  DEMO-CREDENTIALS.txt of 'npm start', or lines USER ORI PASSWORD [ROLE]
  --user U --password P --ori O   one user (MDT_PASSWORD may replace --password);
                      --password alone: the password of every user not in the file

script:
  --var NAME=VALUE    set a scenario variable (repeatable)
  --tz ZONE           the service's time zone for \${TODAY} (America/Los_Angeles)
  --stop-on-fail      stop at the first failed step
  -v, --verbose       show every reply
  --json FILE         write the results as JSON

load:
  --terminals N       terminals sending traffic (10)
  --duration D        how long (30s); stops by itself
  --rate R/s          total message rate; default: as fast as replies come back
  --pipeline K        requests in flight per terminal (1)
  --mix SPEC          kinds and weights (qpo-name:70,qpo-pno:20,epo:10); see README
  --users U1,U2       users the terminals sign on as, round robin (from --credentials)
  --names FILE        known names for inquiries: 'LAST, FIRST|CCYYMMDD[|PNO]' lines
  --discover N        PNO sequence numbers to probe for names (400; 0 = none)
  --seed-orders N     orders a clerk enters first, so inquiries have something to find
  --idle N            also open N signed-on connections that stay quiet
  --idle-concurrency C   sign-ons in flight while opening them (32)
  --server-pid PID    sample the service's resident memory (Linux /proc) around --idle
  --progress D        progress line interval on stderr (5s; 0 = none)
  --lean              read replies only as far as the header, no timer per request: the
                      least client work per message, for throughput beside the service
  --json FILE         write the report as JSON (for the benchmark suite)
`;

function cliOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string' },
      port: { type: 'string' },
      tls: { type: 'boolean' },
      'tls-port': { type: 'string' },
      insecure: { type: 'boolean' },
      ca: { type: 'string' },
      line: { type: 'boolean' },
      timeout: { type: 'string' },
      credentials: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      ori: { type: 'string' },
      var: { type: 'string', multiple: true },
      tz: { type: 'string' },
      'stop-on-fail': { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      json: { type: 'string' },
      terminals: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      pipeline: { type: 'string' },
      mix: { type: 'string' },
      users: { type: 'string' },
      names: { type: 'string' },
      discover: { type: 'string' },
      'seed-orders': { type: 'string' },
      idle: { type: 'string' },
      'idle-concurrency': { type: 'string' },
      'server-pid': { type: 'string' },
      progress: { type: 'string' },
      lean: { type: 'boolean' },
    },
  });
}

function int(v: string | undefined, name: string, dflt: number, min = 0, max = 1_000_000): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

/** Runs the command line; resolves with the exit status. */
export async function main(argv: string[], io: Io = processIo, hooks: Hooks = {}): Promise<number> {
  try {
    let parsed;
    try {
      parsed = cliOptions(argv);
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (mdt --help)`);
    }
    const { values: o, positionals } = parsed;
    if (o.help) {
      io.out(USAGE);
      return 0;
    }
    const [command = 'interactive', ...rest] = positionals;
    const endpoint: Endpoint = {
      host: o.host ?? '127.0.0.1',
      port: int(o.port, 'port', o.tls ? 5151 : 5150, 1, 65535),
      tls: o.tls ?? false,
      ...(o.insecure ? { insecure: true } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      mode: o.line ? 'line' : 'framed',
    };
    if ((o.insecure || o.ca) && !o.tls && command !== 'script') throw new UsageError('--insecure and --ca go with --tls');
    if (o.ori && !ORI_PATTERN.test(o.ori.toUpperCase())) throw new UsageError(`--ori ${o.ori} is not an ORI`);
    const credentials = Credentials.fromOptions({ file: o.credentials, user: o.user, password: o.password, ori: o.ori, env: io.env });
    const replyTimeoutMs = o.timeout ? parseDuration(o.timeout) : 10_000;
    const timeZone = o.tz ?? 'America/Los_Angeles';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new UsageError(`--tz ${timeZone} is not a time zone`);
    }

    switch (command) {
      case 'interactive':
        if (rest.length) throw new UsageError(`unexpected argument ${rest[0]} (mdt --help)`);
        return await runInteractive({ endpoint, credentials, replyTimeoutMs, io });
      case 'script': {
        if (rest.length === 0) throw new UsageError('mdt script FILE|DIR... (scenario files)');
        const vars: Record<string, string> = {};
        for (const v of o.var ?? []) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
          if (!m) throw new UsageError(`--var ${v}: write NAME=VALUE`);
          vars[m[1]!] = m[2]!;
        }
        if (o.user && !vars.USER) vars.USER = o.user.toUpperCase();
        if (o.ori && !vars.ORI) vars.ORI = o.ori.toUpperCase();
        const { results, exitCode } = await runScripts(rest, {
          endpoint,
          tlsPort: int(o['tls-port'], 'tls-port', 5151, 1, 65535),
          credentials,
          vars,
          timeZone,
          replyTimeoutMs,
          stopOnFail: o['stop-on-fail'] ?? false,
          verbose: o.verbose ?? false,
          out: io.out,
          ...(hooks.onWait ? { onWait: hooks.onWait } : {}),
        });
        if (o.json) writeFileSync(o.json, `${JSON.stringify({ tool: 'mdt-script', results }, null, 2)}\n`);
        return exitCode;
      }
      case 'load': {
        if (rest.length) throw new UsageError(`unexpected argument ${rest[0]} (mdt --help)`);
        const idle = int(o.idle, 'idle', 0, 0, 200_000);
        const opts: LoadOptions = {
          endpoint,
          credentials,
          terminals: int(o.terminals, 'terminals', o.idle !== undefined ? 0 : 10, 0, 100_000),
          durationMs: parseDuration(o.duration ?? '30s'),
          ratePerSecond: o.rate ? parseRate(o.rate) : undefined,
          pipeline: int(o.pipeline, 'pipeline', 1, 1, 32),
          mix: parseMix(o.mix ?? 'qpo-name:70,qpo-pno:20,epo:10'),
          users: o.users ? o.users.split(',').map((u) => u.trim().toUpperCase()).filter(Boolean) : undefined,
          namesFile: o.names,
          discover: int(o.discover, 'discover', o.names ? 0 : 400, 0, 1_000_000),
          seedOrders: o['seed-orders'] !== undefined ? int(o['seed-orders'], 'seed-orders', 0, 0, 100_000) : undefined,
          idle,
          idleConcurrency: int(o['idle-concurrency'], 'idle-concurrency', 32, 1, 10_000),
          serverPid: o['server-pid'] ? int(o['server-pid'], 'server-pid', 0, 1, 2 ** 31) : undefined,
          progressMs: parseDuration(o.progress ?? '5s'),
          replyTimeoutMs,
          lean: !!o.lean,
          timeZone,
          out: io.out,
          err: io.err,
          ...(hooks.onLoadStarted ? { onStarted: hooks.onLoadStarted } : {}),
        };
        if (opts.lean && endpoint.mode === 'line') throw new UsageError('--lean reads STX/ETX frames: not with --line');
        if (opts.terminals === 0 && idle === 0) throw new UsageError('nothing to do: --terminals 0 and no --idle');
        const report = await runLoad(opts);
        if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
        return report.errorsTotal > 0 && report.replies === 0 && opts.terminals > 0 ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command '${command}' (interactive, script, load; mdt --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`mdt: ${err.message}`);
      return 2;
    }
    io.err(`mdt: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Sockets are closed by then; do not let a stray handle keep the process alive.
  setTimeout(() => process.exit(code), 500).unref();
}
