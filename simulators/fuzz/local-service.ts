// The service the fuzz and soak tools start for themselves: `ccpor serve --demo` in a child
// process, on the embedded registry in a scratch data directory, on free ports. The tools still
// speak only the protocol; from here they take the ports, the demo credentials file the service
// writes, and the process id (its resident memory is read from /proc, Linux only).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Resident memory of a process in MB (Linux /proc); undefined when it cannot be read. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export interface LocalServiceOptions {
  /** Keep the registry here (a later run starts in seconds); default: a scratch directory, removed at stop. */
  dataDir?: string;
  /** More environment for the service (the defaults below can be overridden). */
  env?: Record<string, string>;
  /** Wait at most this long for a first start (creating the demo registry takes up to a minute). */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export class LocalService {
  #exit: { code: number | null; signal: string | null } | undefined;
  readonly #stderr: string[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly dataDir: string,
    readonly ports: { tcp: number; tls: number; ssh: number },
    readonly credentialsFile: string,
    private readonly removeDir: boolean,
  ) {
    proc.once('exit', (code, signal) => (this.#exit = { code, signal }));
    proc.stderr?.on('data', (d: Buffer) => {
      this.#stderr.push(...d.toString('utf8').split('\n').filter(Boolean));
      if (this.#stderr.length > 40) this.#stderr.splice(0, this.#stderr.length - 40);
    });
  }

  static async start(o: LocalServiceOptions = {}): Promise<LocalService> {
    const removeDir = o.dataDir === undefined;
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'ccpor-fuzz-'));
    const ports = { tcp: await freePort(), tls: await freePort(), ssh: await freePort() };
    // Always the embedded registry: a tool that sends garbage and entries must never reach a real
    // database named by DATABASE_URL in the caller's environment.
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
    const proc = spawn(process.execPath, [BIN, 'serve', '--demo'], {
      env: {
        ...inherited,
        CCPOR_DATA_DIR: dataDir,
        CCPOR_TCP_PORT: String(ports.tcp),
        CCPOR_TLS_PORT: String(ports.tls),
        CCPOR_SSH_PORT: String(ports.ssh),
        CCPOR_BIND: '127.0.0.1',
        // Inputs should reach the parser and the handlers, not stop at the rate limit (REJ RAT is
        // still counted when it comes); no expiry job changing orders while they are compared.
        CCPOR_RATE_PER_SECOND: '5000',
        CCPOR_RATE_BURST: '10000',
        CCPOR_EXPIRY_MINUTES: '0',
        LOG_LEVEL: 'warn',
        CCPOR_LOG_FORMAT: 'json',
        ...o.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const credentialsFile = join(dataDir, 'DEMO-CREDENTIALS.txt');
    const service = new LocalService(proc, dataDir, ports, credentialsFile, removeDir);
    const started = Date.now();
    const deadline = started + (o.startTimeoutMs ?? 180_000);
    let said = false;
    while (Date.now() < deadline) {
      if (service.#exit) throw new Error(`ccpor serve exited (${service.#exit.code ?? service.#exit.signal}) before it was ready:\n${service.stderrTail()}`);
      if (existsSync(credentialsFile) && (await accepts(ports.tcp)) && (await accepts(ports.tls)) && (await accepts(ports.ssh))) return service;
      if (!said && Date.now() - started > 5_000) {
        o.log?.(`waiting for the service to create its demo registry in ${dataDir} (up to a minute on a first start)`);
        said = true;
      }
      await sleep(200);
    }
    await service.stop();
    throw new Error('ccpor serve did not become ready in time');
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** How it ended, for the report (undefined while it runs). */
  get exit(): { code: number | null; signal: string | null } | undefined {
    return this.#exit;
  }

  stderrTail(): string {
    return this.#stderr.join('\n');
  }

  rssMb(): number | undefined {
    return this.alive ? rssMb(this.pid) : undefined;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.removeDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
