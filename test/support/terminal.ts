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
  private waiters: ((r: ReplyLines) => void)[] = [];
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
    const w = this.waiters.shift();
    if (w) w(r);
    else this.replies.push(r);
  }

  /** The next reply or unsolicited message, waiting up to `ms`. */
  next(ms = 5_000): Promise<ReplyLines> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within ' + ms + ' ms')), ms);
      this.waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  }

  /** Sends one message and returns the next reply. */
  async send(text: string): Promise<ReplyLines> {
    this.socket.write(encodeRequest(text, this.mode));
    return this.next();
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
