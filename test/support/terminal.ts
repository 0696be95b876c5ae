// A terminal for tests: a real TCP or TLS connection that sends messages and reads replies,
// unsolicited ones included, through the protocol's own client-side decoder.
import net from 'node:net';
import tls from 'node:tls';
import { encodeRequest, ReplyDecoder, type FrameMode } from '../../protocol/framing.ts';

export interface ReplyLines {
  lines: string[];
  header: string;
  mke: string;
  status: string;
  ori: string;
  seq: string;
  ctl: string;
  body: string[];
}

export function readHeader(lines: string[]): ReplyLines {
  const h = lines[0] ?? '';
  return {
    lines,
    header: h,
    mke: h.slice(0, 4).trim(),
    status: h.slice(5, 9).trim(),
    ori: h.slice(10, 19).trim(),
    seq: h.slice(20, 26),
    ctl: h.slice(42, 52).trim(),
    body: lines.slice(1),
  };
}

export class TestTerminal {
  private replies: ReplyLines[] = [];
  private waiters: { want: (r: ReplyLines) => boolean; resolve: (r: ReplyLines) => void }[] = [];
  private decoder: ReplyDecoder;
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    readonly mode: FrameMode,
  ) {
    this.decoder = new ReplyDecoder(mode);
    socket.on('data', (chunk: Buffer) => {
      for (const lines of this.decoder.push(chunk)) this.deliver(readHeader(lines));
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static async connect(port: number, opts: { tls?: boolean; mode?: FrameMode } = {}): Promise<TestTerminal> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = opts.tls
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s))
        : net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    return new TestTerminal(socket, opts.mode ?? 'framed');
  }

  private deliver(r: ReplyLines) {
    const i = this.waiters.findIndex((w) => w.want(r));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(r);
    else this.replies.push(r);
  }

  private take(want: (r: ReplyLines) => boolean, ms: number): Promise<ReplyLines> {
    const i = this.replies.findIndex(want);
    if (i >= 0) return Promise.resolve(this.replies.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = {
        want,
        resolve: (x: ReplyLines) => {
          clearTimeout(timer);
          resolve(x);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error('no reply within ' + ms + ' ms'));
      }, ms);
      this.waiters.push(w);
    });
  }

  /** The next reply or unsolicited message, waiting up to `ms`. */
  next(ms = 5_000): Promise<ReplyLines> {
    return this.take(() => true, ms);
  }

  /** Sends one message and returns its reply; unsolicited traffic (MSG, NOTE) stays for next(). */
  async send(text: string): Promise<ReplyLines> {
    this.socket.write(encodeRequest(text, this.mode));
    return this.take((r) => r.status !== 'MSG' && r.status !== 'NOTE', 5_000);
  }

  writeRaw(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Replies already received and not yet read. */
  get unread(): number {
    return this.replies.length;
  }

  close(): void {
    this.socket.destroy();
  }
}
