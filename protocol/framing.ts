// ICD 2: turning a TCP byte stream into message texts, and replies back into bytes.
//
// FrameDecoder is the server side: fed chunks as they arrive, it keeps at most MAX_TEXT (+1)
// bytes between calls and returns events — complete message texts and problems — in the order
// the bytes arrived. Texts are decoded latin1 (one character per byte) so the parser can refuse
// any byte outside 0x20–0x7E with REJ CHR. ReplyDecoder is the client side (MDT simulator,
// console, tests). SPEC.md ("Framing") describes the behaviour byte by byte.

export const STX = 0x02;
export const ETX = 0x03;
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** Longest inbound message text, in bytes (ICD 2). */
export const MAX_TEXT = 4096;

export type FrameMode = 'framed' | 'line';

export type FrameProblemReason =
  /** Bytes other than CR, LF and space between frames (framed mode); once per run. */
  | 'outside-frame'
  /** An STX arrived inside an unterminated frame: the partial frame is dropped, a new one begins. */
  | 'interrupted'
  /** The connection ended inside a frame. */
  | 'unterminated';

export type FrameEvent =
  | { type: 'message'; text: string }
  /**
   * A frame or line longer than MAX_TEXT, reported as soon as its MAX_TEXT+1st byte arrives;
   * the rest of it is discarded. `head` is its first MAX_TEXT bytes (for reading MKE and CTL).
   */
  | { type: 'too-long'; head: string }
  /** `text`: the partial frame (interrupted, unterminated) or up to 64 bytes of the run (outside-frame). */
  | { type: 'malformed'; reason: FrameProblemReason; text: string };

export interface FrameDecoderOptions {
  /** `auto` (default, TCP): decided by the first byte that is not CR, LF or space. `line`: SSH exec. */
  mode?: FrameMode | 'auto';
  maxText?: number;
}

const SAMPLE = 64;

type State =
  | 'idle' // framed: between frames; line: at the start of a line
  | 'frame' // framed: inside a frame, collecting
  | 'skip' // inside a too-long frame or line, discarding
  | 'garbage' // framed: inside a run of bytes outside any frame
  | 'line'; // line: collecting a line

export class FrameDecoder {
  #mode: FrameMode | undefined;
  #state: State = 'idle';
  readonly #max: number;
  readonly #buf: Buffer;
  #len = 0;

  constructor(opts: FrameDecoderOptions = {}) {
    this.#max = opts.maxText ?? MAX_TEXT;
    this.#mode = opts.mode === 'auto' ? undefined : opts.mode;
    // One spare byte: in line mode a text of exactly maxText bytes may be followed by its CR.
    this.#buf = Buffer.alloc(this.#max + 1);
  }

  /** `framed` or `line` once decided; undefined before the first significant byte. */
  get mode(): FrameMode | undefined {
    return this.#mode;
  }

  /** Bytes held between calls (never more than maxText + 1). */
  get buffered(): number {
    return this.#len;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.#mode === undefined) {
        if (b === CR || b === LF || b === SP) continue;
        this.#mode = b === STX ? 'framed' : 'line';
      }
      if (this.#mode === 'framed') this.#framed(b, chunk, i, events);
      else this.#line(b, events);
    }
    return events;
  }

  /** The connection ended: reports a frame left open; in line mode a last unterminated line is a message. */
  end(): FrameEvent[] {
    const events: FrameEvent[] = [];
    if (this.#state === 'frame') {
      events.push({ type: 'malformed', reason: 'unterminated', text: this.#take() });
    } else if (this.#state === 'line') {
      const text = this.#take().replace(/\r$/, '');
      if (!isBlank(text)) events.push({ type: 'message', text });
    }
    this.#len = 0;
    this.#state = 'idle';
    return events;
  }

  #framed(b: number, chunk: Uint8Array, i: number, events: FrameEvent[]): void {
    switch (this.#state) {
      case 'idle':
      case 'garbage':
        if (b === STX) {
          this.#state = 'frame';
          this.#len = 0;
        } else if (this.#state === 'idle' && b !== CR && b !== LF && b !== SP) {
          this.#state = 'garbage';
          events.push({ type: 'malformed', reason: 'outside-frame', text: sample(chunk, i) });
        }
        return;
      case 'frame':
        if (b === ETX) {
          events.push({ type: 'message', text: this.#take() });
          this.#state = 'idle';
        } else if (b === STX) {
          events.push({ type: 'malformed', reason: 'interrupted', text: this.#take() });
        } else if (this.#len === this.#max) {
          events.push({ type: 'too-long', head: this.#take() });
          this.#state = 'skip';
        } else {
          this.#buf[this.#len++] = b;
        }
        return;
      case 'skip':
        if (b === ETX) this.#state = 'idle';
        else if (b === STX) this.#state = 'frame'; // a new frame begins; the long one was reported
        return;
      case 'line':
        return; // not reached in framed mode
    }
  }

  #line(b: number, events: FrameEvent[]): void {
    if (this.#state === 'skip') {
      if (b === LF) this.#state = 'idle';
      return;
    }
    if (b === LF) {
      const text = this.#take().replace(/\r$/, '');
      this.#state = 'idle';
      if (!isBlank(text)) events.push({ type: 'message', text });
      return;
    }
    this.#state = 'line';
    // The text may reach maxText bytes, and be followed by the CR of its CR LF.
    const room = this.#len < this.#max || (this.#len === this.#max && b === CR);
    if (room) {
      this.#buf[this.#len++] = b;
    } else {
      events.push({ type: 'too-long', head: this.#take().slice(0, this.#max) });
      this.#state = 'skip';
    }
  }

  #take(): string {
    const s = this.#buf.toString('latin1', 0, this.#len);
    this.#len = 0;
    return s;
  }
}

const isBlank = (s: string) => /^[ \r]*$/.test(s);

function sample(chunk: Uint8Array, from: number): string {
  let end = from;
  while (end < chunk.length && end - from < SAMPLE && chunk[end] !== STX) end++;
  return Buffer.from(chunk.buffer, chunk.byteOffset + from, end - from).toString('latin1');
}

// ---- outbound (server → terminal) ----------------------------------------------------------

/** A framed reply: STX, the lines joined by CR LF, ETX. */
export function encodeFramed(lines: readonly string[]): Buffer {
  return Buffer.from(`\x02${lines.join('\r\n')}\x03`, 'latin1');
}

/** A line-mode reply: the lines joined by CR LF, then one empty line (ends in CR LF CR LF). */
export function encodeLines(lines: readonly string[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

export function encodeReply(lines: readonly string[], mode: FrameMode): Buffer {
  return mode === 'framed' ? encodeFramed(lines) : encodeLines(lines);
}

/** An inbound message as a client sends it: STX text ETX, or the text and CR LF in line mode. */
export function encodeRequest(text: string, mode: FrameMode): Buffer {
  if (/[\r\n\x02\x03]/.test(text)) throw new RangeError('message text must not contain CR, LF, STX or ETX');
  return Buffer.from(mode === 'framed' ? `\x02${text}\x03` : `${text}\r\n`, 'latin1');
}

// ---- client side: replies ---------------------------------------------------------------------

export interface ReplyDecoderOptions {
  /** Longest reply accepted, in bytes (default 1 MiB); a longer one throws RangeError. */
  maxReply?: number;
}

/**
 * Reassembles replies as a client reads them: in framed mode STX … ETX (bytes outside frames are
 * ignored), in line mode the lines up to an empty line. Each reply is returned as its lines.
 */
export class ReplyDecoder {
  readonly #mode: FrameMode;
  readonly #max: number;
  #inFrame = false;
  #parts: Buffer[] = [];
  #size = 0;
  #lines: string[] = [];

  constructor(mode: FrameMode, opts: ReplyDecoderOptions = {}) {
    this.#mode = mode;
    this.#max = opts.maxReply ?? 1024 * 1024;
  }

  push(chunk: Uint8Array): string[][] {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    return this.#mode === 'framed' ? this.#framed(buf) : this.#line(buf);
  }

  /** End of stream: in line mode, lines not yet closed by an empty line make a last reply. */
  end(): string[][] {
    const out: string[][] = [];
    if (this.#mode === 'line') {
      const rest = this.#collect().replace(/\r$/, '');
      if (rest !== '') this.#lines.push(rest);
      if (this.#lines.length > 0) out.push(this.#lines);
    }
    this.#lines = [];
    this.#inFrame = false;
    this.#parts = [];
    this.#size = 0;
    return out;
  }

  #framed(buf: Buffer): string[][] {
    const out: string[][] = [];
    let i = 0;
    while (i < buf.length) {
      if (!this.#inFrame) {
        const s = buf.indexOf(STX, i);
        if (s < 0) break;
        this.#inFrame = true;
        i = s + 1;
        continue;
      }
      const e = buf.indexOf(ETX, i);
      const s = buf.indexOf(STX, i);
      if (s >= 0 && (e < 0 || s < e)) {
        // A new frame before this one ended: drop the partial one.
        this.#parts = [];
        this.#size = 0;
        i = s + 1;
        continue;
      }
      if (e < 0) {
        this.#keep(buf.subarray(i));
        break;
      }
      this.#keep(buf.subarray(i, e));
      out.push(this.#collect().split(/\r?\n/));
      this.#size = 0;
      this.#inFrame = false;
      i = e + 1;
    }
    return out;
  }

  #line(buf: Buffer): string[][] {
    const out: string[][] = [];
    let i = 0;
    while (i < buf.length) {
      const n = buf.indexOf(LF, i);
      if (n < 0) {
        this.#keep(buf.subarray(i));
        break;
      }
      this.#keep(buf.subarray(i, n));
      const line = this.#collect().replace(/\r$/, '');
      i = n + 1;
      if (line === '') {
        if (this.#lines.length > 0) out.push(this.#lines);
        this.#lines = [];
        this.#size = 0;
      } else {
        this.#lines.push(line);
      }
    }
    return out;
  }

  #keep(part: Buffer): void {
    if (part.length === 0) return;
    this.#size += part.length;
    if (this.#size > this.#max) throw new RangeError(`reply longer than ${this.#max} bytes`);
    this.#parts.push(Buffer.from(part)); // copy: the caller may reuse its chunk
  }

  #collect(): string {
    const s = Buffer.concat(this.#parts).toString('latin1');
    this.#parts = [];
    return s;
  }
}
