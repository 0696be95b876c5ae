// Idle terminals: N connections, each signed on, then quiet — what a shift of patrol cars looks
// like to the service. Used to measure the service's memory per held session.
import net from 'node:net';
import { encodeRequest, ReplyDecoder } from '../protocol/index.ts';

export interface IdleTerminals {
  count: number;
  failed: number;
  close(): void;
}

export async function openIdleTerminals(
  o: { port: number; count: number; son: string; parallel?: number },
): Promise<IdleTerminals> {
  const sockets: net.Socket[] = [];
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(o.port, '127.0.0.1');
      const dec = new ReplyDecoder('framed');
      const timer = setTimeout(() => done(false), 30_000);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        if (ok) sockets.push(s);
        else {
          failed++;
          s.destroy();
        }
        s.removeAllListeners('data');
        resolve();
      };
      s.on('error', () => done(false));
      s.on('connect', () => s.write(encodeRequest(o.son, 'framed')));
      s.on('data', (chunk) => {
        for (const lines of dec.push(chunk)) done(lines[0]?.slice(5, 9) === 'ACK ');
      });
    });
  const parallel = o.parallel ?? 100;
  for (let i = 0; i < o.count; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, o.count - i) }, one));
  }
  return {
    count: sockets.length,
    failed,
    close: () => sockets.forEach((s) => s.destroy()),
  };
}
