// TCP and TLS listeners (ICD 1, 2): each connection is a terminal stream (./stream.ts).
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.ts';
import type { SessionManager } from '../session/manager.ts';
import { serveTerminalStream } from './stream.ts';

export interface ListenOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export function listenTerminals(manager: SessionManager, opts: ListenOptions, log: Logger): Promise<net.Server> {
  const kind = opts.tls ? 'tls' : 'tcp';
  const onSocket = (socket: net.Socket) => serveSocket(manager, socket, kind, log);
  const server = opts.tls
    // allowHalfOpen: a terminal that sends its messages and then its FIN (`nc -N`) still gets every
    // reply; the stream ends our side once all are answered (stream.ts).
    ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000, allowHalfOpen: true }, onSocket)
    : net.createServer({ allowHalfOpen: true }, onSocket);
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
  serveTerminalStream(manager, socket, { kind, source: `${socket.remoteAddress}:${socket.remotePort}`, mode: 'auto' }, log);
}
