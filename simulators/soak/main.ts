// soak — a long steady mixed load with terminals dropping and rejoining (README.md beside this
// file): errors (there should be none), latency per interval, the service's memory over time.
//
//   npm run soak -- --minutes 30                      its own service (ccpor serve --demo)
//   npm run soak -- --port 5150 --tls-port 5151 --credentials data/DEMO-CREDENTIALS.txt --server-pid PID
//
// A protocol client only (the MDT simulator's pieces); never db/ or src/. Exit status 0 when there
// was no error, the service still serves and its memory stayed within the limit; 1 otherwise; 2
// for a usage error.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Credentials } from '../mdt/credentials.ts';
import { parseMix } from '../mdt/load/mix.ts';
import { parseDuration, parseRate, UsageError } from '../mdt/text.ts';
import { LocalService } from '../fuzz/local-service.ts';
import { runSoak } from './run.ts';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

export const DEFAULT_MIX = 'qpo-name:40,qpo-pno:20,qpo-name-miss:10,qpo-pp:5,qpo-oca:5,epo:8,spo:6,bad:6';

export const USAGE = `soak - a long mixed load on the CCPOR terminal service, terminals dropping and rejoining

  npm run soak -- [--minutes N | --duration D] [options]

By default it starts its own service (ccpor serve --demo on the embedded registry, in a scratch
directory, on free ports; DATABASE_URL and REDIS_URL are not passed on) and stops it at the end.

target an existing service instead:
  --host H, --port P, --tls-port P      (either port or both)
  --credentials FILE  DEMO-CREDENTIALS.txt or lines USER ORI PASSWORD [ROLE] (needed)
  --server-pid PID    sample that process's resident memory (this machine)

own service:
  --data-dir DIR      keep its registry in DIR (a later run starts in seconds)

run:
  --minutes N         how long (10); or --duration 30s, 2h
  --terminals N       terminals (20), every role but ADMIN in turn; a quarter on TLS, a fifth in line mode
  --rate R/s          messages per second over all terminals (100)
  --mix SPEC          ${DEFAULT_MIX}
                      (kinds of the MDT simulator's load mode; a kind a role may not send becomes qpo-name)
  --churn P           chance after each reply that the terminal drops its connection and rejoins (0.02)
  --interval D        one latency line per interval (10s)
  --timeout D         longest wait for a reply (10s)
  --max-rss-growth MB service memory growth allowed from start to end (128)
  --json FILE         write the report as JSON
`;

function int(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let service: LocalService | undefined;
  try {
    let o;
    try {
      o = parseArgs({
        args: argv,
        strict: true,
        options: {
          help: { type: 'boolean', short: 'h' },
          host: { type: 'string' },
          port: { type: 'string' },
          'tls-port': { type: 'string' },
          credentials: { type: 'string' },
          'server-pid': { type: 'string' },
          'data-dir': { type: 'string' },
          minutes: { type: 'string' },
          duration: { type: 'string' },
          terminals: { type: 'string' },
          rate: { type: 'string' },
          mix: { type: 'string' },
          churn: { type: 'string' },
          interval: { type: 'string' },
          timeout: { type: 'string' },
          'max-rss-growth': { type: 'string' },
          json: { type: 'string' },
          tz: { type: 'string' },
        },
      }).values;
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (soak --help)`);
    }
    if (o.help) {
      io.out(USAGE);
      return 0;
    }
    if (o.minutes !== undefined && o.duration !== undefined) throw new UsageError('--minutes or --duration, not both');
    if (o.minutes !== undefined && !(Number(o.minutes) > 0)) throw new UsageError('--minutes must be a number above 0');
    const durationMs = o.minutes !== undefined ? Math.round(Number(o.minutes) * 60_000) : parseDuration(o.duration ?? '10m');
    const churn = o.churn === undefined ? 0.02 : Number(o.churn);
    if (!(churn >= 0 && churn <= 1)) throw new UsageError('--churn must be a number from 0 to 1');
    const mix = parseMix(o.mix ?? DEFAULT_MIX);
    const external = o.port !== undefined || o['tls-port'] !== undefined;
    if (!external && (o.host || o.credentials || o['server-pid'])) throw new UsageError('--host, --credentials and --server-pid go with --port/--tls-port (an existing service)');
    if (external && !o.credentials) throw new UsageError('--credentials FILE: the terminals must sign on');

    let ports: { tcp?: number; tls?: number };
    let credentials: Credentials;
    let serverPid = o['server-pid'] !== undefined ? int(o['server-pid'], 'server-pid', 0, 1, 2 ** 31) : undefined;
    let target: string;
    if (external) {
      ports = {
        ...(o.port !== undefined ? { tcp: int(o.port, 'port', 0, 1, 65535) } : {}),
        ...(o['tls-port'] !== undefined ? { tls: int(o['tls-port'], 'tls-port', 0, 1, 65535) } : {}),
      };
      credentials = Credentials.fromOptions({ file: o.credentials, env: io.env });
      target = `${o.host ?? '127.0.0.1'} (${Object.entries(ports).map(([t, p]) => `${t.toUpperCase()} ${p}`).join(', ')})`;
    } else {
      io.out(`starting a service of its own (ccpor serve --demo${o['data-dir'] ? ` in ${o['data-dir']}` : ''})`);
      service = await LocalService.start({ ...(o['data-dir'] ? { dataDir: o['data-dir'] } : {}), log: io.out });
      ports = { tcp: service.ports.tcp, tls: service.ports.tls };
      credentials = Credentials.fromOptions({ file: service.credentialsFile, env: io.env });
      serverPid = service.pid;
      target = `its own service (pid ${service.pid}; TCP ${ports.tcp}, TLS ${ports.tls})`;
    }
    const own = service;
    const report = await runSoak({
      host: o.host ?? '127.0.0.1',
      ports,
      credentials,
      durationMs,
      terminals: int(o.terminals, 'terminals', 20, 1, 10_000),
      ratePerSecond: o.rate ? parseRate(o.rate) : 100,
      mix,
      churn,
      tlsShare: 0.25,
      lineShare: 0.2,
      intervalMs: parseDuration(o.interval ?? '10s'),
      replyTimeoutMs: parseDuration(o.timeout ?? '10s'),
      ...(serverPid !== undefined ? { serverPid } : {}),
      ...(own ? { serviceAlive: () => own.alive } : {}),
      maxRssGrowthMb: int(o['max-rss-growth'], 'max-rss-growth', 128, 1, 1_000_000),
      discover: 200,
      timeZone: o.tz ?? 'America/Los_Angeles',
      target,
      out: io.out,
      err: io.err,
    });
    if (service && !service.alive) io.out(`the service exited (${service.exit?.code ?? service.exit?.signal}); its last log lines:\n${service.stderrTail()}`);
    if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } catch (err) {
    io.err(`soak: ${err instanceof UsageError ? err.message : ((err as Error).stack ?? String(err))}`);
    return 2;
  } finally {
    await service?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  setTimeout(() => process.exit(code), 500).unref();
}
