// A private PostgreSQL cluster for tests that stop, crash and restart the database: initdb into a
// temporary folder, pg_ctl on a free port. The machine's shared server (5432) is never touched.
// initdb refuses to run as root, so as root every command runs as the `postgres` user (runuser),
// in a folder that user owns.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries on this machine (Debian layout), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && Number(v) >= 15 && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

const isRoot = () => process.getuid?.() === 0;

/** Why a private cluster cannot run here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!postgresBinDir()) return 'no PostgreSQL 15+ server binaries under /usr/lib/postgresql';
  if (isRoot() && !postgresUser()) return 'running as root and there is no postgres user to run initdb as';
  return undefined;
}

export class PrivatePostgres {
  private running = false;
  private readonly onExit = () => this.killNow();

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A connection string to `database` as the superuser `postgres` (trust authentication). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** initdb and start; throws with the reason when this machine cannot run one. */
  static async create(): Promise<PrivatePostgres> {
    const why = privatePostgresUnavailable();
    if (why) throw new Error(why);
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-pg-'));
    const owner = isRoot() ? postgresUser() : undefined;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const pg = new PrivatePostgres(dir, await freePort(), postgresBinDir()!);
    process.once('exit', pg.onExit);
    try {
      // --no-sync only skips flushing initdb's own files; the server itself runs with fsync on.
      await pg.cmd('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
      await pg.start();
      return pg;
    } catch (err) {
      await pg.destroy();
      throw err;
    }
  }

  async start(): Promise<void> {
    const opts = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      `-c listen_addresses=127.0.0.1`,
      `-c shared_buffers=16MB`,
      `-c max_connections=60`,
      `-c fsync=on`,
    ].join(' ');
    await this.cmd('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** `fast`: a clean shutdown; `immediate`: a crash (recovery from the WAL at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.cmd('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** The server log, for a failure message. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    process.off('exit', this.onExit);
    try {
      await this.stop('immediate');
    } catch {
      this.killNow();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous last resort (process exit): stop the server so no postgres outlives the test. */
  private killNow(): void {
    if (!this.running) return;
    try {
      execFileSync(...this.argv('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    } catch {
      // already gone
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private argv(tool: string, args: string[]): [string, string[]] {
    const exe = join(this.bin, tool);
    return isRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  }

  private async cmd(tool: string, args: string[]): Promise<void> {
    const [file, argv] = this.argv(tool, args);
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`${tool} failed: ${e.stderr?.trim() || e.message}\n${this.log().slice(-2000)}`);
    }
  }
}
