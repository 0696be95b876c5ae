// How the console reaches the service: a protocol link. The console composes ICD message texts
// and reads replies and unsolicited traffic as the lines of each outbound message; it never
// knows whether the other end is a TCP/TLS connection (`npm run console`) or a session inside
// the SSH server. Only protocol/ and node built-ins behind this interface.

export interface ProtocolLink {
  /** Where the console is connected, for the status line: `ssh 10.0.0.5:50122`, `tls host:5151`. */
  readonly connection: string;
  /**
   * Set when the transport has already authenticated the user (SSH). The console then does not ask
   * for a password at first sign-on: after the banner is acknowledged it calls signOnAuthenticated(),
   * and the service answers with an ordinary `SON ACK` (or `REJ`) through onMessage.
   */
  readonly authenticatedUser?: string;
  signOnAuthenticated?(): void;
  /** One inbound message text without framing, e.g. `QPO.CA0194200.PNO/PO0000000018`. */
  send(text: string): void;
  /** Every outbound message from the service, header line first: replies in order, and MSG/NOTE. */
  onMessage(listener: (lines: string[]) => void): void;
  /** The link ended (service closed it, network, sign-off and close). */
  onClose(listener: (reason: string) => void): void;
  close(): void;
}
