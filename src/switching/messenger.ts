// Message switching (ICD 4, issue 6): unsolicited traffic to terminals — YQ, YR and AM (`MSG`) and
// the service's notices (`NOTE`). Every message is first kept in PostgreSQL, then delivered live to
// the terminals signed on for its ORI on every service instance (Redis pub/sub carries the news);
// with nobody signed on it waits and goes, in order and once, to the next terminal that signs on
// for that ORI. A message counts as delivered only once it was written to a live connection.

/** Where a message goes: every terminal of an ORI, or one terminal (falling back to its ORI). */
export interface Destination {
  ori: string;
  /** A terminal id (`tcp-<pid>-<n>`): that terminal only, while it is signed on; else its ORI. */
  terminal?: string;
}

export interface OutboundMessage {
  mke: string; // YQ, YR, AM, NOTE
  status: 'MSG' | 'NOTE';
  body: string[];
}

export interface Messenger {
  /**
   * Keeps the message (durably, before this resolves) and delivers it to every terminal signed on
   * for the destination now, on any instance. Returns how many terminals of this instance took it
   * at once (others may take it on other instances, or later at sign-on).
   */
  send(to: Destination, m: OutboundMessage): Promise<{ id: number; deliveredHere: number }>;
}

/** Watch notices (issue 6): a terminal that got a HIT on an order hears when the order changes. */
export interface Watches {
  /** `terminal` received these orders in a HIT. */
  watch(terminal: string, pnos: string[]): void;
  /** The order was modified, cleared, cancelled or served by `by`. */
  orderChanged(pno: string, action: 'MODIFY' | 'CLEAR' | 'CANCEL' | 'SERVE', by: { ori: string; terminal: string }): Promise<void>;
}
