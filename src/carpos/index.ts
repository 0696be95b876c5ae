// The CARPOS gateway as the service runs it: off without CARPOS_URL (rows wait in the outbox),
// otherwise one delivery worker per service process (they share the outbox safely).
import { readFileSync } from 'node:fs';
import type { Registry } from '../../db/registry.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Switchboard } from '../session/switchboard.ts';
import { CarposClient } from './client.ts';
import { CarposWorker } from './worker.ts';

export { CarposClient } from './client.ts';
export { CarposWorker } from './worker.ts';
export { carposStatus, formatCarposStatus } from './status.ts';

export interface CarposGateway {
  readonly worker: CarposWorker;
  stop(): Promise<void>;
}

export function startCarposGateway(
  config: Pick<Config, 'carpos'>,
  registry: Registry,
  switchboard: Pick<Switchboard, 'deliver'>,
  log: Logger,
): CarposGateway | undefined {
  const c = config.carpos;
  const glog = log.child({ component: 'carpos' });
  if (!c.url) {
    glog.info('CARPOS_URL is not set: CARPOS gateway off; entries and changes wait in the outbox');
    return undefined;
  }
  const client = new CarposClient({ url: c.url, timeoutMs: c.timeoutMs, ca: c.caFile ? readFileSync(c.caFile, 'utf8') : undefined });
  const worker = new CarposWorker({
    registry,
    client,
    switchboard,
    log: glog,
    pollMs: c.pollMs,
    leaseMs: Math.max(60_000, 2 * c.timeoutMs + 30_000),
    retry: { baseMs: c.retryBaseMs, capMs: c.retryCapMs },
  });
  worker.start();
  glog.info({ carpos: client.where, timeoutMs: c.timeoutMs, privateCa: !!c.caFile }, 'CARPOS gateway started');
  return {
    worker,
    async stop() {
      await worker.stop();
      await client.close();
    },
  };
}
