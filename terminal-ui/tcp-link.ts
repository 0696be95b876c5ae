// A ProtocolLink over TCP or TLS (ICD 1, 2): framed mode, each message STX text ETX, replies
// reassembled with protocol's ReplyDecoder. Used by `npm run console`; the SSH server has its own.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { encodeRequest, ReplyDecoder } from '../protocol/index.ts';
import type { ProtocolLink } from './link.ts';

export interface TcpLinkOptions {
  host: string;
  port: number;
  tls?: boolean;
  /** Accept any certificate (the service's self-signed one). */
  insecure?: boolean;
  /** PEM file of the certificate authority (or the self-signed certificate) to trust. */
  ca?: string;
  connectTimeoutMs?: number;
}

export class TcpLink implements ProtocolLink {
  readonly connection: string;
  readonly #socket: net.Socket;
  readonly #decoder = new ReplyDecoder('framed');
  readonly #messageListeners: ((lines: string[]) => void)[] = [];
  readonly #closeListeners: ((reason: string) => void)[] = [];
  /** Messages that arrived before anyone listened. */
  readonly #early: string[][] = [];
  #closed: string | undefined;

  private constructor(socket: net.Socket, connection: string) {
    this.#socket = socket;
    this.connection = connection;
    socket.on('data', (chunk: Buffer) => {
      let replies: string[][];
      try {
        replies = this.#decoder.push(chunk);
      } catch (err) {
        this.#end(`PROTOCOL ERROR: ${(err as Error).message}`);
        socket.destroy();
        return;
      }
      for (const lines of replies) this.#deliver(lines);
    });
    socket.on('error', (err) => this.#end(err.message));
    socket.on('close', () => this.#end('CLOSED BY THE SERVICE'));
  }

  /** Connects (TLS 1.2 or later with `tls`); rejects with a one-line reason. */
  static connect(o: TcpLinkOptions): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = o.tls
          ? tls.connect({
              host: o.host,
              port: o.port,
              rejectUnauthorized: !o.insecure,
              minVersion: 'TLSv1.2',
              ...(o.ca ? { ca: readFileSync(o.ca) } : {}),
              ...(net.isIP(o.host) ? {} : { servername: o.host }),
            })
          : net.connect({ host: o.host, port: o.port });
      } catch (err) {
        reject(err as Error);
        return;
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${o.host}:${o.port} within ${o.connectTimeoutMs ?? 10_000} ms`));
      }, o.connectTimeoutMs ?? 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', fail);
      socket.once(o.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.setNoDelay(true);
        resolve(new TcpLink(socket, `${o.tls ? 'tls' : 'tcp'} ${o.host}:${o.port}`));
      });
    });
  }

  send(text: string): void {
    if (this.#closed !== undefined) throw new Error('connection closed');
    this.#socket.write(encodeRequest(text, 'framed'));
  }

  onMessage(listener: (lines: string[]) => void): void {
    this.#messageListeners.push(listener);
    for (const lines of this.#early.splice(0)) listener(lines);
  }

  onClose(listener: (reason: string) => void): void {
    if (this.#closed !== undefined) listener(this.#closed);
    else this.#closeListeners.push(listener);
  }

  close(): void {
    if (this.#closed === undefined) this.#closed = 'CLOSED BY THE CONSOLE';
    this.#socket.end();
    this.#socket.destroySoon();
  }

  #deliver(lines: string[]): void {
    if (this.#messageListeners.length === 0) this.#early.push(lines);
    else for (const l of this.#messageListeners) l(lines);
  }

  #end(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason.toUpperCase();
    for (const l of this.#closeListeners.splice(0)) l(this.#closed);
  }
}
