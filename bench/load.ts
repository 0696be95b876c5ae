// A closed-loop load for the benchmark: T terminals, each signed on, each sending its next
// inquiry as soon as the last is answered, for a fixed time. Latency is per message.
import net from 'node:net';
import { encodeRequest, ReplyDecoder } from '../protocol/index.ts';

export interface LoadReport {
  sent: number;
  perSecond: number;
  errors: number;
  statuses: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; max: number };
}

/**
 * `rate` (messages per second over all terminals): paced, each terminal sending on its own
 * schedule (and never two at once); without it, every terminal sends as fast as it is answered.
 */
export async function runLoad(o: { port: number; terminals: number; seconds: number; son: string; messages: string[]; rate?: number }): Promise<LoadReport> {
  const interval = o.rate ? (1000 * o.terminals) / o.rate : 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + o.seconds * 1000;
  const startAt = performance.now();
  const terminal = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(o.port, '127.0.0.1');
      s.setNoDelay(true);
      const dec = new ReplyDecoder('framed');
      let signedOn = false;
      let sentAt = 0;
      let due = performance.now() + Math.random() * interval; // spread the terminals' schedules
      const send = () => {
        const now = performance.now();
        if (now >= deadline) {
          s.destroy();
          return resolve();
        }
        if (interval && now < due) {
          setTimeout(send, due - now);
          return;
        }
        due += interval;
        const text = o.messages[next++ % o.messages.length]!;
        sentAt = performance.now();
        s.write(encodeRequest(text, 'framed'));
      };
      s.on('connect', () => s.write(encodeRequest(o.son, 'framed')));
      s.on('error', () => {
        errors++;
        resolve();
      });
      s.on('data', (chunk) => {
        for (const lines of dec.push(chunk)) {
          const status = lines[0]?.slice(5, 9).trim() ?? '?';
          if (!signedOn) {
            if (status !== 'ACK') {
              errors++;
              s.destroy();
              return resolve();
            }
            signedOn = true;
          } else {
            latencies.push(performance.now() - sentAt);
            const key = status === 'REJ' ? `REJ ${lines[1]?.slice(4, 7)}` : status;
            statuses[key] = (statuses[key] ?? 0) + 1;
            if (status === 'REJ') errors++;
          }
          send();
        }
      });
    });
  await Promise.all(Array.from({ length: o.terminals }, terminal));
  const elapsed = (performance.now() - startAt) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const q = (p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 1000) / 1000;
  return { sent: latencies.length, perSecond: latencies.length / elapsed, errors, statuses, latency: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) } };
}
