// The demo registry of a fresh machine: a few agencies, one user per role with a random password
// (printed once and kept in the data directory), and a small synthetic registry.
// Only ever on the embedded default: never on a real server (DATABASE_URL set).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addAgency, addUser, AccountError, type AgencyKind, type Role } from '../db/accounts.ts';
import type { Database } from '../db/database.ts';
import { localDate } from '../db/dates.ts';
import { seedRegistry } from '../db/seed.ts';

export const DEMO_AGENCIES: { ori: string; name: string; kind: AgencyKind; carposCode: string }[] = [
  { ori: 'CA019015J', name: 'SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES', kind: 'COURT', carposCode: '190' },
  { ori: 'CA0194200', name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW', carposCode: '194' },
  { ori: 'CA0190000', name: 'LOS ANGELES COUNTY SHERIFF', kind: 'SHERIFF', carposCode: '191' },
];

export const DEMO_USERS: { name: string; role: Role; ori: string }[] = [
  { name: 'OFFICER1', role: 'OFFICER', ori: 'CA0194200' },
  { name: 'DISPATCH1', role: 'DISPATCHER', ori: 'CA0194200' },
  { name: 'SHERIFF1', role: 'SHERIFF', ori: 'CA0190000' },
  { name: 'CLERK1', role: 'CLERK', ori: 'CA019015J' },
  { name: 'JUDGE1', role: 'JUDGE', ori: 'CA019015J' },
  { name: 'ADMIN1', role: 'ADMIN', ori: 'CA0194200' },
];

export const DEMO_ORDERS = 2_000;

export async function hasUsers(db: Database): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM users LIMIT 1`);
  return rows.length > 0;
}

const demoPassword = () => `Demo-${randomBytes(6).toString('base64url')}`;

/** Creates the demo registry; returns the credentials file's path and its text. */
export async function createDemoRegistry(db: Database, dataDir: string, now: Date): Promise<{ file: string; text: string }> {
  for (const a of DEMO_AGENCIES) {
    try {
      await addAgency(db, a);
    } catch (err) {
      if (!(err instanceof AccountError)) throw err; // already there from an earlier, interrupted start
    }
  }
  // Orders before users: a start interrupted here finds no users and builds the demo again.
  await seedRegistry(db, { orders: DEMO_ORDERS, seed: 1, asOf: localDate(now, 'America/Los_Angeles') });
  const lines = ['CCPOR demo users (embedded registry only). Sign on with SON.<ORI>.USR/<name>.PWD/<password>', ''];
  for (const u of DEMO_USERS) {
    const password = demoPassword();
    await addUser(db, { ...u, password });
    lines.push(`${u.role.padEnd(10)} ${u.name.padEnd(10)} ORI ${u.ori}  password ${password}`);
  }
  const text = lines.join('\n') + '\n';
  const file = join(dataDir, 'DEMO-CREDENTIALS.txt');
  writeFileSync(file, text, { mode: 0o600 });
  return { file, text };
}
