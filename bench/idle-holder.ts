// A child of the benchmark that holds IDLE_COUNT signed-on terminals until its stdin closes;
// prints {"count":N,"failed":F} once they are open.
import { holdIdleTerminals } from './idle.ts';

const { sockets, failed } = await holdIdleTerminals({ port: Number(process.env.IDLE_PORT), count: Number(process.env.IDLE_COUNT), son: process.env.IDLE_SON! });
process.stdout.write(JSON.stringify({ count: sockets.length, failed }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
