// What every handler gets: its collaborators passed in (tests use the real ones on a test
// database), and the signed-on user it acts for.
import type { Role } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import type { Registry } from '../../db/registry.ts';
import type { RejectCode, ReplyStatus } from '../../protocol/messages.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Switchboard } from '../session/switchboard.ts';
import type { Messenger, Watches } from '../switching/messenger.ts';

export interface SignedOnUser {
  id: number;
  name: string;
  role: Role;
  ori: string;
}

export interface Services {
  registry: Registry;
  db: Database;
  clock: Clock;
  log: Logger;
  timeZone: string;
  /** The terminals signed on to this process. */
  switchboard: Switchboard;
  /** Unsolicited traffic, kept until delivered, across service instances. */
  messenger: Messenger;
  /** Watch notices: who got a HIT on an order hears when it changes. */
  watches: Watches;
}

export interface HandlerContext extends Services {
  user: SignedOnUser;
  /** The terminal the message came from. */
  terminal: string;
}

/** A handler's answer; the session adds the header. */
export interface HandlerResult {
  status: ReplyStatus;
  body: readonly string[];
  /** Number of records returned, for the audit trail. */
  records?: number;
}

/** Thrown by a handler to answer REJ; nothing has been changed when it is thrown. */
export class Reject extends Error {
  constructor(
    readonly code: RejectCode,
    readonly text: string,
  ) {
    super(`${code} ${text}`);
    this.name = 'Reject';
  }
}
