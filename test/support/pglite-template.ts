// A fresh embedded registry, quickly. PGlite's initdb costs 2-5 s of CPU (more on a busy two-core
// machine), and the suite makes dozens of fresh registries. So the blank cluster initdb leaves is
// made once per PGlite version, kept in the temporary directory, and each fresh registry is a copy
// of it: the real PGlite opening a real, empty data directory, with nothing migrated or added.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openEmbedded } from '../../db/pglite-database.ts';

/** PGlite's package.json: a new version makes a new template. */
function pgliteKey(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return createHash('sha256').update(readFileSync(join(dir, 'package.json'))).update('blank v1').digest('hex').slice(0, 16);
}

let made: Promise<string> | undefined;

/** The blank cluster, made once (by whichever test process gets there first). */
export function blankTemplate(): Promise<string> {
  made ??= (async () => {
    const dir = join(tmpdir(), `ccpor-pglite-blank-${pgliteKey()}`);
    if (existsSync(dir)) return dir;
    const building = mkdtempSync(join(tmpdir(), 'ccpor-pglite-building-'));
    await (await openEmbedded(building)).close();
    try {
      renameSync(building, dir); // atomic: a parallel test process either wins or finds it made
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
    return dir;
  })();
  return made;
}

/** Puts a copy of the blank cluster at `dir` (which must not exist yet): an empty, unmigrated registry. */
export async function copyBlankRegistry(dir: string): Promise<void> {
  cpSync(await blankTemplate(), dir, { recursive: true });
}
