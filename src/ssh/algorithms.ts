// The only algorithms the SSH server negotiates (CJIS SC-8/SC-13: AES of at least 128 bits).
// No SHA-1, no CBC, no RSA host keys, no compression. ssh2 ≥ 1.15 adds strict key exchange
// (the Terrapin fix) by itself.
import type { Algorithms } from 'ssh2';
import { TERMINALS } from '../../terminal-ui/terminals.ts';

export const SSH_ALGORITHMS = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521'],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
} satisfies Algorithms;

/** Terminal names that may reach blessed: the console's own allow-list (terminal-ui/terminals.ts). */
export const TERMINAL_NAMES: ReadonlySet<string> = new Set(TERMINALS);
