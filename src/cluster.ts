// Several service processes on one machine (CCPOR_WORKERS > 1): node:cluster shares the listening
// ports and hands each new connection to a worker. Workers share nothing but PostgreSQL and
// Redis — the registry, the cache, the audit chain (under an advisory lock) — so this needs
// DATABASE_URL; the embedded registry belongs to one process.
import cluster from 'node:cluster';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { loadHostKey } from './ssh/host-key.ts';
import { loadTlsCredentials } from './transport/tls-credentials.ts';

export class ClusterConfigError extends Error {}

/** In the primary: forks the workers and keeps them running until SIGINT/SIGTERM. */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  if (!config.databaseUrl) throw new ClusterConfigError('CCPOR_WORKERS > 1 needs DATABASE_URL: the embedded registry belongs to one process');
  // Made once here, so that workers do not race to create the self-signed certificate or host key.
  if (config.tlsPort) await loadTlsCredentials({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, dataDir: config.dataDir }, log);
  if (config.sshPort) loadHostKey(config.dataDir, log);
  cluster.setupPrimary({ silent: false });
  let stopping = false;
  const fork = () => cluster.fork({ CCPOR_WORKER: '1' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, 500);
  });
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers }, 'service workers started');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopping = true;
  const workers = Object.values(cluster.workers ?? {});
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!w || w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.process.kill('SIGTERM');
        }),
    ),
  );
  log.info('service workers stopped');
}

export const isWorker = () => cluster.isWorker;
