// TCP and TLS listeners (ICD 1, 2). Transport only moves bytes: it decodes frames, hands texts to
// the session and writes what the session sends. Backpressure both ways: a peer that does not
// read its replies stops being read, and so does one that sends faster than it is answered.
import net from 'node:net';
import tls from 'node:tls';
import { encodeReply, FrameDecoder, frameProblemRejection, tooLongRejection, type FrameMode } from '../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { SessionManager } from '../session/manager.ts';

const MAX_BACKLOG = 32; // messages received and not yet answered, per connection

export interface ListenOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export function listenTerminals(manager: SessionManager, opts: ListenOptions, log: Logger): Promise<net.Server> {
  const kind = opts.tls ? 'tls' : 'tcp';
  const onSocket = (socket: net.Socket) => serveSocket(manager, socket, kind, log);
  const server = opts.tls
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 }, onSocket)
    : net.createServer(onSocket);
  // A failed TLS handshake never reaches onSocket; it must not crash or spam either.
  server.on('tlsClientError', (err: Error) => log.debug({ err: err.message }, 'tls handshake failed'));
  server.on('error', (err) => log.error({ err: err.message, kind }, 'listener error'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function serveSocket(manager: SessionManager, socket: net.Socket, kind: string, log: Logger): void {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  const source = `${socket.remoteAddress}:${socket.remotePort}`;
  const terminal = manager.terminalId(kind);
  const decoder = new FrameDecoder({ mode: 'auto' });
  let mode: FrameMode = 'framed';
  let paused = false;
  const conn = log.child({ terminal, source });

  const session = manager.open({
    terminal,
    source,
    send(lines) {
      if (socket.destroyed) return;
      if (!socket.write(encodeReply(lines, mode))) pause();
    },
    close() {
      socket.end();
      setTimeout(() => socket.destroy(), 2_000).unref();
    },
  });
  if (!session) {
    conn.warn('connection limit reached; refusing');
    socket.destroy();
    return;
  }
  conn.debug('connected');

  function pause() {
    if (!paused) {
      paused = true;
      socket.pause();
    }
  }
  function maybeResume() {
    if (paused && socket.writableLength === 0 && session!.backlog < MAX_BACKLOG) {
      paused = false;
      socket.resume();
    }
  }
  socket.on('drain', maybeResume);

  socket.on('data', (chunk: Buffer) => {
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
  socket.on('end', () => {
    // A last line without LF is a message; a frame left open is refused (for the audit trail).
    for (const ev of decoder.end()) {
      if (ev.type === 'message') void session.receive(ev.text);
      else if (ev.type === 'malformed') void session.receiveRejection(frameProblemRejection(ev), ev.text);
    }
    socket.end();
  });
  socket.on('error', (err) => conn.debug({ err: err.message }, 'socket error'));
  socket.on('close', () => {
    manager.closed(session);
    conn.debug('disconnected');
  });
}
