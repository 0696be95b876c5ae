// `ccpor serve` as a child process for tests that need several processes on one registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis-server.ts';
import { TestTerminal } from './terminal.ts';

const BIN = new URL('../../bin/ccpor.js', import.meta.url).pathname;

export interface ServiceChild {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Starts `ccpor serve` on a free TCP port (TLS and SSH off) and waits until it accepts connections. */
export async function spawnService(env: Record<string, string>): Promise<ServiceChild> {
  let port = 0;
  let proc: ChildProcess | undefined;
  // A port freePort() found free can be taken before the child listens on it (by a test file
  // running beside this one): a child that exits before it accepts is started again on another.
  for (let attempt = 1; attempt <= 3 && !proc; attempt++) {
    port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env, CCPOR_TCP_PORT: String(port), CCPOR_TLS_PORT: '0', CCPOR_SSH_PORT: '0',
        CCPOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccpor-child-')), LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json', ...env,
      },
      stdio: 'ignore',
    });
    for (let i = 0; i < 150 && child.exitCode === null && child.signalCode === null; i++) {
      try {
        (await TestTerminal.connect(port)).close();
        proc = child;
        break;
      } catch {
        await sleep(100);
      }
    }
    // Still starting after 15 s, or out of attempts: the caller's first connection fails and says so.
    if (!proc && ((child.exitCode === null && child.signalCode === null) || attempt === 3)) proc = child;
  }
  return {
    proc: proc!,
    port,
    async stop() {
      if (proc!.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc!.kill('SIGTERM');
      await exited;
    },
  };
}
