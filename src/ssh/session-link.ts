// The console's protocol link inside the SSH server: a session of this process, signed on as the
// SSH user once the console says the banner was acknowledged. The console still speaks only the
// protocol: message texts in, reply lines out, through the same session and handlers as an MDT.
import type { ProtocolLink } from '../../terminal-ui/link.ts';
import type { SignedOnUser } from '../handlers/context.ts';
import type { SessionManager } from '../session/manager.ts';
import type { Session } from '../session/session.ts';

export class SessionLink implements ProtocolLink {
  readonly connection: string;
  readonly authenticatedUser: string;
  private readonly session: Session;
  private readonly messageListeners: ((lines: string[]) => void)[] = [];
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private ended = false;

  /** Undefined when the service is at its connection limit. */
  static open(manager: SessionManager, user: SignedOnUser, method: string, source: string, onHangUp: (reason: string) => void): SessionLink | undefined {
    const link: { current?: SessionLink } = {};
    const session = manager.open({
      terminal: manager.terminalId('ssh'),
      source,
      send: (lines, onWritten) => {
        const took = link.current?.deliver(lines) ?? false;
        onWritten?.(took);
      },
      close: (reason) => {
        link.current?.finish(reason);
        onHangUp(reason);
      },
    });
    if (!session) return undefined;
    link.current = new SessionLink(manager, session, user, method, source);
    return link.current;
  }

  private constructor(
    private readonly manager: SessionManager,
    session: Session,
    private readonly user: SignedOnUser,
    private readonly method: string,
    source: string,
  ) {
    this.session = session;
    this.connection = `ssh ${source}`;
    this.authenticatedUser = user.name;
  }

  signOnAuthenticated(): void {
    void this.session.signOnVerified(this.user, `${this.method} + banner acknowledged`, true);
  }

  send(text: string): void {
    if (!this.ended) void this.session.receive(text);
  }

  onMessage(listener: (lines: string[]) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** The console is done, or the SSH channel closed. */
  close(): void {
    this.finish('closed');
  }

  private deliver(lines: string[]): boolean {
    if (this.ended) return false;
    for (const l of this.messageListeners) l(lines);
    return true;
  }

  private finish(reason: string) {
    if (this.ended) return;
    this.ended = true;
    this.manager.closed(this.session);
    for (const l of this.closeListeners.splice(0)) l(reason);
    this.messageListeners.length = 0;
  }
}
