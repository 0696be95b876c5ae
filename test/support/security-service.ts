// The test service of test/security, started quickly, its users' passwords hashed at the real
// scrypt cost (test/security checks it). On PostgreSQL it is startTestService. On the embedded
// backend a fresh PGlite costs 5-10 s on a busy two-core machine, and test/security starts one
// service per file: so the registry is a copy of a template made once per
// schema (the migrations, the agencies and the users of startTestService), kept in the temporary
// directory under a name that changes when any of them changes. It is the real PGlite with the real
// migrations; only the initdb is shared.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAgency, addUser, type Role } from '../../db/accounts.ts';
import { migrate } from '../../db/migrate.ts';
import { openEmbedded } from '../../db/pglite-database.ts';
import type { Backend } from './backends.ts';
import { COURT, OTHER_COURT, POLICE } from './fixtures.ts';
import { PASSWORD, SHERIFF_ORI, startTestService, USERS, type TestService } from './service.ts';

const MIGRATIONS = new URL('../../db/migrations/', import.meta.url).pathname;

type Options = Omit<NonNullable<Parameters<typeof startTestService>[1]>, 'registryOf'>;

function templateKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS).sort()) h.update(f).update(readFileSync(join(MIGRATIONS, f)));
  h.update(JSON.stringify({ USERS, PASSWORD, COURT, OTHER_COURT, POLICE, SHERIFF_ORI, v: 1 }));
  return h.digest('hex').slice(0, 16);
}

/** The migrated embedded registry with startTestService's agencies and users; made once. */
async function template(): Promise<string> {
  const dir = join(tmpdir(), `ccpor-security-template-${templateKey()}`);
  if (existsSync(dir)) return dir;
  const building = mkdtempSync(join(tmpdir(), 'ccpor-security-building-'));
  const db = await openEmbedded(building);
  try {
    await migrate(db);
    await addAgency(db, { ori: COURT, name: 'LOS ANGELES SUPERIOR COURT', kind: 'COURT', carposCode: '190' });
    await addAgency(db, { ori: OTHER_COURT, name: 'SAN DIEGO SUPERIOR COURT', kind: 'COURT', carposCode: '370' });
    await addAgency(db, { ori: POLICE, name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW' });
    await addAgency(db, { ori: SHERIFF_ORI, name: 'LOS ANGELES COUNTY SHERIFF', kind: 'SHERIFF' });
    for (const [role, u] of Object.entries(USERS)) await addUser(db, { name: u.name, role: role as Role, ori: u.ori, password: PASSWORD });
  } finally {
    await db.close();
  }
  try {
    renameSync(building, dir); // atomic: a parallel run either wins or finds it made
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

/** A new data directory (for CCPOR_DATA_DIR) holding a copy of the template registry. */
export async function embeddedDataDir(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'ccpor-sec-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  cpSync(await template(), join(root, 'registry'), { recursive: true });
  return root;
}

/** startTestService, with the same agencies, users and password, on a copy of the template when embedded. */
export async function startSecurityService(backend: Backend, opts: Options = {}): Promise<TestService> {
  if (backend.name !== 'embedded') return startTestService(backend, { ...opts, realPasswordCost: true });
  // startTestService's restart form ("the registry of an earlier test service") is what a copy is:
  // a registry that already has its agencies and users. It reads only the data directory from it.
  const earlier = { config: { dataDir: await embeddedDataDir(), databaseUrl: undefined } } as unknown as TestService;
  return startTestService(backend, { ...opts, registryOf: earlier });
}
