// The service as a benchmark runs it: `ccpor serve` in child processes (one or several workers),
// its memory read from /proc, and stopped cleanly at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const BIN = new URL('../bin/ccpor.js', import.meta.url).pathname;

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

export class ServiceProcess {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  /** `nodeArgs`: for the service's Node (and its workers, which inherit them), e.g. `--cpu-prof`. */
  static async start(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
    const port = await freePort();
    const proc = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], {
      env: { ...process.env, ...env, CCPOR_TCP_PORT: String(port), CCPOR_TLS_PORT: '0', LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 300; i++) {
      if (proc.exitCode !== null) throw new Error(`ccpor serve exited with ${proc.exitCode}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) return new ServiceProcess(proc, port);
      await sleep(100);
    }
    proc.kill('SIGKILL');
    throw new Error('ccpor serve did not start listening');
  }

  /** Resident memory of the service: the process and all its descendants (cluster workers). */
  rssBytes(): number {
    const pids = [this.proc.pid!, ...descendants(this.proc.pid!)];
    let total = 0;
    for (const pid of pids) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) total += Number(m[1]) * 1024;
      } catch {
        // gone
      }
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...descendants(Number(entry)));
    } catch {
      // gone
    }
  }
  return out;
}
