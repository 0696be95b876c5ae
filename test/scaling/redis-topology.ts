// Private Redis topologies for tests: a master, a replica and a sentinel; or a three-master
// Cluster made with `redis-cli --cluster create`. Free ports, a temp directory, 127.0.0.1 only;
// the machine's own Redis is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../support/redis-server.ts';

async function ping(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'ccpor-redis-topo-'));
  private procs = new Map<number, ChildProcess>();
  constructor() {
    process.once('exit', () => this.stopSync());
  }

  async server(port: number, args: string[], conf?: string): Promise<void> {
    const argv = conf ? [conf, ...args] : args;
    const p = spawn('redis-server', [...argv, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    this.procs.set(port, p);
    await waitFor(`redis on ${port}`, () => ping(port));
  }

  kill(port: number) {
    this.procs.get(port)?.kill('SIGKILL');
  }

  stopSync() {
    for (const p of this.procs.values()) if (p.exitCode === null) p.kill('SIGKILL');
    this.procs.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class SentinelSet {
  readonly name = 'ccpor';
  private constructor(
    private readonly procs: Processes,
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPort: number,
  ) {}

  get sentinels() {
    return [{ host: '127.0.0.1', port: this.sentinelPort }];
  }

  static async start(): Promise<SentinelSet> {
    const procs = new Processes();
    const set = new SentinelSet(procs, await freePort(), await freePort(), await freePort());
    try {
      await procs.server(set.masterPort, []);
      await procs.server(set.replicaPort, ['--replicaof', '127.0.0.1', String(set.masterPort)]);
      // Sentinel rewrites its configuration file: one of its own in the temp directory.
      const conf = join(procs.dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `sentinel monitor ${set.name} 127.0.0.1 ${set.masterPort} 1`,
          `sentinel down-after-milliseconds ${set.name} 500`,
          `sentinel failover-timeout ${set.name} 3000`,
          `sentinel parallel-syncs ${set.name} 1`,
          '',
        ].join('\n'),
      );
      await procs.server(set.sentinelPort, ['--sentinel'], conf);
      await waitFor('the replica in sync', async () => /master_link_status:up/.test(await info(set.replicaPort, 'replication')));
      // The sentinel has to have found the replica before it can promote it.
      await waitFor('the sentinel to see the replica', async () => (await sentinelCommand(set.sentinelPort, ['SENTINEL', 'replicas', set.name])).includes(String(set.replicaPort)));
      return set;
    } catch (err) {
      procs.stopSync();
      throw err;
    }
  }

  /** The port the sentinel names as master now. */
  async currentMaster(): Promise<number> {
    const out = await sentinelCommand(this.sentinelPort, ['SENTINEL', 'get-master-addr-by-name', this.name]);
    return Number(out.split('\n')[1]);
  }

  /** The master dies without a word; the sentinel promotes the replica. */
  killMaster() {
    this.procs.kill(this.masterPort);
  }

  async stop() {
    this.procs.stopSync();
  }
}

export class PrivateCluster {
  private constructor(
    private readonly procs: Processes,
    readonly ports: number[],
  ) {}

  get nodes() {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  static async start(): Promise<PrivateCluster> {
    const procs = new Processes();
    const ports = [await freePort(), await freePort(), await freePort()];
    const c = new PrivateCluster(procs, ports);
    try {
      for (const port of ports) {
        await procs.server(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000']);
      }
      const made = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
      if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
      for (const port of ports) await waitFor(`cluster state ok on ${port}`, async () => /cluster_state:ok/.test(await clusterInfo(port)));
      return c;
    } catch (err) {
      procs.stopSync();
      throw err;
    }
  }

  /** The port of the master holding a key. */
  async nodeOf(key: string): Promise<number> {
    const r = new Redis({ port: this.ports[0]!, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    try {
      const slot = (await r.call('CLUSTER', 'KEYSLOT', key)) as number;
      const slots = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const owner = slots.find(([a, b]) => slot >= a && slot <= b);
      return owner![2][1];
    } finally {
      r.disconnect();
    }
  }

  async stop() {
    this.procs.stopSync();
  }
}

async function info(port: number, section: string): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.info(section);
  } catch {
    return '';
  } finally {
    r.disconnect();
  }
}

async function clusterInfo(port: number): Promise<string> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  try {
    await r.connect();
    return String(await r.call('CLUSTER', 'INFO'));
  } catch {
    return '';
  } finally {
    r.disconnect();
  }
}

async function sentinelCommand(port: number, args: string[]): Promise<string> {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 });
  return out.stdout ?? '';
}
