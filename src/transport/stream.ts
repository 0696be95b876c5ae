// A terminal on any byte stream: a TCP or TLS socket, or an SSH channel running `clets`. Moves
// bytes only: decodes frames (or lines), hands texts to a session, writes what it sends.
// Backpressure both ways: a peer that does not read its replies stops being read, and so does
// one that sends faster than it is answered.
import type { Duplex } from 'node:stream';
import { encodeReply, FrameDecoder, frameProblemRejection, tooLongRejection, type FrameMode } from '../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { SessionManager } from '../session/manager.ts';
import type { Session } from '../session/session.ts';

const MAX_BACKLOG = 32; // messages received and not yet answered, per connection

export interface TerminalStreamOptions {
  /** `tcp`, `tls`, `ssh`: the first part of the terminal id. */
  kind: string;
  /** The peer's address and port. */
  source: string;
  /** `auto` (framed or line, from the first byte) or fixed. */
  mode: 'auto' | FrameMode;
  /** Called with the new session before any byte is read (e.g. to sign on an SSH user). */
  onSession?: (s: Session) => void;
  /** The peer finished sending and every message has been answered. Default: end the stream. */
  onFinished?: () => void;
  /** Hang up (idle close, shutdown). Default: end, then destroy after 2 s. */
  hangUp?: () => void;
}

/** Serves one terminal on `stream`; undefined when the service is at its connection limit. */
export function serveTerminalStream(manager: SessionManager, stream: Duplex, o: TerminalStreamOptions, log: Logger): Session | undefined {
  const terminal = manager.terminalId(o.kind);
  const decoder = new FrameDecoder({ mode: o.mode });
  let mode: FrameMode = o.mode === 'line' ? 'line' : 'framed';
  let paused = false;
  const conn = log.child({ terminal, source: o.source });

  const session = manager.open({
    terminal,
    source: o.source,
    send(lines, onWritten) {
      if (stream.destroyed || stream.writableEnded) return onWritten?.(false);
      if (!stream.write(encodeReply(lines, mode), onWritten && ((err) => onWritten(!err)))) pause();
    },
    close() {
      if (o.hangUp) return o.hangUp();
      stream.end();
      setTimeout(() => stream.destroy(), 2_000).unref();
    },
  });
  if (!session) {
    conn.warn('connection limit reached; refusing');
    stream.destroy();
    return undefined;
  }
  conn.debug('connected');
  o.onSession?.(session);

  function pause() {
    if (!paused) {
      paused = true;
      stream.pause();
    }
  }
  function maybeResume() {
    // writableNeedDrain, not writableLength === 0: a write that fit leaves bytes queued on a TLS
    // socket without any 'drain' to follow, and the connection would never be read again.
    if (paused && !stream.writableNeedDrain && session!.backlog < MAX_BACKLOG) {
      paused = false;
      stream.resume();
    }
  }
  stream.on('drain', maybeResume);

  stream.on('data', (chunk: Buffer) => {
    for (const ev of decoder.push(chunk)) {
      mode = decoder.mode ?? mode;
      let done: Promise<void>;
      if (ev.type === 'message') done = session.receive(ev.text);
      else if (ev.type === 'too-long') done = session.receiveRejection(tooLongRejection(ev.head), ev.head);
      else done = session.receiveRejection(frameProblemRejection(ev), ev.text);
      void done.then(maybeResume);
    }
    if (session.backlog >= MAX_BACKLOG) pause();
  });
  stream.on('end', () => {
    session.peerFinished();
    // A last line without LF is a message; a frame left open is refused (for the audit trail).
    for (const ev of decoder.end()) {
      if (ev.type === 'message') void session.receive(ev.text);
      // A frame left open at the end is audited, not answered (SPEC 2.1): the terminal is leaving.
      else if (ev.type === 'malformed') void session.recordUnanswered(frameProblemRejection(ev), ev.text);
    }
    // Answer everything already received before ending our side.
    void session.settled().then(() => (o.onFinished ? o.onFinished() : stream.end()));
  });
  stream.on('error', (err) => conn.debug({ err: err.message }, 'stream error'));
  stream.on('close', () => {
    manager.closed(session);
    conn.debug('disconnected');
  });
  return session;
}
