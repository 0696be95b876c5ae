// What every handler gets: its collaborators passed in (tests use the real ones on a test
// database), and the signed-on user it acts for.
import type { Role } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import type { Registry } from '../../db/registry.ts';
import type { RejectCode, ReplyStatus } from '../../protocol/messages.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Switchboard } from '../session/switchboard.ts';

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
  /** Live traffic to the terminals signed on for an ORI. */
  switchboard: Switchboard;
}

export interface HandlerContext extends Services {
  user: SignedOnUser;
}

/** A handler's answer; the session adds the header. */
export interface HandlerResult {
  status: ReplyStatus;
  body: string[];
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
