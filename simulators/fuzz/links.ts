// Connections the fuzzer drives: a TCP or TLS stream, or an SSH `exec clets` channel. Each knows
// what the service must answer, from the protocol's own FrameDecoder replayed on every byte it
// writes (as MdtClient.sendRaw does): one reply per event, in order, each echoing the key and CTL
// that the codec reads from the text (readEchoFields), with sequence numbers 1, 2, 3 ... counting
// every outbound message of the connection.
//
// On a stream every input is followed by a sentinel, a message whose reply is known (REJ FLD, a
// CTL of its own), so that the end of the input's replies is seen without waiting for silence:
// the replies up to the sentinel's must be exactly the expected ones. An SSH channel is simply
// closed for writing: `clets` answers what it has read and exits 0.
import net from 'node:net';
import tls from 'node:tls';
import ssh2, { type ClientChannel } from 'ssh2';
import { FrameDecoder, parseReply, readEchoFields, ReplyDecoder, type FrameEvent, type FrameMode, type ParsedReply } from '../../protocol/index.ts';

const { Client } = ssh2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one reply must carry in its header, from the event it answers. */
export interface Expected {
  event: FrameEvent['type'] | 'outside-frame' | 'interrupted' | 'unterminated';
  mke: string;
  ctl: string;
}

export function expectedReply(e: FrameEvent): Expected {
  if (e.type === 'message') {
    const echo = readEchoFields(e.text);
    return { event: 'message', mke: echo.mke ?? '', ctl: echo.ctl ?? '' };
  }
  if (e.type === 'too-long') {
    const echo = readEchoFields(e.head, true);
    return { event: 'too-long', mke: echo.mke ?? '', ctl: echo.ctl ?? '' };
  }
  if (e.reason === 'outside-frame') return { event: 'outside-frame', mke: '', ctl: '' };
  const echo = readEchoFields(e.text, true);
  return { event: e.reason, mke: echo.mke ?? '', ctl: echo.ctl ?? '' };
}

/** A reply as received. */
export interface Got extends ParsedReply {
  lines: string[];
}

/** The result of one input: what was expected, what came, and the first problem found. */
export interface Outcome {
  expected: Expected[];
  replies: Got[];
  /** Replies whose header could not be read (counted, never matched). */
  unreadable: string[][];
  problem?: { check: string; detail: string };
}

const isUnsolicited = (r: { status: string }) => r.status === 'MSG' || r.status === 'NOTE';

/** Compares replies with expectations: count first, then each header's key and CTL. */
export function judge(expected: Expected[], replies: Got[]): Outcome['problem'] {
  if (replies.length !== expected.length) {
    return {
      check: replies.length < expected.length ? 'unanswered' : 'extra replies',
      detail: `${expected.length} frame(s) (${summarise(expected)}) got ${replies.length} reply(ies)`,
    };
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const r = replies[i]!;
    if (r.mke !== e.mke || r.ctl.trimEnd() !== e.ctl) {
      return { check: 'echo', detail: `reply ${i + 1} of ${expected.length} (${e.event}): header '${r.lines[0]}' should echo key '${e.mke}' and CTL '${e.ctl}'` };
    }
  }
  return undefined;
}

function summarise(expected: Expected[]): string {
  const n = new Map<string, number>();
  for (const e of expected) n.set(e.event, (n.get(e.event) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
}

/** Checks that sequence numbers count up by one over every outbound message (SPEC 7.1). */
class SequenceCheck {
  #last = 0;
  problem: string | undefined;
  see(seq: number, header: string): void {
    const want = (this.#last % 999_999) + 1;
    if (seq !== want && this.problem === undefined) this.problem = `sequence ${seq} where ${want} was due: '${header}'`;
    this.#last = seq;
  }
}

// ---- TCP and TLS ------------------------------------------------------------------------------

interface Waiting {
  nonce: string | undefined; // the sentinel's CTL; undefined: collect until the connection closes
  replies: Got[];
  unreadable: string[][];
  done: (how: 'ok' | 'closed') => void;
}

let links = 0;

export class StreamLink {
  readonly id = ++links;
  /** The service's decoder, replayed on everything written here. */
  readonly shadow = new FrameDecoder({ mode: 'auto' });
  readonly #socket: net.Socket;
  #decoder: ReplyDecoder | undefined;
  #waiting: Waiting | undefined;
  #nonces = 0;
  #closed = false;
  readonly #seq = new SequenceCheck();
  /** Problems seen outside any input: a reply nobody asked for, a header that cannot be read. */
  readonly strays: string[] = [];
  unsolicited = 0;
  readonly closed: Promise<void>;

  private constructor(
    socket: net.Socket,
    /** The mode meant for this connection, until its first bytes decide it. */
    readonly intended: FrameMode,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closed = true;
        this.#waiting?.done('closed');
        resolve();
      }),
    );
  }

  static open(o: { host: string; port: number; tls: boolean; mode: FrameMode; timeoutMs: number }): Promise<StreamLink> {
    return new Promise((resolve, reject) => {
      const socket = o.tls
        ? tls.connect({ host: o.host, port: o.port, rejectUnauthorized: false, minVersion: 'TLSv1.2' })
        : net.connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => fail(new Error(`no connection to ${o.host}:${o.port} within ${o.timeoutMs} ms`)), o.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.once(o.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new StreamLink(socket, o.mode));
      });
    });
  }

  get isOpen(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  get sequenceProblem(): string | undefined {
    return this.#seq.problem;
  }

  /**
   * Writes `bytes` (cut at `cuts`, `delayMs` between the pieces), then a sentinel, and waits for
   * the sentinel's reply. `sentinelOri`: any well-formed ORI (the sentinel is refused by the parser).
   */
  async exchange(bytes: Buffer, cuts: number[], delayMs: number, timeoutMs: number, sentinelOri: string): Promise<Outcome> {
    const events = this.shadow.push(bytes);
    const mode = this.shadow.mode ?? this.intended;
    const nonce = `~${this.id.toString(36)}-${(++this.#nonces).toString(36)}`.slice(0, 10).toUpperCase();
    const sentinelText = `QPO.${sentinelOri}.CTL/${nonce}.HST/N`;
    // A LF first in line mode: it ends whatever line the input left open.
    const sentinel = Buffer.from(mode === 'framed' ? `\x02${sentinelText}\x03` : `\n${sentinelText}\r\n`, 'latin1');
    const sentinelEvents = this.shadow.push(sentinel);
    const expected = [...events, ...sentinelEvents].map(expectedReply);
    const got = this.#collect(nonce, timeoutMs);
    try {
      await this.#write(bytes, cuts, delayMs);
      await this.#write(sentinel, [], 0);
    } catch {
      // the connection went away: #collect reports it
    }
    const { how, replies, unreadable } = await got;
    const outcome: Outcome = { expected, replies, unreadable };
    if (how === 'timeout') outcome.problem = { check: 'unanswered', detail: `${replies.length} of ${expected.length} replies within ${timeoutMs} ms (${summarise(expected)})` };
    else if (how === 'closed') outcome.problem = { check: 'connection closed', detail: `the service closed the connection after ${replies.length} of ${expected.length} replies` };
    else if (unreadable.length) outcome.problem = { check: 'unreadable reply', detail: JSON.stringify(unreadable[0]).slice(0, 300) };
    else {
      outcome.problem = judge(expected, replies);
      const last = replies[replies.length - 1];
      if (!outcome.problem && !(last?.status === 'REJ' && (last.reject?.code === 'FLD' || last.reject?.code === 'RAT'))) {
        outcome.problem = { check: 'sentinel', detail: `the sentinel ${sentinelText} was answered '${last?.lines.join(' | ')}'` };
      }
    }
    return outcome;
  }

  /**
   * Writes `bytes`, then closes this side (FIN) and reads until the service closes: every complete
   * frame, and a last line without LF, must still be answered (SPEC 2.1, 3). An unterminated frame
   * may be answered or not (SPEC 2.1 says not; the audit entry is what counts).
   */
  async finish(bytes: Buffer, cuts: number[], timeoutMs: number): Promise<Outcome> {
    const events = [...this.shadow.push(bytes), ...this.shadow.end()];
    const required = events.filter((e) => !(e.type === 'malformed' && e.reason === 'unterminated')).map(expectedReply);
    const optional = events.length - required.length;
    const got = this.#collect(undefined, timeoutMs);
    try {
      await this.#write(bytes, cuts, 0);
      this.#socket.end();
    } catch {
      // reported below
    }
    const { how, replies, unreadable } = await got;
    const outcome: Outcome = { expected: required, replies, unreadable };
    if (how === 'timeout') {
      this.#socket.destroy();
      outcome.problem = { check: 'not closed after FIN', detail: `the service did not close within ${timeoutMs} ms of the client's FIN (${replies.length} replies)` };
    } else if (unreadable.length) {
      outcome.problem = { check: 'unreadable reply', detail: JSON.stringify(unreadable[0]).slice(0, 300) };
    } else if (replies.length < required.length || replies.length > required.length + optional) {
      outcome.problem = {
        check: 'half-close',
        detail: `after the client's FIN: ${required.length} frame(s) to answer (${summarise(required)}) got ${replies.length} reply(ies)`,
      };
    } else {
      outcome.problem = judge(required, replies.slice(0, required.length));
    }
    return outcome;
  }

  /** Writes and drops the connection at once (mid-frame, unread replies): the service must cope. */
  async abort(bytes: Buffer): Promise<void> {
    try {
      await this.#write(bytes, [], 0);
    } catch {
      // gone already
    }
    this.#socket.destroy();
  }

  close(): void {
    this.#socket.destroy();
  }

  #collect(nonce: string | undefined, timeoutMs: number): Promise<{ how: 'ok' | 'closed' | 'timeout'; replies: Got[]; unreadable: string[][] }> {
    return new Promise((resolve) => {
      const w: Waiting = {
        nonce,
        replies: [],
        unreadable: [],
        done: (how) => {
          clearTimeout(timer);
          if (this.#waiting === w) this.#waiting = undefined;
          resolve({ how: nonce === undefined && how === 'closed' ? 'ok' : how, replies: w.replies, unreadable: w.unreadable });
        },
      };
      const timer = setTimeout(() => {
        if (this.#waiting === w) this.#waiting = undefined;
        resolve({ how: 'timeout', replies: w.replies, unreadable: w.unreadable });
      }, timeoutMs);
      this.#waiting = w;
      if (this.#closed) w.done('closed');
    });
  }

  async #write(bytes: Buffer, cuts: number[], delayMs: number): Promise<void> {
    let from = 0;
    for (const to of [...cuts, bytes.length]) {
      if (to <= from) continue;
      if (!this.isOpen) throw new Error('closed');
      if (!this.#socket.write(bytes.subarray(from, to))) await new Promise<void>((r) => this.#socket.once('drain', r));
      from = to;
      if (to < bytes.length) await (delayMs > 0 ? sleep(delayMs) : new Promise<void>((r) => setImmediate(r)));
    }
  }

  #data(chunk: Buffer): void {
    this.#decoder ??= new ReplyDecoder(this.shadow.mode ?? this.intended, { maxReply: 4 * 1024 * 1024 });
    let all: string[][];
    try {
      all = this.#decoder.push(chunk);
    } catch (err) {
      this.strays.push(`unreadable stream: ${(err as Error).message}`);
      this.#socket.destroy();
      return;
    }
    for (const lines of all) {
      let r: Got;
      try {
        r = { ...parseReply(lines), lines };
      } catch {
        if (this.#waiting) this.#waiting.unreadable.push(lines);
        else this.strays.push(`unreadable reply ${JSON.stringify(lines).slice(0, 200)}`);
        continue;
      }
      this.#seq.see(r.seq, lines[0]!);
      if (isUnsolicited(r)) {
        this.unsolicited++;
        continue;
      }
      const w = this.#waiting;
      if (!w) {
        this.strays.push(`a reply with no input waiting for it: '${lines[0]}'`);
        continue;
      }
      w.replies.push(r);
      if (w.nonce !== undefined && r.ctl.trimEnd() === w.nonce) w.done('ok');
    }
  }
}

// ---- SSH exec clets ---------------------------------------------------------------------------

export class SshLink {
  readonly #client: InstanceType<typeof Client>;
  #closed = false;

  private constructor(client: InstanceType<typeof Client>) {
    this.#client = client;
    client.on('close', () => (this.#closed = true));
    client.on('error', () => {});
  }

  static open(o: { host: string; port: number; user: string; password: string; timeoutMs: number }): Promise<SshLink> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('error', reject);
      client.once('ready', () => {
        client.off('error', reject);
        resolve(new SshLink(client));
      });
      client.connect({ host: o.host, port: o.port, username: o.user, password: o.password, readyTimeout: o.timeoutMs });
    });
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** One `exec clets` channel: the bytes (cut as given), then EOF; every line must be answered. */
  run(bytes: Buffer, cuts: number[], delayMs: number, timeoutMs: number): Promise<Outcome> {
    const shadow = new FrameDecoder({ mode: 'line' });
    const expected = [...shadow.push(bytes), ...shadow.end()].map(expectedReply);
    return new Promise((resolve) => {
      this.#client.exec('clets', (err, ch) => {
        if (err) {
          resolve({ expected, replies: [], unreadable: [], problem: { check: 'ssh exec refused', detail: err.message } });
          return;
        }
        const decoder = new ReplyDecoder('line', { maxReply: 4 * 1024 * 1024 });
        const seq = new SequenceCheck();
        const replies: Got[] = [];
        const unreadable: string[][] = [];
        let stderr = '';
        let exitCode: number | undefined;
        const take = (all: string[][]) => {
          for (const lines of all) {
            try {
              const r = { ...parseReply(lines), lines };
              seq.see(r.seq, lines[0]!);
              if (isUnsolicited(r)) continue;
              replies.push(r);
            } catch {
              unreadable.push(lines);
            }
          }
        };
        ch.on('data', (d: Buffer) => take(decoder.push(d)));
        ch.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
        ch.on('exit', (code: number | null) => (exitCode = code ?? undefined));
        ch.on('error', () => {});
        const timer = setTimeout(() => finish('timeout'), timeoutMs);
        const finish = (how: 'closed' | 'timeout') => {
          clearTimeout(timer);
          take(decoder.end());
          const outcome: Outcome = { expected, replies, unreadable };
          if (how === 'timeout') {
            outcome.problem = { check: 'unanswered', detail: `clets did not finish within ${timeoutMs} ms: ${replies.length} of ${expected.length} replies` };
            ch.close();
          } else if (unreadable.length) outcome.problem = { check: 'unreadable reply', detail: JSON.stringify(unreadable[0]).slice(0, 300) };
          else if (seq.problem) outcome.problem = { check: 'sequence', detail: seq.problem };
          else if (exitCode !== 0) outcome.problem = { check: 'clets exit', detail: `exit status ${exitCode ?? 'none'}; stderr ${JSON.stringify(stderr.slice(0, 200))}` };
          else if (stderr) outcome.problem = { check: 'clets stderr', detail: JSON.stringify(stderr.slice(0, 200)) };
          else outcome.problem = judge(expected, replies);
          resolve(outcome);
        };
        ch.once('close', () => finish('closed'));
        void write(ch, bytes, cuts, delayMs).then(
          () => ch.end(),
          () => ch.close(),
        );
      });
    });
  }

  close(): void {
    this.#client.end();
  }
}

async function write(ch: ClientChannel, bytes: Buffer, cuts: number[], delayMs: number): Promise<void> {
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    if (to <= from) continue;
    if (!ch.write(bytes.subarray(from, to))) await new Promise<void>((r) => ch.once('drain', r));
    from = to;
    if (to < bytes.length) await (delayMs > 0 ? sleep(delayMs) : new Promise<void>((r) => setImmediate(r)));
  }
}
