// TCP and TLS listeners (ICD 1, 2): each connection is a terminal stream (./stream.ts).
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.ts';
import type { SessionManager } from '../session/manager.ts';
import { serveTerminalStream } from './stream.ts';

/** TLS 1.3 and 1.2 suites with AES-GCM (FIPS 140 approved); ECDHE for forward secrecy. */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export interface ListenOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export function listenTerminals(manager: SessionManager, opts: ListenOptions, log: Logger): Promise<net.Server> {
  const kind = opts.tls ? 'tls' : 'tcp';
  const onSocket = (socket: net.Socket) => {
    // Half-open once it is a terminal: one that sends its messages and then its FIN (`nc -N`) still
    // gets every reply, and stream.ts ends our side once all are answered. Not on the server: a
    // TLS client that hangs up during the handshake would then be held open for ever.
    socket.allowHalfOpen = true;
    serveSocket(manager, socket, kind, log);
  };
  const server = opts.tls
    ? tls.createServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          minVersion: 'TLSv1.2',
          // AES-GCM only (CJIS SC-13: FIPS-approved), ours chosen over the client's order.
          ciphers: TLS_CIPHERS,
          honorCipherOrder: true,
          handshakeTimeout: 10_000,
        },
        onSocket,
      )
    : net.createServer(onSocket);
  // A failed TLS handshake never reaches onSocket; it must not crash, spam, or hold the socket.
  server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    log.debug({ err: err.message }, 'tls handshake failed');
    socket.destroy();
  });
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
