// The floor: the least a Node service speaking our framing can do per inquiry — read a frame,
// one Redis GET, write a reply of a HIT's size — with none of the service's rules, audit or
// formatting. Driven by the same lean load as the service, it shows how much of the gap to
// redis-benchmark belongs to Node and the machine rather than to the service (docs/PERFORMANCE.md).
// Run as a child of the benchmark: FLOOR_PORT, REDIS_URL; prints "listening" when ready.
import net from 'node:net';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true });
const key = `ccpor-floor-${process.pid}`;
const body = 'X'.repeat(1_400);
await redis.set(key, body, 'EX', 3_600);

const reply = (status: string, text: string) => `\x02QPO  ${status} CA0000000 000001 20260101000000\r\n${text}\x03`;

const server = net.createServer((s) => {
  s.setNoDelay(true);
  let pending = '';
  s.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let end: number;
    while ((end = pending.indexOf('\x03')) >= 0) {
      const frame = pending.slice(pending.indexOf('\x02') + 1, end);
      pending = pending.slice(end + 1);
      if (frame.startsWith('SON') || frame.startsWith('SOF')) {
        s.write(reply('ACK ', 'SIGNED ON'), 'latin1');
        continue;
      }
      redis.get(key).then(
        (v) => s.write(reply('HIT ', v ?? ''), 'latin1'),
        () => s.destroy(),
      );
    }
  });
  s.on('error', () => {});
});
server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => {
  server.close();
  void redis.del(key).finally(() => process.exit(0));
});
