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
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env, CCPOR_TCP_PORT: String(port), CCPOR_TLS_PORT: '0', CCPOR_SSH_PORT: '0',
      CCPOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccpor-child-')), LOG_LEVEL: 'warn', CCPOR_LOG_FORMAT: 'json', ...env,
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    try {
      (await TestTerminal.connect(port)).close();
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    proc,
    port,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
