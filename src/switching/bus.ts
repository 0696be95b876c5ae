// News between service instances (issue 6): "message N is waiting" and "order P changed", over
// Redis pub/sub. Durability is PostgreSQL's job (store and forward); the bus only makes delivery
// immediate, so a lost bus event costs seconds (the sweep), never a message.
import { connectRedis, type RedisTarget } from '../../db/redis-connection.ts';
import type { Logger } from '../log.ts';

export type BusEvent =
  | { kind: 'message'; id: number; origin: string }
  | { kind: 'order-changed'; pno: string; action: string; by: string; byTerminal: string; origin: string };

export interface Bus {
  publish(e: BusEvent): Promise<void>;
  subscribe(handler: (e: BusEvent) => void): void;
  close(): Promise<void>;
}

/** One process, nothing to tell: local delivery is direct. */
export const localBus: Bus = { publish: async () => {}, subscribe: () => {}, close: async () => {} };

/** `target`: a redis:// URL, or Sentinel or Cluster (db/redis-connection.ts). */
export function redisBus(target: string | RedisTarget, channel: string, log: Logger): Bus {
  const opts = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, retryStrategy: (n: number) => Math.min(100 * 2 ** Math.min(n, 5), 2_000) };
  const pub = connectRedis(target, opts);
  // The subscriber may queue its SUBSCRIBE until connected; ioredis subscribes again after a reconnect.
  const sub = connectRedis(target, { ...opts, commandTimeout: undefined, enableOfflineQueue: true, maxRetriesPerRequest: null });
  let down = false;
  const warn = (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'message bus (Redis) unavailable: other instances learn of new traffic at their next sweep');
  };
  pub.on('error', warn);
  sub.on('error', warn);
  pub.on('ready', () => {
    if (down) log.info('message bus (Redis) available again');
    down = false;
  });
  const handlers: ((e: BusEvent) => void)[] = [];
  sub.on('message', (_ch: string, text: string) => {
    let e: BusEvent;
    try {
      e = JSON.parse(text) as BusEvent;
    } catch {
      return;
    }
    for (const h of handlers) h(e);
  });
  void sub.subscribe(channel).catch((err: Error) => warn(err));
  return {
    async publish(e) {
      try {
        await pub.publish(channel, JSON.stringify(e));
      } catch (err) {
        warn(err as Error);
      }
    },
    subscribe(h) {
      handlers.push(h);
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
