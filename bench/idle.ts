// Idle terminals: N connections, each signed on, then quiet — what a shift of patrol cars looks
// like to the service. Used to measure the service's memory per held session. A process may hold
// at most `ulimit -n` sockets (20,000 here), so the terminals are held by child processes of at
// most 8,000 each.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { encodeRequest, ReplyDecoder } from '../protocol/index.ts';

export interface IdleTerminals {
  count: number;
  failed: number;
  close(): Promise<void>;
}

const PER_PROCESS = 8_000;

/** Opens `count` signed-on terminals in this process. */
export async function holdIdleTerminals(o: { port: number; count: number; son: string; parallel?: number }): Promise<{ sockets: net.Socket[]; failed: number }> {
  const sockets: net.Socket[] = [];
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(o.port, '127.0.0.1');
      const dec = new ReplyDecoder('framed');
      const timer = setTimeout(() => done(false), 30_000);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        if (ok) sockets.push(s);
        else {
          failed++;
          s.destroy();
        }
        s.removeAllListeners('data');
        resolve();
      };
      s.on('error', () => done(false));
      s.on('connect', () => s.write(encodeRequest(o.son, 'framed')));
      s.on('data', (chunk) => {
        for (const lines of dec.push(chunk)) done(lines[0]?.slice(5, 9) === 'ACK ');
      });
    });
  const parallel = o.parallel ?? 100;
  for (let i = 0; i < o.count; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, o.count - i) }, one));
  }
  return { sockets, failed };
}

/** Opens `count` signed-on terminals held by child processes; close() ends them. */
export async function openIdleTerminals(o: { port: number; count: number; son: string }): Promise<IdleTerminals> {
  const children: ChildProcess[] = [];
  let count = 0;
  let failed = 0;
  const holder = new URL('./idle-holder.ts', import.meta.url).pathname;
  const parts: number[] = [];
  for (let left = o.count; left > 0; left -= PER_PROCESS) parts.push(Math.min(PER_PROCESS, left));
  // One after the other: sign-ons in parallel from several processes only measure scheduling.
  for (const n of parts) {
    const child = spawn(process.execPath, ['--import', 'tsx', holder], {
      env: { ...process.env, IDLE_PORT: String(o.port), IDLE_COUNT: String(n), IDLE_SON: o.son },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`idle holder exited with ${code}`)));
    });
    const r = JSON.parse(line) as { count: number; failed: number };
    count += r.count;
    failed += r.failed;
  }
  return {
    count,
    failed,
    async close() {
      await Promise.all(
        children.map((c) => new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.stdin!.end();
        })),
      );
    },
  };
}
