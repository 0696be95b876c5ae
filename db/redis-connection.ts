// One way to open a Redis connection, whichever way the deployment reaches Redis: a URL (one
// server), Sentinel (ioredis asks the sentinels for the current master and follows failovers), or
// Cluster (ioredis follows the slot map). The cache, the message bus and the write positions of
// read routing all connect through here, so they agree on where Redis is.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'url'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[]; password?: string };

/** Both are used the same way by our code; Cluster sends each command to its slot's master. */
export type RedisClient = Redis | Cluster;

/** The options our clients use, whichever the target. */
export interface ClientOptions {
  enableOfflineQueue: boolean;
  commandTimeout?: number;
  maxRetriesPerRequest: number | null;
  connectTimeout?: number;
  retryStrategy: (times: number) => number | null;
  enableAutoPipelining?: boolean;
  lazyConnect?: boolean;
}

export function connectRedis(target: RedisTarget | string, o: ClientOptions): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  const common: RedisOptions = {
    enableOfflineQueue: o.enableOfflineQueue,
    commandTimeout: o.commandTimeout,
    maxRetriesPerRequest: o.maxRetriesPerRequest,
    connectTimeout: o.connectTimeout,
    retryStrategy: o.retryStrategy,
    enableAutoPipelining: o.enableAutoPipelining,
    lazyConnect: o.lazyConnect,
  };
  switch (t.kind) {
    case 'url':
      return new Redis(t.url, common);
    case 'sentinel':
      return keptConnecting(new Redis({
        ...common,
        sentinels: t.sentinels,
        name: t.name,
        password: t.password,
        sentinelPassword: t.sentinelPassword,
        // Hear of a failover from the sentinels at once rather than when the old master stops answering.
        failoverDetector: true,
        // A sentinel that does not answer must not hold up finding the master.
        sentinelCommandTimeout: 1_000,
        sentinelRetryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
      }));
    case 'cluster':
      return new Cluster(t.nodes, {
        enableOfflineQueue: o.enableOfflineQueue,
        enableAutoPipelining: o.enableAutoPipelining,
        lazyConnect: o.lazyConnect,
        clusterRetryStrategy: o.retryStrategy,
        // Writes and reads both go to masters: a replica's copy may be behind an invalidation.
        scaleReads: 'master',
        slotsRefreshTimeout: 2_000,
        redisOptions: {
          commandTimeout: o.commandTimeout,
          maxRetriesPerRequest: o.maxRetriesPerRequest,
          connectTimeout: o.connectTimeout,
          password: t.password,
        },
      });
  }
}

/**
 * ioredis (5.x, 6.x) gives up on a Sentinel client for good when the sentinel announces the failover
 * while the client is already reconnecting: its failover detector closes the connector under the
 * attempt in flight ("Connection is closed."), and the client goes to 'end' — no cache and no
 * bus until the process restarts. A client that our code did not close is started again.
 */
function keptConnecting(client: Redis): Redis {
  let closedByUs = false;
  const disconnect = client.disconnect.bind(client);
  const quit = client.quit.bind(client);
  client.disconnect = (reconnect = false) => {
    if (!reconnect) closedByUs = true;
    disconnect(reconnect);
  };
  client.quit = ((...args: Parameters<Redis['quit']>) => {
    closedByUs = true;
    return quit(...args);
  }) as Redis['quit'];
  client.on('end', () => {
    if (closedByUs) return;
    const timer = setTimeout(() => {
      if (!closedByUs && client.status === 'end') client.connect().catch(() => {}); // a failure retries through retryStrategy
    }, 200);
    timer.unref();
  });
  return client;
}

/** For logs: where Redis is, without credentials. */
export function describeRedis(target: RedisTarget | string): string {
  const t: RedisTarget = typeof target === 'string' ? { kind: 'url', url: target } : target;
  switch (t.kind) {
    case 'url': {
      try {
        const u = new URL(t.url);
        return `redis ${u.host}`;
      } catch {
        return 'redis';
      }
    }
    case 'sentinel':
      return `redis sentinel ${t.name} via ${t.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
    case 'cluster':
      return `redis cluster ${t.nodes.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
}
