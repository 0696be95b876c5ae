// The SSH listener (ICD 1): the green-screen console on an interactive session with a pty, and
// `exec clets` — the protocol in line mode, already signed on as the SSH user. Only moves bytes
// and wires things together: authentication is ./auth.ts, the console is terminal-ui/, the
// protocol session is the same one TCP terminals get.
//
// ssh2 crashes the process on an unhandled 'error' of a connection or a channel: every one has
// a handler here. It also has no pre-login timeout: the grace timer is ours.
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel, type Session as SshSession } from 'ssh2';
import type { ConsoleHandle } from '../../terminal-ui/console.ts';
import type { AuditTrail } from '../../db/audit.ts';
import type { Database } from '../../db/database.ts';
import type { Registry } from '../../db/registry.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { SessionManager } from '../session/manager.ts';
import type { SignOnPolicy } from '../session/sign-on.ts';
import { serveTerminalStream } from '../transport/stream.ts';
import { SSH_ALGORITHMS, TERMINAL_NAMES } from './algorithms.ts';
import { SshAuthentication } from './auth.ts';
import { SessionLink } from './session-link.ts';
import { serveSftp } from './sftp.ts';

/** The pre-authentication banner (CJIS AC-8); the console asks for an explicit acknowledgement. */
export const SSH_BANNER =
  'CCPOR - CALIFORNIA COURTS PROTECTIVE ORDER REGISTRY. RESTRICTED SYSTEM FOR AUTHORIZED USE ONLY.\r\n' +
  'USE MAY BE MONITORED, RECORDED AND AUDITED. UNAUTHORIZED USE IS PROHIBITED AND SUBJECT TO\r\n' +
  'CRIMINAL AND CIVIL PENALTIES. USE OF THIS SYSTEM INDICATES CONSENT TO MONITORING AND RECORDING.\r\n';

export interface SshServerDeps {
  manager: SessionManager;
  registry: Registry;
  db: Database;
  audit: AuditTrail;
  clock: Clock;
  log: Logger;
  timeZone: string;
  hostKey: string;
  signOnPolicy?: SignOnPolicy;
  /** Time to authenticate before the connection is cut (default 60 s). */
  graceMs?: number;
}

export interface SshListener {
  port: number;
  /** Open SSH connections (tests check that they are all released). */
  connections(): number;
  close(): Promise<void>;
}

export function listenSsh(deps: SshServerDeps, opts: { host: string; port: number }): Promise<SshListener> {
  const log = deps.log.child({ component: 'ssh' });
  const open = new Set<Connection>();
  const server = new ssh2.Server(
    { hostKeys: [deps.hostKey], algorithms: SSH_ALGORITHMS, banner: SSH_BANNER, ident: 'CCPOR' },
    (client, info) => {
      open.add(client);
      client.on('close', () => open.delete(client));
      serveConnection(deps, client, `${info.ip}:${info.port}`, log);
    },
  );
  server.on('error', (err: Error) => log.error({ err: err.message }, 'ssh listener error'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        connections: () => open.size,
        close: () =>
          new Promise<void>((r) => {
            for (const c of open) c.end();
            server.close(() => r());
          }),
      });
    });
  });
}

function serveConnection(deps: SshServerDeps, client: Connection, source: string, log: Logger): void {
  const terminal = deps.manager.terminalId('ssh');
  const conn = log.child({ terminal, source });
  client.on('error', (err) => conn.debug({ err: err.message }, 'ssh connection error'));
  const grace = setTimeout(() => {
    conn.info('no authentication within the grace time; disconnecting');
    client.end();
  }, deps.graceMs ?? 60_000);
  grace.unref();
  client.on('close', () => clearTimeout(grace));

  const auth = new SshAuthentication(deps, terminal, source, () => {
    conn.warn('too many failed authentication attempts; disconnecting');
    client.end();
  });
  client.on('authentication', (ctx) => void auth.handle(ctx));
  client.on('ready', () => {
    clearTimeout(grace);
    const user = auth.user!;
    conn.info({ user: user.name, method: auth.method }, 'ssh user authenticated');
    client.on('session', (accept) => serveSession(deps, accept(), source, terminal, conn, () => auth));
  });
}

function serveSession(deps: SshServerDeps, session: SshSession, source: string, terminal: string, log: Logger, auth: () => SshAuthentication): void {
  let pty: { term: string; cols: number; rows: number } | undefined;
  let console: ConsoleHandle | undefined;
  let channel: (ServerChannel & { columns?: number; rows?: number; isTTY?: boolean; setRawMode?: () => void }) | undefined;
  let busy = false;
  session.on('error', (err: Error) => log.debug({ err: err.message }, 'ssh session error'));

  session.on('pty', (accept, _reject, info) => {
    pty = { term: info.term, cols: info.cols, rows: info.rows };
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    if (pty) Object.assign(pty, { cols: info.cols, rows: info.rows });
    if (channel) {
      channel.columns = info.cols;
      channel.rows = info.rows;
    }
    console?.resize(info.cols, info.rows);
    accept?.();
  });
  session.on('env', (accept) => accept?.());
  session.on('signal', (accept) => accept?.());
  // Order images (ICD 7).
  session.on('sftp', (accept) => {
    const a = auth();
    serveSftp(accept(), a.user!, terminal, source, { registry: deps.registry, audit: deps.audit, clock: deps.clock, log });
  });
  session.on('subsystem', (_accept, reject) => reject?.());

  const refuse = (ch: ServerChannel, text: string, code: number) => {
    ch.on('error', () => {});
    ch.stderr.write(`${text}\r\n`);
    ch.exit(code);
    ch.end();
  };

  session.on('exec', (accept, _reject, info) => {
    const ch = accept();
    if (busy) return refuse(ch, 'ccpor: one command per session', 1);
    busy = true;
    ch.on('error', (err: Error) => log.debug({ err: err.message }, 'ssh channel error'));
    if (info.command.trim() !== 'clets') return refuse(ch, `ccpor: unknown command '${info.command.slice(0, 40)}'; the only command is 'clets'`, 127);
    const a = auth();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (!ch.destroyed) {
        ch.exit(0);
        ch.end();
      }
    };
    const s = serveTerminalStream(
      deps.manager,
      ch,
      {
        kind: 'ssh',
        source,
        mode: 'line',
        onSession: (sess) => void sess.signOnVerified(a.user!, a.method, false),
        onFinished: finish,
        hangUp: finish,
      },
      log,
    );
    if (!s) refuse(ch, 'ccpor: the service is at its connection limit; try again later', 1);
  });

  session.on('shell', (accept) => {
    const ch = accept();
    if (busy) return refuse(ch, 'ccpor: one shell per session', 1);
    busy = true;
    ch.on('error', (err: Error) => log.debug({ err: err.message }, 'ssh channel error'));
    if (!pty) return refuse(ch, "ccpor: the console needs a terminal (ssh -t); for scripts use 'clets'", 1);
    const term = pty.term;
    if (!TERMINAL_NAMES.has(term)) {
      return refuse(ch, `ccpor: terminal type '${pty.term.slice(0, 40)}' is not supported; use TERM=xterm-256color (or ${[...TERMINAL_NAMES].slice(0, 4).join(', ')}, ...)`, 1);
    }
    channel = ch;
    // blessed needs a TTY-like stream: size, isTTY and a no-op setRawMode.
    Object.assign(ch, { columns: pty.cols, rows: pty.rows, isTTY: true, setRawMode: () => {} });
    const a = auth();
    // The console is over (signed off, idle close, link gone): screen destroyed, channel ended.
    const end = () =>
      setImmediate(() => {
        console?.destroy();
        console = undefined;
        if (!ch.destroyed) {
          ch.exit(0);
          ch.end();
        }
      });
    const link = SessionLink.open(deps.manager, a.user!, a.method, source, end);
    if (!link) return refuse(ch, 'ccpor: the service is at its connection limit; try again later', 1);
    // blessed is loaded with the first console, not by services that never open one.
    void import('../../terminal-ui/console.ts').then(({ startConsole }) => {
      if (ch.destroyed) return link.close();
      console = startConsole({
        input: ch,
        output: ch as ServerChannel & { columns: number; rows: number },
        terminal: term,
        link,
        timeZone: deps.timeZone,
        now: () => deps.clock.now(),
        onExit: () => {
          link.close();
          end();
        },
      });
    });
    ch.on('close', () => {
      console?.destroy();
      console = undefined;
      link.close();
    });
  });
}
