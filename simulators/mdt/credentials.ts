// Who the simulator signs on as. Passwords come from a credentials file (the demo's
// DEMO-CREDENTIALS.txt, or `USER ORI PASSWORD [ROLE]` lines), from --user/--password/--ori, or
// from MDT_PASSWORD; they are kept here and never printed.
import { readFileSync } from 'node:fs';
import { ORI_PATTERN } from '../../protocol/index.ts';
import { UsageError } from './text.ts';

export type Role = 'OFFICER' | 'DISPATCHER' | 'SHERIFF' | 'CLERK' | 'JUDGE' | 'ADMIN';
export const ROLES: readonly Role[] = ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK', 'JUDGE', 'ADMIN'];

export interface Credential {
  user: string;
  ori?: string;
  role?: Role;
  password?: string;
}

const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

// `CLERK      CLERK1     ORI CA019015J  password Demo-LXFTNk9m` (src/demo.ts writes these).
const DEMO_LINE = /^\s*([A-Z]+)\s+([A-Za-z0-9_-]+)\s+ORI\s+([A-Za-z0-9]{9})\s+password\s+(\S+)\s*$/;
// `CLERK1 CA019015J Demo-LXFTNk9m [CLERK]`
const PLAIN_LINE = /^\s*([A-Za-z0-9_-]+)\s+([A-Za-z]{2}[A-Za-z0-9]{7})\s+(\S+)(?:\s+([A-Za-z]+))?\s*$/;

/** Reads a credentials file's text; lines that are neither form (titles, blanks, `#`) are skipped. */
export function parseCredentials(text: string): Credential[] {
  const out: Credential[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const demo = DEMO_LINE.exec(line);
    if (demo) {
      const role = demo[1]!.toUpperCase();
      out.push({ user: demo[2]!.toUpperCase(), ori: demo[3]!.toUpperCase(), password: demo[4]!, ...(isRole(role) ? { role } : {}) });
      continue;
    }
    const plain = PLAIN_LINE.exec(line);
    if (plain && ORI_PATTERN.test(plain[2]!.toUpperCase())) {
      const role = plain[4]?.toUpperCase();
      out.push({ user: plain[1]!.toUpperCase(), ori: plain[2]!.toUpperCase(), password: plain[3]!, ...(role && isRole(role) ? { role } : {}) });
    }
  }
  return out;
}

export class Credentials {
  readonly #byUser = new Map<string, Credential>();
  /** The password of any user not otherwise known (`--password` without `--user`, or MDT_PASSWORD). */
  #fallbackPassword: string | undefined;
  /** The user of `son` without a name, and of load terminals when no other is chosen. */
  defaultUser: string | undefined;

  static fromOptions(o: { file?: string; user?: string; password?: string; ori?: string; env?: NodeJS.ProcessEnv }): Credentials {
    const c = new Credentials();
    if (o.file) {
      let text: string;
      try {
        text = readFileSync(o.file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read credentials file ${o.file}: ${(err as Error).message}`);
      }
      const list = parseCredentials(text);
      if (list.length === 0) throw new UsageError(`no credentials found in ${o.file}`);
      for (const cred of list) c.add(cred);
    }
    const password = o.password ?? o.env?.MDT_PASSWORD;
    if (o.user) {
      const user = o.user.toUpperCase();
      const known = c.get(user);
      c.add({ ...known, user, ...(o.ori ? { ori: o.ori.toUpperCase() } : {}), ...(password !== undefined ? { password } : {}) });
      c.defaultUser = user;
    } else if (password !== undefined) {
      c.#fallbackPassword = password;
    }
    if (o.ori && !ORI_PATTERN.test(o.ori.toUpperCase())) throw new UsageError(`--ori ${o.ori} is not an ORI (2 letters and 7 letters or digits)`);
    return c;
  }

  add(c: Credential): void {
    this.#byUser.set(c.user.toUpperCase(), { ...c, user: c.user.toUpperCase() });
  }

  get(user: string): Credential | undefined {
    return this.#byUser.get(user.toUpperCase());
  }

  password(user: string): string | undefined {
    return this.get(user)?.password ?? this.#fallbackPassword;
  }

  ori(user: string): string | undefined {
    return this.get(user)?.ori;
  }

  list(): Credential[] {
    return [...this.#byUser.values()];
  }

  withRole(role: Role): Credential[] {
    return this.list().filter((c) => c.role === role);
  }
}
