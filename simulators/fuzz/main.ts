// fuzz — sends the terminal service what no terminal should (README.md beside this file) and checks
// that it stays up, answers every complete frame exactly once, changes nothing for a rejected
// message, and keeps its memory flat.
//
//   npm run fuzz -- --minutes 5                          its own service (ccpor serve --demo)
//   npm run fuzz -- --port 5150 --tls-port 5151 --ssh-port 2222 --credentials data/DEMO-CREDENTIALS.txt
//
// A protocol client only: protocol/, the MDT simulator's client pieces and node built-ins; never
// db/ or src/. Exit status 0 only when nothing failed; 1 on any failure; 2 for a usage error.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Credentials } from '../mdt/credentials.ts';
import { parseDuration, UsageError } from '../mdt/text.ts';
import { ALL_KINDS, type Kind } from './inputs.ts';
import { LocalService } from './local-service.ts';
import { TRANSPORTS, type Transport } from './report.ts';
import { runFuzz, type FuzzOptions } from './run.ts';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

export const USAGE = `fuzz - send the CCPOR terminal service malformed, random and hostile input

  npm run fuzz -- [--minutes N | --duration D] [options]

By default it starts its own service (ccpor serve --demo on the embedded registry, in a scratch
directory, on free ports; DATABASE_URL and REDIS_URL are not passed on) and stops it at the end.

target an existing service instead (use a scratch registry: accepted inputs enter orders):
  --host H            (127.0.0.1)
  --port P            TCP port; --tls-port P, --ssh-port P for the others (each optional)
  --credentials FILE  DEMO-CREDENTIALS.txt or lines USER ORI PASSWORD [ROLE]; without it only
                      unsigned connections, no SSH and no registry check
  --server-pid PID    sample that process's resident memory (this machine)

own service:
  --data-dir DIR      keep its registry in DIR (a later run starts in seconds)

run:
  --minutes N         how long to fuzz (1); or --duration 30s, 2m
  --seed N            random seed (printed; the same seed repeats the same inputs per worker)
  --transports LIST   tcp,tls,ssh (all available)
  --workers LIST      connections at a time per transport: tcp:2,tls:1,ssh:1
  --kinds LIST        ${ALL_KINDS.join(',')} (all)
  --timeout D         longest wait for the answers to one input (15s)
  --watch N           known orders the registry check compares before and after (40)
  --no-registry-check skip it (a registry others are changing at the same time)
  --max-rss-growth MB service memory growth allowed after warm-up (96)
  --storm N           most connections opened at once by 'storm' (40)
  --exclude-bytes HEX never send these bytes (e.g. 00,ff), each replaced by another control
                      byte: to go on fuzzing past a known bug that one byte triggers
  --max-frames N      no input of more than N frames (another is made): past a known bug
  --progress D        progress line on stderr every D (10s; 0 = none)
  --json FILE         write the report, failures with their inputs (base64), as JSON
`;

function options(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string' },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      'ssh-port': { type: 'string' },
      credentials: { type: 'string' },
      'server-pid': { type: 'string' },
      'data-dir': { type: 'string' },
      minutes: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      transports: { type: 'string' },
      workers: { type: 'string' },
      kinds: { type: 'string' },
      timeout: { type: 'string' },
      watch: { type: 'string' },
      'no-registry-check': { type: 'boolean' },
      'max-rss-growth': { type: 'string' },
      storm: { type: 'string' },
      'exclude-bytes': { type: 'string' },
      'max-frames': { type: 'string' },
      progress: { type: 'string' },
      json: { type: 'string' },
      tz: { type: 'string' },
    },
  });
}

function int(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

function list<T extends string>(v: string | undefined, name: string, allowed: readonly T[]): T[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!(allowed as readonly string[]).includes(i)) throw new UsageError(`--${name}: unknown '${i}' (${allowed.join(', ')})`);
  return items as T[];
}

function hexBytes(v: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const h of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!/^(0x)?[0-9a-f]{1,2}$/i.test(h)) throw new UsageError(`--exclude-bytes: '${h}' is not a byte in hex (00 to ff)`);
    out.add(parseInt(h.replace(/^0x/i, ''), 16));
  }
  return out;
}

/** Runs the command line; resolves with the exit status. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let service: LocalService | undefined;
  try {
    let o;
    try {
      o = options(argv).values;
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (fuzz --help)`);
    }
    if (o.help) {
      io.out(USAGE);
      return 0;
    }
    if (o.minutes !== undefined && o.duration !== undefined) throw new UsageError('--minutes or --duration, not both');
    if (o.minutes !== undefined && !(Number(o.minutes) > 0)) throw new UsageError('--minutes must be a number above 0');
    const durationMs = o.minutes !== undefined ? Math.round(Number(o.minutes) * 60_000) : parseDuration(o.duration ?? '1m');
    const external = o.port !== undefined || o['tls-port'] !== undefined || o['ssh-port'] !== undefined;
    if (!external && (o.host || o.credentials || o['server-pid'])) throw new UsageError('--host, --credentials and --server-pid go with --port/--tls-port/--ssh-port (an existing service)');
    if (external && o['data-dir']) throw new UsageError('--data-dir is for the service fuzz starts itself');
    const workerSpec = Object.fromEntries((o.workers ?? '').split(',').filter(Boolean).map((w) => {
      const m = /^(tcp|tls|ssh):(\d+)$/.exec(w.trim());
      if (!m || Number(m[2]) > 64) throw new UsageError(`--workers: write e.g. tcp:2,tls:1,ssh:1 (at most 64 each), not '${w}'`);
      return [m[1]!, Number(m[2])];
    })) as Partial<Record<Transport, number>>;
    const kinds = new Set<Kind>(list(o.kinds, 'kinds', ALL_KINDS) ?? ALL_KINDS);
    if (![...kinds].some((k) => k !== 'half-close' && k !== 'abrupt-close')) throw new UsageError('--kinds: at least one kind of input besides half-close and abrupt-close');
    const seed = o.seed !== undefined ? int(o.seed, 'seed', 0, 0, 2 ** 32 - 1) : Math.floor(Math.random() * 2 ** 32);
    const timeZone = o.tz ?? 'America/Los_Angeles';

    let host = o.host ?? '127.0.0.1';
    let ports: FuzzOptions['ports'];
    let credentials: Credentials | undefined;
    let serverPid = o['server-pid'] !== undefined ? int(o['server-pid'], 'server-pid', 0, 1, 2 ** 31) : undefined;
    let target: string;
    if (external) {
      ports = {
        ...(o.port !== undefined ? { tcp: int(o.port, 'port', 0, 1, 65535) } : {}),
        ...(o['tls-port'] !== undefined ? { tls: int(o['tls-port'], 'tls-port', 0, 1, 65535) } : {}),
        ...(o['ssh-port'] !== undefined ? { ssh: int(o['ssh-port'], 'ssh-port', 0, 1, 65535) } : {}),
      };
      credentials = o.credentials ? Credentials.fromOptions({ file: o.credentials, env: io.env }) : undefined;
      target = `${host} (${Object.entries(ports).map(([t, p]) => `${t.toUpperCase()} ${p}`).join(', ')})`;
    } else {
      io.out(`starting a service of its own (ccpor serve --demo${o['data-dir'] ? ` in ${o['data-dir']}` : ''})`);
      service = await LocalService.start({ ...(o['data-dir'] ? { dataDir: o['data-dir'] } : {}), log: io.out });
      host = '127.0.0.1';
      ports = { ...service.ports };
      credentials = Credentials.fromOptions({ file: service.credentialsFile, env: io.env });
      serverPid = service.pid;
      target = `its own service (pid ${service.pid}; TCP ${ports.tcp}, TLS ${ports.tls}, SSH ${ports.ssh})`;
    }
    const available = TRANSPORTS.filter((t) => ports[t] !== undefined);
    const transports = list(o.transports, 'transports', TRANSPORTS) ?? available;
    for (const t of transports) if (ports[t] === undefined) throw new UsageError(`--transports ${t}: no port for it (--${t === 'tcp' ? 'port' : `${t}-port`})`);

    const own = service;
    const report = await runFuzz({
      host,
      ports,
      ...(credentials ? { credentials } : {}),
      durationMs,
      seed,
      transports,
      kinds,
      workers: { tcp: workerSpec.tcp ?? 2, tls: workerSpec.tls ?? 1, ssh: workerSpec.ssh ?? 1 },
      replyTimeoutMs: parseDuration(o.timeout ?? '15s'),
      registryCheck: !o['no-registry-check'],
      watchOrders: int(o.watch, 'watch', 40, 1, 10_000),
      ...(serverPid !== undefined ? { serverPid } : {}),
      maxRssGrowthMb: int(o['max-rss-growth'], 'max-rss-growth', 96, 1, 1_000_000),
      ...(own ? { serviceAlive: () => own.alive } : {}),
      stormMax: int(o.storm, 'storm', 40, 1, 10_000),
      excludeBytes: hexBytes(o['exclude-bytes']),
      ...(o['max-frames'] !== undefined ? { maxFrames: int(o['max-frames'], 'max-frames', 0, 1, 100_000) } : {}),
      target,
      timeZone,
      progressMs: parseDuration(o.progress ?? '10s'),
      out: io.out,
      err: io.err,
    });
    if (service && !service.alive) io.out(`the service exited (${service.exit?.code ?? service.exit?.signal}); its last log lines:\n${service.stderrTail()}`);
    if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    return report.failureCount > 0 ? 1 : 0;
  } catch (err) {
    io.err(`fuzz: ${err instanceof UsageError ? err.message : ((err as Error).stack ?? String(err))}`);
    return 2;
  } finally {
    await service?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Sockets are closed by then; do not let a stray handle keep the process alive.
  setTimeout(() => process.exit(code), 500).unref();
}
