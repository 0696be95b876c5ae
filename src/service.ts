// The running service: the registry (migrated on start), the audit trail, the session manager and
// the TCP and TLS listeners. Stops cleanly on SIGINT/SIGTERM, writing every queued audit entry.
import type net from 'node:net';
import { AuditTrail } from '../db/audit.ts';
import { openRegistry } from '../db/open.ts';
import type { Registry } from '../db/registry.ts';
import { startCarposGateway, type CarposGateway } from './carpos/index.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { createDemoRegistry, hasUsers } from './demo.ts';
import type { Logger } from './log.ts';
import { ExpiryJob } from './jobs/expiry.ts';
import { HitConfirmationJob } from './switching/hit-confirmation.ts';
import { SessionManager } from './session/manager.ts';
import { Switchboard } from './session/switchboard.ts';
import { localBus, redisBus } from './switching/bus.ts';
import { MessageSwitch } from './switching/switch.ts';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { loadHostKey } from './ssh/host-key.ts';
import { listenSsh, type SshListener } from './ssh/server.ts';
import { listenTerminals } from './transport/tcp.ts';
import { loadTlsCredentials } from './transport/tls-credentials.ts';

export interface Service {
  registry: Registry;
  audit: AuditTrail;
  sessions: SessionManager;
  /** The ports listened on (a port configured as 0 is disabled and absent here). */
  ports: { tcp?: number; tls?: number; ssh?: number };
  expiry: ExpiryJob;
  /** Store and forward, watch notices. */
  messages: MessageSwitch;
  /** Hit confirmation timers (YQ not answered in time). */
  hitConfirmations: HitConfirmationJob;
  /** The SSH listener, when one is configured. */
  ssh?: SshListener;
  /** The CARPOS gateway's delivery worker, when CARPOS_URL is set. */
  carpos?: CarposGateway;
  stop(): Promise<void>;
}

export async function startService(
  config: Config,
  log: Logger,
  opts: { demo?: boolean; clock?: Clock } = {},
): Promise<Service> {
  const clock = opts.clock ?? systemClock;
  const registry = await openRegistry(config, log, { now: () => clock.now() });
  const where = config.databaseUrl ? 'postgresql' : `embedded registry in ${config.dataDir}`;
  const replicas = registry.reads ? registry.reads.replicaStates().length : 0;
  log.info({ database: where, cache: registry.cache.kind, ...(replicas ? { replicas } : {}) }, 'registry ready');

  if (opts.demo) {
    if (registry.db.kind !== 'embedded') {
      log.info('DATABASE_URL is set: no demo data on a real registry');
    } else if (!(await hasUsers(registry.db))) {
      log.info('fresh embedded registry: creating demo agencies, users and orders');
      const demo = await createDemoRegistry(registry.db, config.dataDir, clock.now());
      process.stdout.write(`\n${demo.text}\n(kept in ${demo.file})\n\n`);
    } else {
      process.stdout.write(`demo users: see ${config.dataDir}/DEMO-CREDENTIALS.txt\n`);
    }
  }

  const audit = new AuditTrail(registry.db, log.child({ component: 'audit' }));
  const switchboard = new Switchboard();
  // Other instances hear of new traffic and changed orders over Redis; alone, nothing to tell.
  const bus = config.redis ? redisBus(config.redis, `${config.cachePrefix}switch`, log.child({ component: 'bus' })) : localBus;
  const messageSwitch = new MessageSwitch({ db: registry.db, switchboard, bus, clock, log: log.child({ component: 'switch' }), instance: `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, watchMs: config.watchMs });
  messageSwitch.start(5_000);
  const sessions = new SessionManager(
    {
      registry,
      db: registry.db,
      clock,
      log,
      timeZone: config.timeZone,
      switchboard,
      messenger: messageSwitch,
      watches: messageSwitch,
      messageSwitch,
      audit,
      policy: {
        idleLockMs: config.idleLockMs,
        idleCloseMs: config.idleCloseMs,
        ratePerSecond: config.ratePerSecond,
        rateBurst: config.rateBurst,
      },
    },
    config.maxConnections,
  );
  sessions.start();
  const expiry = new ExpiryJob(registry, clock, config.timeZone, log.child({ component: 'expiry' }));
  if (config.expiryEveryMs > 0) expiry.start(config.expiryEveryMs);

  const servers: net.Server[] = [];
  const ports: Service['ports'] = {};
  let ssh: SshListener | undefined;
  let carpos: CarposGateway | undefined;
  try {
    if (config.tcpPort) {
      const s = await listenTerminals(sessions, { host: config.bind, port: config.tcpPort }, log);
      servers.push(s);
      ports.tcp = (s.address() as net.AddressInfo).port;
    }
    if (config.tlsPort) {
      const creds = await loadTlsCredentials({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, dataDir: config.dataDir }, log);
      const s = await listenTerminals(sessions, { host: config.bind, port: config.tlsPort, tls: creds }, log);
      servers.push(s);
      ports.tls = (s.address() as net.AddressInfo).port;
    }
    if (config.sshPort) {
      const hostKey = loadHostKey(config.dataDir, log);
      ssh = await listenSsh({ manager: sessions, registry, db: registry.db, audit, clock, log, timeZone: config.timeZone, hostKey, graceMs: config.sshLoginGraceMs }, { host: config.bind, port: config.sshPort });
      ports.ssh = ssh.port;
    }
    // Rejection NOTEs go through the message switch: kept until a terminal of the court takes them.
    const notices = {
      deliver: (ori: string, status: 'MSG' | 'NOTE', mke: string, body: string[]) => {
        void messageSwitch.send({ ori }, { mke, status, body }).catch((err: Error) => log.error({ err: err.message, ori }, 'CARPOS notice not kept'));
        return Math.max(1, switchboard.signedOn(ori)); // kept: a terminal of the court will get it
      },
    };
    carpos = startCarposGateway(config, registry, notices, log);
  } catch (err) {
    for (const s of servers) s.close();
    await ssh?.close();
    sessions.stop();
    await expiry.stop();
    await messageSwitch.stop();
    await audit.close();
    await registry.close();
    throw err;
  }
  log.info({ bind: config.bind, ...ports }, 'listening for terminals');
  const hitConfirmations = new HitConfirmationJob(registry.db, messageSwitch, clock, log.child({ component: 'hit-confirmation' }));
  if (config.hitConfirmationCheckMs > 0) hitConfirmations.start(config.hitConfirmationCheckMs);

  return {
    registry,
    audit,
    sessions,
    ports,
    ssh,
    expiry,
    messages: messageSwitch,
    hitConfirmations,
    carpos,
    async stop() {
      const closing: Promise<unknown>[] = servers.map((s) => new Promise((r) => s.close(r)));
      if (ssh) closing.push(ssh.close());
      sessions.stop();
      await Promise.all(closing);
      await carpos?.stop();
      await expiry.stop();
      await hitConfirmations.stop();
      await messageSwitch.stop();
      await audit.close();
      await registry.close();
      log.info('stopped');
    },
  };
}

/** Runs until SIGINT or SIGTERM. */
export async function runService(config: Config, log: Logger, opts: { demo?: boolean } = {}): Promise<void> {
  const service = await startService(config, log, opts);
  log.info('service running; Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
}
