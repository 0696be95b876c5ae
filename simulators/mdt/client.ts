// One terminal connection to the service: TCP or TLS, framed or line mode. Replies are matched to
// requests by order (the service answers every message exactly once, in order) and checked against
// the CTL each request carried; unsolicited traffic (status MSG or NOTE) is kept apart and
// delivered as events and to waiters. Uses only protocol/ and node built-ins.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, MAX_TEXT, parseReply, readEchoFields, ReplyDecoder, type FrameMode, type ParsedReply } from '../../protocol/index.ts';
import { textBytes } from './text.ts';

export interface Endpoint {
  host: string;
  port: number;
  tls?: boolean;
  /** Accept any certificate (the service's self-signed one). */
  insecure?: boolean;
  /** A PEM file of the certificate authority (or the self-signed certificate itself) to trust. */
  ca?: string;
  /** `framed` (STX/ETX, the default) or `line`. */
  mode?: FrameMode;
  connectTimeoutMs?: number;
}

export interface ClientOptions {
  /** Default time to wait for a reply (10 s). */
  replyTimeoutMs?: number;
  /** Keep unsolicited messages for waitUnsolicited() (scripts, interactive). Default true. */
  keepUnsolicited?: boolean;
}

/** One message from the service, as read. */
export interface Received extends ParsedReply {
  lines: string[];
  /** performance.now() when it was complete. */
  receivedAt: number;
}

/** The reply to one request. */
export interface Answer extends Received {
  latencyMs: number;
  /** The CTL the request carried as the service would read it ('' when none). */
  expectedCtl: string;
  /** False when the header's CTL is not the request's: a reply out of order, or the service's fault. */
  ctlMatches: boolean;
}

export class ReplyTimeout extends Error {
  override name = 'ReplyTimeout';
}
export class ConnectionClosed extends Error {
  override name = 'ConnectionClosed';
}
/** A message whose header could not be read. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    readonly lines: string[],
  ) {
    super(message);
  }
}

interface Slot {
  /** The CTL to check, or null: no check (raw bytes). */
  ctl: string | null;
  sentAt: number;
  resolve(a: Answer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | undefined;
  abandoned: boolean;
}

type Events = {
  /** A MSG or NOTE. */
  unsolicited: [Received];
  /** A reply that arrived after its request had timed out. */
  late: [Received];
  /** A reply with no request waiting for it. */
  stray: [Received];
  'protocol-error': [ProtocolError];
  close: [Error | undefined];
};

const STX = Buffer.from([0x02]);
const ETX = Buffer.from([0x03]);
const CRLF = Buffer.from('\r\n');

export const isUnsolicited = (r: { status: string }) => r.status === 'MSG' || r.status === 'NOTE';

/** The CTL the service will echo for a request (SPEC 4, 9): read with the codec's own rule. */
export function expectedCtl(body: Buffer): string {
  const text = body.toString('latin1');
  const echo = text.length > MAX_TEXT ? readEchoFields(text.slice(0, MAX_TEXT), true) : readEchoFields(text);
  return echo.ctl ?? '';
}

export class MdtClient extends EventEmitter<Events> {
  readonly mode: FrameMode;
  readonly #socket: net.Socket;
  readonly #decoder: ReplyDecoder;
  readonly #slots: Slot[] = [];
  readonly #inbox: Received[] = [];
  readonly #waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  readonly #replyTimeoutMs: number;
  readonly #keep: boolean;
  #closed = false;
  #error: Error | undefined;
  #sentAnything = false;
  /**
   * The service's frame decoder, replayed on what this client writes once raw bytes are sent: it
   * tells how many replies raw bytes will get (frames, too-long texts and framing problems are
   * each answered once; a frame left open is not answered yet). Made on first use (4 KB).
   */
  #shadow: FrameDecoder | undefined;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket, mode: FrameMode, opts: ClientOptions) {
    super();
    this.#socket = socket;
    this.mode = mode;
    this.#decoder = new ReplyDecoder(mode);
    this.#replyTimeoutMs = opts.replyTimeoutMs ?? 10_000;
    this.#keep = opts.keepUnsolicited ?? true;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        try {
          for (const lines of this.#decoder.end()) this.#message(lines);
        } catch {
          // a reply cut off by the close: nothing to deliver
        }
        this.#closed = true;
        const err = new ConnectionClosed(this.#error ? `connection lost: ${this.#error.message}` : 'connection closed by the service');
        for (const s of this.#slots.splice(0)) {
          if (s.timer) clearTimeout(s.timer);
          if (!s.abandoned) s.reject(err);
        }
        this.emit('close', this.#error);
        resolve();
      });
    });
  }

  static connect(ep: Endpoint, opts: ClientOptions = {}): Promise<MdtClient> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = ep.tls
          ? tls.connect({
              host: ep.host,
              port: ep.port,
              rejectUnauthorized: !ep.insecure,
              ...(ep.ca ? { ca: readFileSync(ep.ca) } : {}),
              ...(net.isIP(ep.host) ? {} : { servername: ep.host }),
              minVersion: 'TLSv1.2',
            })
          : net.connect({ host: ep.host, port: ep.port });
      } catch (err) {
        reject(err as Error);
        return;
      }
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no connection to ${ep.host}:${ep.port} within ${ep.connectTimeoutMs ?? 10_000} ms`)), ep.connectTimeoutMs ?? 10_000);
      socket.once('error', fail);
      socket.once(ep.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new MdtClient(socket, ep.mode ?? 'framed', opts));
      });
    });
  }

  get isOpen(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  /** Requests sent and not yet answered (timed-out ones included until their reply comes). */
  get outstanding(): number {
    return this.#slots.length;
  }

  /** The TLS protocol in use (`TLSv1.3`), or undefined on plain TCP. */
  get tlsProtocol(): string | undefined {
    return this.#socket instanceof tls.TLSSocket ? (this.#socket.getProtocol() ?? undefined) : undefined;
  }

  /**
   * Sends one message and resolves with its reply. A string is sent as typed (UTF-8; no escapes);
   * a Buffer is the exact text bytes. The frame (STX/ETX, or CR LF in line mode) is added here.
   */
  send(text: string | Buffer, opts: { timeoutMs?: number } = {}): Promise<Answer> {
    const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (this.mode === 'framed' ? body.includes(0x02) || body.includes(0x03) : body.includes(0x0a)) {
      return Promise.reject(new RangeError(this.mode === 'framed' ? 'a message cannot contain STX or ETX (use raw)' : 'a line-mode message cannot contain LF (use raw)'));
    }
    const frame = this.mode === 'framed' ? Buffer.concat([STX, body, ETX]) : Buffer.concat([body, CRLF]);
    const [answer] = this.#write(frame, 1, expectedCtl(body), opts.timeoutMs);
    return answer!;
  }

  /**
   * Writes bytes exactly as given (no framing) and waits for their replies, not checking CTL.
   * For testers: bytes outside a frame, split frames, an STX inside a frame, ... `replies`: how
   * many to wait for; by default as many as the service's own frame decoder makes of the bytes.
   */
  sendRaw(bytes: Buffer | string, replies?: number, opts: { timeoutMs?: number } = {}): Promise<Answer[]> {
    const buf = typeof bytes === 'string' ? textBytes(bytes, true) : bytes;
    if (!this.#shadow) this.#shadow = new FrameDecoder({ mode: this.#sentAnything ? this.mode : 'auto' });
    const predicted = this.#shadow.push(buf).length;
    return Promise.all(this.#write(buf, replies ?? predicted, null, opts.timeoutMs, true));
  }

  #write(bytes: Buffer, replies: number, ctl: string | null, timeoutMs = this.#replyTimeoutMs, raw = false): Promise<Answer>[] {
    if (!this.isOpen) return Array.from({ length: Math.max(1, replies) }, () => Promise.reject(new ConnectionClosed('not connected')));
    if (!raw) this.#shadow?.push(bytes);
    this.#sentAnything = true;
    const sentAt = performance.now();
    const out: Promise<Answer>[] = [];
    for (let i = 0; i < replies; i++) {
      out.push(
        new Promise<Answer>((resolve, reject) => {
          const slot: Slot = { ctl, sentAt, resolve, reject, timer: undefined, abandoned: false };
          slot.timer = setTimeout(() => {
            slot.abandoned = true;
            slot.timer = undefined;
            reject(new ReplyTimeout(`no reply within ${timeoutMs} ms`));
          }, timeoutMs);
          this.#slots.push(slot);
        }),
      );
    }
    this.#socket.write(bytes);
    return out;
  }

  /**
   * The next unsolicited message that `match` accepts: one already received and not yet taken,
   * or the next to arrive within `timeoutMs`. Resolves undefined on timeout or close.
   */
  waitUnsolicited(match: (r: Received) => boolean, timeoutMs: number): Promise<Received | undefined> {
    const i = this.#inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0]);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = {
        match,
        resolve: (r: Received | undefined) => {
          clearTimeout(timer);
          this.off('close', onClose);
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          resolve(r);
        },
      };
      const onClose = () => waiter.resolve(undefined);
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.once('close', onClose);
      this.#waiters.push(waiter);
    });
  }

  /** Unsolicited messages received and not taken by a waiter. */
  takeInbox(): Received[] {
    return this.#inbox.splice(0);
  }

  /**
   * Hands the connection over to a leaner reader (load mode --lean): this client stops reading
   * it, and still notices its close. Only between requests.
   */
  takeSocket(): net.Socket {
    this.#socket.removeAllListeners('data');
    return this.#socket;
  }

  /** Closes at once; unanswered requests are rejected. */
  close(): void {
    this.#socket.destroy();
  }

  /** Half-closes (FIN) and waits for the service to close, at most `ms`. */
  async end(ms = 2_000): Promise<void> {
    if (!this.isOpen) return;
    this.#socket.end();
    const t = setTimeout(() => this.#socket.destroy(), ms);
    await this.closed;
    clearTimeout(t);
  }

  #data(chunk: Buffer): void {
    let replies: string[][];
    try {
      replies = this.#decoder.push(chunk);
    } catch (err) {
      this.#error = err as Error;
      this.#socket.destroy();
      return;
    }
    for (const lines of replies) this.#message(lines);
  }

  #message(lines: string[]): void {
    const receivedAt = performance.now();
    let parsed: ParsedReply;
    try {
      parsed = parseReply(lines);
    } catch (err) {
      const e = new ProtocolError((err as Error).message, lines);
      const slot = this.#slots.shift();
      if (slot?.timer) clearTimeout(slot.timer);
      if (slot && !slot.abandoned) slot.reject(e);
      this.emit('protocol-error', e);
      return;
    }
    const r: Received = { ...parsed, lines, receivedAt };
    if (isUnsolicited(r)) {
      const w = this.#waiters.find((x) => x.match(r));
      if (w) w.resolve(r);
      else if (this.#keep) this.#inbox.push(r);
      this.emit('unsolicited', r);
      return;
    }
    const slot = this.#slots.shift();
    if (!slot) {
      this.emit('stray', r);
      return;
    }
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.abandoned) {
      this.emit('late', r);
      return;
    }
    const got = r.ctl.trim();
    slot.resolve({
      ...r,
      latencyMs: receivedAt - slot.sentAt,
      expectedCtl: slot.ctl ?? got,
      ctlMatches: slot.ctl === null || slot.ctl === got,
    });
  }
}
