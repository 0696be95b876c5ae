// `ccpor serve` as a child process the fault cases can kill, restart on the same port and registry,
// and look into from outside: its open connections (from /proc: the sockets it holds on its port),
// file descriptors and resident memory. Its warnings are kept as evidence for the report.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/redis-server.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;

/** The environment every fault case gives the service: no rate limit in the way of the load. */
export const BASE_ENV: Record<string, string> = {
  CCPOR_TLS_PORT: '0',
  CCPOR_SSH_PORT: '0',
  CCPOR_RATE_PER_SECOND: '100000',
  CCPOR_RATE_BURST: '100000',
  CCPOR_EXPIRY_MINUTES: '0',
  CCPOR_HIT_CONFIRMATION_CHECK_SECONDS: '0',
  LOG_LEVEL: 'warn',
  CCPOR_LOG_FORMAT: 'json',
  REDIS_URL: '',
  CARPOS_URL: '',
};

export class ServiceUnderTest {
  private proc: ChildProcess | undefined;
  /** The last lines the service wrote on stderr (JSON log lines). */
  readonly logs: string[] = [];
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly bind: string,
    private readonly prefix: string[],
  ) {}

  /**
   * Starts the service and waits until it accepts connections. `prefix` runs in front of node
   * (`ip netns exec NS`: another network namespace, where this process cannot connect to check;
   * readiness is then read from the service's log).
   */
  static async start(env: Record<string, string>, opts: { bind?: string; port?: number; prefix?: string[] } = {}): Promise<ServiceUnderTest> {
    const s = new ServiceUnderTest(opts.port ?? (await freePort()), env, opts.bind ?? '127.0.0.1', opts.prefix ?? []);
    await s.spawn();
    return s;
  }

  get pid(): number | undefined {
    return this.proc?.exitCode === null ? this.proc.pid : undefined;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  private async spawn(): Promise<void> {
    const argv = [...this.prefix, process.execPath, BIN, 'serve'];
    const byLog = this.prefix.length > 0;
    const proc = spawn(argv[0]!, argv.slice(1), {
      env: {
        ...process.env, ...BASE_ENV, ...this.env, CCPOR_TCP_PORT: String(this.port), CCPOR_BIND: this.bind,
        ...(byLog ? { LOG_LEVEL: 'info' } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    let partial = '';
    let listening = false;
    proc.stderr!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.includes('listening for terminals')) listening = true;
      this.logs.push(...lines.filter(Boolean));
      if (this.logs.length > 400) this.logs.splice(0, this.logs.length - 400);
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`ccpor serve exited (${proc.exitCode ?? proc.signalCode}) before listening:\n${this.logs.slice(-10).join('\n')}`);
      if (byLog ? listening : await accepts(this.bind, this.port)) return;
      await sleep(100);
    }
    proc.kill('SIGKILL');
    throw new Error('ccpor serve did not start listening within 120 s');
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.proc!.kill(signal);
    await this.exited;
  }

  /** A clean stop (SIGTERM), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), 15_000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }

  /** Starts again: same port, same environment, same registry. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  /** Connections the service holds on its terminal port (sockets in any state but LISTEN). */
  connections(): number {
    return this.connectionDetails().length;
  }

  /**
   * The service's connections on its port, from /proc/PID/net/tcp (the process's own network
   * namespace): the peer's port, the TCP state, bytes not yet acknowledged by the peer, and which
   * kernel timer runs (1 retransmission, 2 keepalive, 4 zero-window probe).
   */
  connectionDetails(): { peerPort: number; state: string; unacked: number; timer: number; retransmits: number }[] {
    return this.ownSockets()
      .filter((f) => parseInt(f[1]!.split(':')[1]!, 16) === this.port && f[3] !== '0A')
      .map((f) => ({
        peerPort: parseInt(f[2]!.split(':')[1]!, 16),
        state: TCP_STATES[f[3]!] ?? f[3]!,
        unacked: parseInt(f[4]!.split(':')[0]!, 16),
        timer: parseInt(f[5]!.split(':')[0]!, 16),
        retransmits: parseInt(f[6]!, 16),
      }));
  }

  /** TCP connections the service opened itself (PostgreSQL, Redis, CARPOS): pools come and go. */
  outgoingConnections(): number {
    return this.ownSockets().filter((f) => parseInt(f[1]!.split(':')[1]!, 16) !== this.port).length;
  }

  /** The fields of each /proc/<pid>/net/tcp{,6} line that is a socket of the service process. */
  private ownSockets(): string[][] {
    const pid = this.pid;
    if (!pid) return [];
    const inodes = socketInodes(pid);
    const out: string[][] = [];
    for (const file of ['tcp', 'tcp6']) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length >= 10 && inodes.has(f[9]!)) out.push(f);
      }
    }
    return out;
  }

  /**
   * Sockets the service process holds. Files are left out: the embedded registry opens its data
   * files as queries first touch them, which is not a connection kept.
   */
  sockets(): number {
    return this.pid ? socketInodes(this.pid).size : 0;
  }

  /** Resident memory in MB. */
  rssMb(): number {
    const pid = this.pid;
    if (!pid) return 0;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
    } catch {
      return 0;
    }
  }

  /** How the process ended, with its last log lines: evidence when it died on its own. */
  exitInfo(): string | undefined {
    if (!this.proc || this.running) return undefined;
    return `exited ${this.proc.exitCode ?? this.proc.signalCode}; last log: ${this.logs.slice(-6).join(' | ')}`;
  }

  /** Log lines whose message matches. */
  logged(re: RegExp): string[] {
    return this.logs.filter((l) => re.test(l));
  }
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0B': 'CLOSING',
};

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
