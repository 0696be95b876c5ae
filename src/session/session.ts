// One terminal's session (ICD 6): the state machine between the bytes a transport delivers and
// the handlers. Messages are answered exactly once and in the order they arrived; every one of
// them, accepted or refused, and every sign-on attempt goes to the audit trail.
//
//   OPEN ──SON ok──▶ ACTIVE ──idle lock──▶ LOCKED ──SON ok──▶ ACTIVE
//     ▲                 │                     │
//     └──────SOF────────┘          idle close: the connection is closed
import type { AuditTrail } from '../../db/audit.ts';
import { isUnavailable } from '../../db/database.ts';
import { localDate } from '../../db/dates.ts';
import { formatReply, parseMessage, readEchoFields, rejectBody } from '../../protocol/index.ts';
import type { InboundMessage, MessageKey, Rejection, Reply, ReplyStatus } from '../../protocol/messages.ts';
import { HANDLERS } from '../handlers/index.ts';
import { Reject, type HandlerResult, type Services, type SignedOnUser } from '../handlers/context.ts';
import { mayUse } from './permissions.ts';
import { TokenBucket } from './rate-limit.ts';
import { signOn, type SignOnPolicy } from './sign-on.ts';

export interface SessionPolicy {
  idleLockMs: number;
  idleCloseMs: number;
  ratePerSecond: number;
  rateBurst: number;
  signOn?: SignOnPolicy;
}

export interface SessionDeps extends Services {
  audit: AuditTrail;
  policy: SessionPolicy;
  /** Store and forward: what waited for this terminal's ORI, delivered after a sign-on. */
  messageSwitch?: { signedOn(s: Session): Promise<void>; forget(terminal: string): void };
}

/** What the session needs from its transport: where it is, and how to send and hang up. */
export interface TerminalLink {
  /** `tcp-12`, `tls-3`, `ssh-7`: unique within this process. */
  terminal: string;
  /** The peer's address and port. */
  source: string;
  /** `onWritten(true)` once the lines reached the connection; false when it closed first. */
  send(lines: string[], onWritten?: (ok: boolean) => void): void;
  close(reason: string): void;
}

export type SessionState = 'OPEN' | 'ACTIVE' | 'LOCKED';

// Keys whose answer changes the registry: audited durably before the answer goes out.
const WRITES = new Set<MessageKey>(['EPO', 'MPO', 'XPO', 'CPO', 'SPO', 'ULK', 'YQ', 'YR', 'AM']);
/** What an audit entry nobody waits for returns: one settled promise, not one per message. */
const DONE: Promise<void> = Promise.resolve();

// Parsed fields that never reach the audit trail or a log.
const SECRET_TAGS = /\b(PWD|OTP)\/[^.]*/gi;

/**
 * A refused message's text with its secrets gone. In a SON (however badly written: lower case, a
 * dot inside the password, the slash forgotten) everything from the first PWD or OTP on is
 * dropped; elsewhere each PWD/ or OTP/ value is.
 */
function redactSecrets(text: string): string {
  if (/^\s*son\b/i.test(text)) return text.replace(/(PWD|OTP)[\s\S]*$/i, '$1[REDACTED]');
  return text.replace(SECRET_TAGS, '$1/[REDACTED]');
}

export class Session {
  state: SessionState = 'OPEN';
  user: SignedOnUser | undefined;
  private seq = 0;
  private lastInbound: number;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly bucket: TokenBucket;
  private closed = false;
  private readonly seenMessages = new Set<number>();
  private readonly unheard: { heard: () => void; gone: () => void }[] = [];

  constructor(
    private readonly deps: SessionDeps,
    readonly link: TerminalLink,
  ) {
    this.lastInbound = deps.clock.now().getTime();
    this.bucket = new TokenBucket(deps.policy.ratePerSecond, deps.policy.rateBurst, this.lastInbound);
  }

  /** Messages received and not yet answered: transports stop reading past a limit. */
  get backlog(): number {
    return this.queued;
  }

  /** A complete message text from the transport. Answers are sent in arrival order. */
  receive(text: string): Promise<void> {
    this.heardFrom();
    return this.enqueue(() => this.process(text));
  }

  /** A framing problem (ICD 2): answered like any message, with the codec's REJ LEN or REJ FRM. */
  receiveRejection(r: Rejection, raw: string): Promise<void> {
    this.heardFrom();
    return this.enqueue(async () => {
      const started = this.deps.clock.now();
      this.touch(started);
      this.refuse(started, r, { TEXT: sanitize(raw.slice(0, 200)) });
    });
  }

  /** A framing problem that gets no reply (a frame left open when the connection ends): audited only. */
  recordUnanswered(r: Rejection, raw: string): Promise<void> {
    return this.enqueue(async () => {
      const started = this.deps.clock.now();
      void this.audit(started, r.mke ?? null, { TEXT: sanitize(raw.slice(0, 200)) }, `REJ ${r.code}`, 0, false);
    });
  }

  /**
   * Signs on a user whom the transport has already authenticated (SSH: password, one-time code or
   * key, with the lockout rules of SON). Queued like a message, so it takes effect before anything
   * received after it; audited as a SON. `announce`: answer with the SON ACK a SON would get.
   */
  signOnVerified(user: SignedOnUser, method: string, announce: boolean): Promise<void> {
    return this.enqueue(async () => {
      const started = this.deps.clock.now();
      this.touch(started);
      this.user = user;
      this.state = 'ACTIVE';
      this.deps.switchboard.join(user.ori, this);
      try {
        await this.audit(started, 'SON', { VIA: this.link.terminal.split('-')[0]!.toUpperCase(), METHOD: method.toUpperCase() }, 'ACK', 0, true);
      } catch {
        this.state = 'OPEN';
        this.user = undefined;
        this.deps.switchboard.leave(this);
        if (announce) this.reply('SON', 'REJ', rejectBody('UNA', 'AUDIT TRAIL UNAVAILABLE - RETRY'));
        this.close('audit unavailable');
        return;
      }
      if (announce) this.reply('SON', 'ACK', [`SIGNED ON ${user.name} ${user.role} ${user.ori}`]);
      void this.deps.messageSwitch?.signedOn(this);
    });
  }

  /** Resolves when every message received so far has been answered. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Idle rules of ICD 6 (CJIS AC-11, SC-10), checked by the session manager's sweep. */
  checkIdle(now: Date): 'close' | 'lock' | undefined {
    if (this.closed) return undefined;
    const idle = now.getTime() - this.lastInbound;
    if (idle >= this.deps.policy.idleCloseMs) {
      this.notify('NOTE', ['CONNECTION CLOSED AFTER INACTIVITY']);
      this.close('idle');
      return 'close';
    }
    if (idle >= this.deps.policy.idleLockMs && this.state === 'ACTIVE') {
      this.state = 'LOCKED';
      this.deps.switchboard.leave(this);
      this.notify('NOTE', ['SESSION LOCKED AFTER INACTIVITY - SIGN ON AGAIN (SON)']);
      void this.audit(now, 'LOCK', {}, 'LOCKED', 0, false);
      return 'lock';
    }
    return undefined;
  }

  get terminal(): string {
    return this.link.terminal;
  }

  /** Unsolicited traffic (MSG, NOTE) to this terminal. */
  notify(status: 'MSG' | 'NOTE', body: string[], mke = status === 'NOTE' ? 'NOTE' : 'AM', onWritten?: (ok: boolean) => void): void {
    if (this.closed) return onWritten?.(false);
    this.send({ mke, status, ori: this.user?.ori ?? '', seq: 0, time: this.deps.clock.now(), body }, onWritten);
  }

  /**
   * Store and forward: `heard` runs when this terminal next sends anything (it is alive and had
   * the message), `gone` if the connection ends first.
   */
  afterSignOfLife(heard: () => void, gone: () => void): void {
    if (this.closed) return gone();
    this.unheard.push({ heard, gone });
  }

  /**
   * The peer closed its side in order (FIN): its end of the connection was alive, so what was
   * written before has reached it. Only a connection that vanished, or broke, leaves messages
   * waiting for the next terminal.
   */
  peerFinished(): void {
    this.heardFrom();
  }

  private heardFrom(): void {
    if (this.unheard.length === 0) return;
    for (const u of this.unheard.splice(0)) u.heard();
  }

  private goneAway(): void {
    for (const u of this.unheard.splice(0)) u.gone();
  }

  /** Store and forward: whether this connection already got message `id` (never twice). */
  firstTime(id: number): boolean {
    if (this.seenMessages.has(id)) return false;
    this.seenMessages.add(id);
    if (this.seenMessages.size > 1_000) this.seenMessages.delete(this.seenMessages.values().next().value!);
    return true;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.switchboard.leave(this);
    this.deps.messageSwitch?.forget(this.link.terminal);
    this.goneAway();
    this.link.close(reason);
  }

  /** The transport saw the connection end. */
  ended(): void {
    this.closed = true;
    this.deps.switchboard.leave(this);
    this.deps.messageSwitch?.forget(this.link.terminal);
    this.goneAway();
  }

  // ---- inside -------------------------------------------------------------------------------

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queued++;
    const next = this.queue.then(work).catch((err: unknown) => {
      this.deps.log.error({ err, terminal: this.link.terminal }, 'session error');
    }).finally(() => {
      this.queued--;
    });
    this.queue = next;
    return next;
  }

  private touch(now: Date) {
    this.lastInbound = now.getTime();
  }

  private async process(text: string): Promise<void> {
    const started = this.deps.clock.now();
    this.touch(started);
    if (!this.bucket.take(started.getTime())) {
      return this.refuse(started, { code: 'RAT', text: 'RATE LIMIT EXCEEDED - SLOW DOWN', ...readEchoFields(text) }, {});
    }
    const parsed = parseMessage(text, { today: localDate(started, this.deps.timeZone) });
    if (!parsed.ok) return this.refuse(started, parsed.rejection, { TEXT: sanitize(text.slice(0, 200)) });
    const msg = parsed.message;
    const oriBefore = this.user?.ori;
    let result: HandlerResult;
    // A write is refused before it is made while the audit trail cannot be written: a REJ UNA
    // must mean that nothing changed (SPEC 10).
    if (WRITES.has(msg.mke) && !this.deps.audit.healthy) {
      result = { status: 'REJ', body: rejectBody('UNA', 'AUDIT TRAIL UNAVAILABLE - RETRY') };
    } else {
      try {
        result = await this.dispatch(msg, started);
      } catch (err) {
        result = this.failure(err, msg);
      }
    }
    const outcome = result.status === 'REJ' ? `REJ ${result.body[0]?.slice(4, 7)}` : result.status;
    // A write is on the audit trail before its acknowledgement goes out.
    const durable = WRITES.has(msg.mke) && result.status !== 'REJ';
    // A sign-on attempt is recorded under the name it tried, whether or not it succeeded.
    const who = msg.mke === 'SON' ? { user: msg.usr.toUpperCase(), ori: msg.ori } : undefined;
    const audited = this.audit(started, msg.mke, auditFields(msg), outcome, result.records ?? 0, durable, who);
    if (durable) {
      try {
        await audited;
      } catch {
        // The write is committed: answering REJ would tell the clerk it was not, and a resend
        // would be a duplicate. Its entry stays queued and is retried until written.
        this.deps.log.error({ mke: msg.mke, terminal: this.link.terminal }, 'write acknowledged before its audit entry could be written; the entry is queued');
      }
    }
    // SOF's acknowledgement still goes to the terminal of the ORI that just signed off.
    this.reply(msg.mke, result.status, result.body, msg.ctl, this.user?.ori ?? (msg.mke === 'SOF' ? oriBefore : undefined));
  }

  /** A message refused before any handler saw it: REJ with the echo fields, and its audit entry. */
  private refuse(started: Date, r: Rejection, fields: Record<string, string>): void {
    this.reply(r.mke ?? '', 'REJ', rejectBody(r.code, r.text), r.ctl);
    void this.audit(started, r.mke ?? null, fields, `REJ ${r.code}`, 0, false);
  }

  private failure(err: unknown, msg: InboundMessage): HandlerResult {
    if (err instanceof Reject) return { status: 'REJ', body: rejectBody(err.code, err.text) };
    if (isUnavailable(err)) {
      this.deps.log.warn({ err: (err as Error).message, mke: msg.mke }, 'registry unavailable');
      return { status: 'REJ', body: rejectBody('UNA', 'REGISTRY TEMPORARILY UNAVAILABLE - RETRY') };
    }
    this.deps.log.error({ err, mke: msg.mke, terminal: this.link.terminal }, 'handler failed');
    return { status: 'REJ', body: rejectBody('UNA', 'REQUEST COULD NOT BE COMPLETED - RETRY') };
  }

  private async dispatch(msg: InboundMessage, now: Date): Promise<HandlerResult> {
    if (msg.mke === 'SON') return this.signOn(msg, now);
    if (this.state !== 'ACTIVE' || !this.user) {
      throw new Reject('AUT', this.state === 'LOCKED' ? 'SESSION LOCKED - SIGN ON AGAIN' : 'NOT SIGNED ON');
    }
    if (msg.ori !== this.user.ori) throw new Reject('ORI', `ORI ${msg.ori} IS NOT THAT OF ${this.user.name}`);
    if (!mayUse(this.user.role, msg.mke)) throw new Reject('PRM', `${msg.mke} NOT PERMITTED FOR ROLE ${this.user.role}`);
    if (msg.mke === 'SOF') {
      const who = this.user.name;
      this.state = 'OPEN';
      this.user = undefined;
      this.deps.switchboard.leave(this);
      return { status: 'ACK', body: [`SIGNED OFF ${who}`] };
    }
    const handler = HANDLERS[msg.mke];
    if (!handler) throw new Reject('MKE', `${msg.mke} IS NOT OFFERED BY THIS SERVICE YET`);
    return handler(msg as never, { ...this.deps, user: this.user, terminal: this.link.terminal });
  }

  private async signOn(msg: Extract<InboundMessage, { mke: 'SON' }>, now: Date): Promise<HandlerResult> {
    // A sign-on attempt ends any session on this connection first: a failed attempt never
    // leaves the previous user signed on.
    this.state = 'OPEN';
    this.user = undefined;
    this.deps.switchboard.leave(this);
    const r = await signOn(
      this.deps.db,
      { usr: msg.usr, pwd: msg.pwd, otp: msg.otp, ori: msg.ori, source: this.link.source, at: now },
      this.deps.policy.signOn,
    );
    if (!r.ok) {
      if (r.lockedNow) this.deps.log.warn({ user: msg.usr.toUpperCase(), source: this.link.source }, 'user locked after repeated failed sign-ons');
      const text = r.code === 'LCK' ? 'ACCOUNT LOCKED - CONTACT YOUR ADMINISTRATOR' : r.code === 'ORI' ? `ORI ${msg.ori} IS NOT THE USER'S AGENCY` : 'SIGN-ON FAILED';
      throw new Reject(r.code, text);
    }
    this.user = r.user;
    this.state = 'ACTIVE';
    this.deps.switchboard.join(r.user.ori, this);
    // Traffic kept for the ORI goes out after the SON ACK (queued behind it).
    queueMicrotask(() => void this.deps.messageSwitch?.signedOn(this));
    return { status: 'ACK', body: [`SIGNED ON ${r.user.name} ${r.user.role} ${r.user.ori}`] };
  }

  private reply(mke: string, status: ReplyStatus, body: readonly string[], ctl?: string, ori = this.user?.ori) {
    this.send({ mke, status, ori: ori ?? '', seq: 0, time: this.deps.clock.now(), ctl, body });
  }

  private send(r: Reply, onWritten?: (ok: boolean) => void) {
    if (this.closed) return onWritten?.(false);
    this.seq += 1;
    this.link.send(formatReply({ ...r, seq: this.seq }), onWritten);
  }

  private audit(
    at: Date,
    mke: string | null,
    fields: Record<string, string | number | boolean | string[] | undefined>,
    outcome: string,
    records: number,
    durable: boolean,
    who: { user: string; ori: string } | undefined = this.user && { user: this.user.name, ori: this.user.ori },
  ): Promise<void> {
    const entry = {
      at,
      user: who?.user ?? null,
      ori: who?.ori ?? null,
      terminal: this.link.terminal,
      source: this.link.source,
      mke,
      fields,
      outcome,
      records,
      durationMs: this.deps.clock.now().getTime() - at.getTime(),
    };
    if (durable) return this.deps.audit.record(entry);
    this.deps.audit.recordLater(entry);
    return DONE;
  }
}

/**
 * Raw text of a refused message, for the audit trail: PWD and OTP values removed, and every
 * character outside printable ASCII written `\xHH` (a NUL cannot be stored in jsonb, and an
 * auditor must see exactly which byte was sent).
 */
export const sanitize = (text: string) =>
  redactSecrets(text).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** The query fields of a message for the audit trail (ICD 6): never PWD or OTP. */
function auditFields(msg: InboundMessage): Record<string, string | number | boolean | string[] | undefined> {
  const { mke: _mke, ori: _ori, ...rest } = msg as Record<string, unknown>;
  const out: Record<string, string | number | boolean | string[] | undefined> = {};
  const flat = (prefix: string, v: unknown) => {
    if (v === undefined || v === null) return;
    if (typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flat(prefix ? `${prefix}.${k}` : k, x);
    else if (Array.isArray(v) && v.some((x) => typeof x === 'object')) v.forEach((x, i) => flat(`${prefix}.${i + 1}`, x));
    else out[prefix.toUpperCase()] = v as string | number | boolean | string[];
  };
  flat('', rest);
  delete out.PWD;
  delete out.OTP;
  return out;
}
