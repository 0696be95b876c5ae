// Lean load mode (--lean): after sign-on a terminal's socket is driven with as little client work
// per message as redis-benchmark does — the request frame written in one call, the reply read only
// as far as its header (status; the REJ code; the whole text only for an ACK, whose PNO the pool
// keeps) and no timer per request (one sweep per run). On a machine where the load runs beside
// the service, the full client's per-reply parsing would otherwise be measured instead of the
// service. Framed mode only; replies are matched in order, as the service answers.
import type net from 'node:net';

export interface LeanAnswer {
  /** HIT, NREC, ACK, REJ (MSG and NOTE are not answers and are skipped). */
  status: string;
  /** The REJ code, or '' */
  code: string;
  latencyMs: number;
  /** The reply's text (latin1) for ACK, else ''. */
  text: string;
}

interface Waiting {
  sentAt: number;
  resolve(a: LeanAnswer): void;
  reject(e: Error): void;
}

const STX = 0x02;
const ETX = 0x03;

export class LeanClosed extends Error {
  override name = 'ConnectionClosed';
}
export class LeanTimeout extends Error {
  override name = 'ReplyTimeout';
}

export class LeanLink {
  readonly #socket: net.Socket;
  readonly #waiting: Waiting[] = [];
  #head = 0;
  /** Bytes of a reply not complete yet. */
  #partial: Buffer | undefined;
  #closed = false;
  unsolicited = 0;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', () => {});
    socket.once('close', () => {
      this.#closed = true;
      const err = new LeanClosed('connection closed by the service');
      for (let i = this.#head; i < this.#waiting.length; i++) this.#waiting[i]!.reject(err);
      this.#waiting.length = 0;
      this.#head = 0;
    });
  }

  get isOpen(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  /** performance.now() of the oldest unanswered request, or undefined. */
  get oldestSentAt(): number | undefined {
    return this.#waiting[this.#head]?.sentAt;
  }

  send(text: string): Promise<LeanAnswer> {
    if (!this.isOpen) return Promise.reject(new LeanClosed('not connected'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ sentAt: performance.now(), resolve, reject });
      this.#socket.write(`\x02${text}\x03`, 'latin1');
    });
  }

  /** Gives up on the connection: unanswered requests fail with `err`. */
  abort(err: Error): void {
    for (let i = this.#head; i < this.#waiting.length; i++) this.#waiting[i]!.reject(err);
    this.#waiting.length = 0;
    this.#head = 0;
    this.#socket.destroy();
  }

  close(): void {
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    let buf = chunk;
    if (this.#partial) {
      buf = Buffer.concat([this.#partial, chunk]);
      this.#partial = undefined;
    }
    let from = 0;
    for (;;) {
      const stx = buf.indexOf(STX, from);
      if (stx < 0) return;
      const etx = buf.indexOf(ETX, stx + 1);
      if (etx < 0) {
        this.#partial = buf.subarray(stx);
        return;
      }
      this.#reply(buf, stx + 1, etx);
      from = etx + 1;
    }
  }

  /** One reply: header columns 6–9 are the status (ICD 5); a REJ's first body line is `REJ/CODE`. */
  #reply(buf: Buffer, start: number, end: number): void {
    const status = buf.toString('latin1', start + 5, start + 9).trimEnd();
    if (status === 'MSG' || status === 'NOTE') {
      this.unsolicited++;
      return;
    }
    const w = this.#waiting[this.#head];
    if (!w) return;
    this.#waiting[this.#head++] = undefined as unknown as Waiting;
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    }
    let code = '';
    let text = '';
    if (status === 'REJ') {
      const at = buf.indexOf('REJ/', start + 9, 'latin1');
      if (at >= 0 && at < end) code = buf.toString('latin1', at + 4, at + 7);
    } else if (status === 'ACK') {
      text = buf.toString('latin1', start, end);
    }
    w.resolve({ status, code, latencyMs: performance.now() - w.sentAt, text });
  }
}
