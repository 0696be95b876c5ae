// A registry for one fault case: agencies and users ready, nothing else. On a PostgreSQL server
// (DATABASE_URL, or a private cluster) it is a new database; embedded, a copy of a template made
// once per process (a fresh PGlite costs seconds to initialise, a copy of its folder one).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { addAgency, type Role } from '../../db/accounts.ts';
import { hashPassword } from '../../db/passwords.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { openPostgres } from '../../db/pg-database.ts';
import { openEmbedded } from '../../db/pglite-database.ts';
import { silentLogger } from '../../src/log.ts';

export const COURT = 'CA019015J';
export const POLICE = 'CA0194200';
export const PASSWORD = 'Fault-Injection-7';
export const USERS = {
  CLERK: { name: 'CLERK1', ori: COURT },
  OFFICER: { name: 'OFFICER1', ori: POLICE },
} as const satisfies Partial<Record<Role, { name: string; ori: string }>>;

export const son = (role: keyof typeof USERS) => `SON.${USERS[role].ori}.USR/${USERS[role].name}.PWD/${PASSWORD}`;

export interface FaultRegistry {
  kind: 'embedded' | 'postgres';
  /** What the service needs in its environment to use this registry. */
  env: Record<string, string>;
  /** A connection of our own, for checks (embedded: only while no service has it open). */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

async function provisionUsers(db: Database): Promise<void> {
  await migrate(db);
  await addAgency(db, { ori: COURT, name: 'LOS ANGELES SUPERIOR COURT', kind: 'COURT', carposCode: '190' });
  await addAgency(db, { ori: POLICE, name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW' });
  // A cheaper scrypt work factor for these users only (as bench/ does for its load user): the
  // cases sign on many terminals at once, and the password check is not what they measure.
  for (const [role, u] of Object.entries(USERS)) {
    await db.query(`INSERT INTO users (name, role, ori, password_hash) VALUES ($1, $2, $3, $4)`, [u.name, role, u.ori, await hashPassword(PASSWORD, 1024)]);
  }
}

let template: Promise<string> | undefined;

/** The embedded template: made once per process, removed when the process exits. */
function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-fault-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const db = await openEmbedded(join(dir, 'registry'));
    try {
      await provisionUsers(db);
    } finally {
      await db.close();
    }
    return dir;
  })();
  return template;
}

/** `serverUrl`: a PostgreSQL server to make a new database on; undefined: the embedded registry. */
export async function freshRegistry(serverUrl: string | undefined): Promise<FaultRegistry> {
  if (!serverUrl) {
    const from = await embeddedTemplate();
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-fault-'));
    cpSync(from, dir, { recursive: true });
    return {
      kind: 'embedded',
      env: { CCPOR_DATA_DIR: dir, DATABASE_URL: '' },
      open: () => openEmbedded(join(dir, 'registry')),
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `ccpor_fault_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const open = async () => openPostgres({ url, poolSize: 2, statementTimeoutMs: 30_000, log: silentLogger });
  const db = await open();
  try {
    await provisionUsers(db);
  } finally {
    await db.close();
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ccpor-fault-'));
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url, CCPOR_DATA_DIR: dataDir },
    open,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: serverUrl });
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        // the server is gone (a private cluster already destroyed): nothing left to drop
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
