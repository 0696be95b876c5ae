// `npm run console -- --host H --port P [--tls] [--insecure] [--ca FILE] [--tz ZONE]`: the
// green-screen console on this terminal, against the service over TCP or TLS. It signs on with
// SON through the sign-on form. Nothing is logged while it runs: stdout is the screen; the reason
// it ended goes to stderr once the screen is gone.
import { parseArgs } from 'node:util';
import { startConsole, type ConsoleHandle } from './console.ts';
import { isAllowedTerminal } from './terminals.ts';
import { TcpLink } from './tcp-link.ts';

const USAGE = `console - CCPOR green-screen console

  npm run console -- [--host H] [--port P] [--tls [--insecure | --ca FILE]] [--tz ZONE]

  --host H      service host (127.0.0.1)
  --port P      service port (5150; 5151 with --tls)
  --tls         TLS 1.2+; --insecure accepts the service's self-signed certificate,
                --ca FILE trusts that certificate or authority
  --tz ZONE     time zone of the local clock in the status line
                (CCPOR_TIME_ZONE, else America/Los_Angeles)
  TERM          one of xterm, xterm-256color, vt100, vt220, screen, screen-256color, tmux,
                tmux-256color, linux (anything else: xterm)
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string' },
        tls: { type: 'boolean', default: false },
        insecure: { type: 'boolean', default: false },
        ca: { type: 'string' },
        tz: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`console: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(args.port ?? (args.tls ? 5151 : 5150));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write(`console: --port must be a port number, not ${args.port}\n`);
    return 2;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('console: needs a terminal (stdin and stdout must be a TTY)\n');
    return 2;
  }
  const term = process.env.TERM;
  const terminal = isAllowedTerminal(term) ? term : 'xterm';
  const timeZone = args.tz ?? process.env.CCPOR_TIME_ZONE ?? 'America/Los_Angeles';

  let link: TcpLink;
  try {
    link = await TcpLink.connect({ host: args.host, port, tls: args.tls, insecure: args.insecure, ca: args.ca });
  } catch (err) {
    process.stderr.write(`console: cannot connect to ${args.host}:${port}: ${(err as Error).message}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let handle: ConsoleHandle | undefined;
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      handle?.destroy();
      link.close();
      process.stderr.write(`console: ${reason.toLowerCase()}\n`);
      resolve(code);
    };
    // blessed would exit the process on these without restoring the terminal: the console's own.
    process.on('SIGTERM', () => end(0, 'terminated (SIGTERM)'));
    process.on('SIGHUP', () => end(0, 'terminal hung up (SIGHUP)'));
    process.on('uncaughtException', (err) => {
      handle?.destroy();
      process.stderr.write(`console: ${err.stack ?? err.message}\n`);
      process.exit(1);
    });
    const stdout = process.stdout as NodeJS.WriteStream;
    handle = startConsole({
      input: process.stdin,
      output: stdout,
      terminal,
      link,
      timeZone,
      onExit: (reason) => end(0, reason),
    });
    if (ended) handle.destroy(); // the link had already closed
  });
}

main().then(
  (code) => {
    // Let the terminal-restoring output drain, then leave (stdin in raw mode would keep us alive).
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`console: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
