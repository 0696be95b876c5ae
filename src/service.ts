// The running service: the registry (migrated on start), and everything built on it so far.
// Stops cleanly on SIGINT/SIGTERM.
import { localDate } from '../db/dates.ts';
import { openRegistry } from '../db/open.ts';
import type { Registry } from '../db/registry.ts';
import type { Config } from './config.ts';
import { createDemoRegistry, hasUsers } from './demo.ts';
import type { Logger } from './log.ts';

export interface Service {
  registry: Registry;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger, opts: { demo?: boolean } = {}): Promise<Service> {
  const registry = await openRegistry(config, log);
  const where = config.databaseUrl ? 'postgresql' : `embedded registry in ${config.dataDir}`;
  log.info({ database: where, cache: registry.cache.kind }, 'registry ready');

  if (opts.demo) {
    if (registry.db.kind !== 'embedded') {
      log.info('DATABASE_URL is set: no demo data on a real registry');
    } else if (!(await hasUsers(registry.db))) {
      log.info('fresh embedded registry: creating demo agencies, users and orders');
      const demo = await createDemoRegistry(registry.db, config.dataDir, new Date());
      process.stdout.write(`\n${demo.text}\n(kept in ${demo.file})\n\n`);
    } else {
      process.stdout.write(`demo users: see ${config.dataDir}/DEMO-CREDENTIALS.txt\n`);
    }
  }

  return {
    registry,
    async stop() {
      await registry.close();
      log.info('stopped');
    },
  };
}

/** Runs until SIGINT or SIGTERM. */
export async function runService(config: Config, log: Logger, opts: { demo?: boolean } = {}): Promise<void> {
  const service = await startService(config, log, opts);
  log.info({ today: localDate(new Date(), config.timeZone) }, 'service running; Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.stop();
}
