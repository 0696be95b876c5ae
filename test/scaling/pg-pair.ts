// A private PostgreSQL primary and a streaming standby of it, on free ports in a temp directory,
// for the replica test and demo. Never touches the machine's own server: its own initdb, its own
// sockets directory, 127.0.0.1 only. initdb refuses root, so the servers run as `postgres`.
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../support/redis-server.ts';

const run = promisify(execFile);

/** Where PostgreSQL's server binaries are, or undefined when they are not installed. */
export function postgresBin(): string | undefined {
  for (const v of ['17', '16', '15']) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_basebackup'))) return dir;
  }
  return undefined;
}

/** Why the pair cannot run here, or undefined when it can. */
export function pairUnavailable(): string | undefined {
  if (!postgresBin()) return 'PostgreSQL server binaries (initdb, pg_basebackup) are not installed';
  if (userInfo().uid === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no postgres user to run initdb as';
  return undefined;
}

export class StreamingPair {
  private constructor(
    readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
    private readonly bin: string,
    private readonly asPostgres: string[],
  ) {}

  readonly database = 'ccpor';
  get primaryUrl() {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/${this.database}`;
  }
  get replicaUrl() {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/${this.database}`;
  }

  static async start(opts: { log?: (line: string) => void } = {}): Promise<StreamingPair> {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL binaries not installed');
    const say = opts.log ?? (() => {});
    const root = userInfo().uid === 0;
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-pg-pair-'));
    if (root) {
      const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const gw = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(pw.stdout.trim()), Number(gw.stdout.trim()));
    }
    chmodSync(dir, 0o700);
    const pair = new StreamingPair(dir, await freePort(), await freePort(), bin, root ? ['runuser', '-u', 'postgres', '--'] : []);
    // Stopped however the test process ends.
    process.once('exit', () => pair.stopSync());
    try {
      const t0 = Date.now();
      await pair.pg('initdb', '-D', join(dir, 'primary'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync');
      appendFileSync(
        join(dir, 'primary', 'postgresql.conf'),
        [
          `listen_addresses = '127.0.0.1'`,
          `unix_socket_directories = '${dir}'`,
          `wal_level = replica`,
          `max_wal_senders = 4`,
          `hot_standby = on`,
          `shared_preload_libraries = 'pg_stat_statements'`,
          `pg_stat_statements.track = all`,
          // A scratch pair: durability is not the point, speed on a shared machine is.
          `fsync = off`,
          `full_page_writes = off`,
          `shared_buffers = 32MB`,
          `max_connections = 60`,
          `wal_receiver_status_interval = 1s`,
          '',
        ].join('\n'),
      );
      await pair.ctl('primary', pair.primaryPort, 'start');
      say(`primary up on 127.0.0.1:${pair.primaryPort} (${Date.now() - t0} ms)`);
      await pair.sql(pair.primaryPort, 'postgres', `CREATE DATABASE ${pair.database}`);
      await pair.sql(pair.primaryPort, pair.database, `CREATE EXTENSION pg_stat_statements`);
      const t1 = Date.now();
      await pair.pg('pg_basebackup', '-h', '127.0.0.1', '-p', String(pair.primaryPort), '-U', 'postgres', '-D', join(dir, 'replica'), '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync');
      await pair.ctl('replica', pair.replicaPort, 'start');
      await pair.waitStreaming();
      say(`streaming standby up on 127.0.0.1:${pair.replicaPort} (pg_basebackup -R, ${Date.now() - t1} ms)`);
      return pair;
    } catch (err) {
      pair.stopSync();
      throw err;
    }
  }

  private async pg(tool: string, ...args: string[]) {
    const cmd = [...this.asPostgres, join(this.bin, tool), ...args];
    return run(cmd[0]!, cmd.slice(1), { cwd: this.dir, timeout: 60_000 });
  }

  private ctl(which: 'primary' | 'replica', port: number, action: 'start' | 'stop', mode = 'fast') {
    const d = join(this.dir, which);
    const args = action === 'start'
      ? ['-D', d, '-l', join(this.dir, `${which}.log`), '-w', '-t', '30', '-o', `-p ${port} -k ${this.dir}`, 'start']
      : ['-D', d, '-w', '-t', '30', '-m', mode, 'stop'];
    return this.pg('pg_ctl', ...args);
  }

  /** One statement on one server, through a short-lived connection. */
  async sql<R extends pg.QueryResultRow = Record<string, unknown>>(port: number, database: string, text: string, params: unknown[] = []): Promise<R[]> {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database, connectionTimeoutMillis: 5_000 });
    await c.connect();
    try {
      return (await c.query<R>(text, params)).rows;
    } finally {
      await c.end();
    }
  }

  primarySql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []) {
    return this.sql<R>(this.primaryPort, this.database, text, params);
  }
  replicaSql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []) {
    return this.sql<R>(this.replicaPort, this.database, text, params);
  }

  /** Until the standby is in recovery and has replayed what the primary has now. */
  async waitStreaming(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const [p] = await this.sql<{ lsn: string }>(this.primaryPort, 'postgres', `SELECT pg_current_wal_lsn()::text AS lsn`);
        const [r] = await this.sql<{ rec: boolean; ok: boolean }>(this.replicaPort, 'postgres', `SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [p!.lsn]);
        if (r?.rec && r.ok) return;
      } catch {
        // not accepting connections yet
      }
      if (Date.now() > end) throw new Error('the standby did not catch up');
      await sleep(50);
    }
  }

  /** The standby keeps receiving WAL but stops applying it: its data stands still. */
  async pauseReplay() {
    await this.replicaSql(`SELECT pg_wal_replay_pause()`);
    for (let i = 0; i < 100; i++) {
      const [r] = await this.replicaSql<{ s: string }>(`SELECT pg_get_wal_replay_pause_state() AS s`);
      if (r?.s === 'paused') return;
      await sleep(20);
    }
    throw new Error('replay did not pause');
  }

  async resumeReplay() {
    await this.replicaSql(`SELECT pg_wal_replay_resume()`);
  }

  async stopReplica() {
    await this.ctl('replica', this.replicaPort, 'stop', 'immediate');
  }

  async startReplica() {
    await this.ctl('replica', this.replicaPort, 'start');
  }

  /** Times a statement ran on a server, from pg_stat_statements (by a piece of its text). */
  async statementCalls(port: number, like: string): Promise<number> {
    const [r] = await this.sql<{ n: string | null }>(
      port,
      this.database,
      `SELECT sum(calls)::text AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.query LIKE $2`,
      [this.database, `%${like}%`],
    );
    return Number(r?.n ?? 0);
  }

  logs(): string {
    return ['primary', 'replica']
      .map((w) => {
        const r = spawnSync('tail', ['-n', '20', join(this.dir, `${w}.log`)], { encoding: 'utf8' });
        return `--- ${w}.log\n${r.stdout}`;
      })
      .join('\n');
  }

  async stop(): Promise<void> {
    this.stopSync();
  }

  private stopped = false;
  /** Immediate stop of both servers and removal of the directory; safe to call twice. */
  stopSync() {
    if (this.stopped) return;
    this.stopped = true;
    for (const which of ['replica', 'primary']) {
      const d = join(this.dir, which);
      if (!existsSync(join(d, 'postmaster.pid'))) continue;
      const cmd = [...this.asPostgres, join(this.bin, 'pg_ctl'), '-D', d, '-m', 'immediate', '-w', '-t', '20', 'stop'];
      spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
