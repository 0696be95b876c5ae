// The SSH host key: ed25519, generated on the first start and kept (mode 0600) so that clients'
// known_hosts stay valid across restarts.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2; // CommonJS: no named exports under ESM
import type { Logger } from '../log.ts';

export function loadHostKey(dataDir: string, log: Logger): string {
  const dir = join(dataDir, 'ssh');
  const file = join(dir, 'ssh_host_ed25519_key');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = utils.generateKeyPairSync('ed25519', { comment: 'ccpor host key' });
  writeFileSync(file, pair.private, { mode: 0o600 });
  chmodSync(file, 0o600);
  writeFileSync(`${file}.pub`, `${pair.public}\n`);
  log.info({ file }, 'generated the SSH host key');
  return pair.private;
}
