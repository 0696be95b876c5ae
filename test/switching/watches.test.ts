// Watch notices stay bounded: a terminal watches at most its 500 most recent orders, and every
// watch of a connection ends with it — a busy day of inquiries cannot grow memory without limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { Switchboard } from '../../src/session/switchboard.ts';
import { localBus } from '../../src/switching/bus.ts';
import { MessageSwitch } from '../../src/switching/switch.ts';

test('a terminal watches its 500 most recent orders; a closed connection none', async () => {
  const switchboard = new Switchboard();
  const notes: string[] = [];
  switchboard.join('CA0194200', { terminal: 'tcp-1', notify: (_s, body) => void notes.push(body[0]!) });
  const s = new MessageSwitch({ db: undefined as never, switchboard, bus: localBus, clock: new ManualClock(), log: silentLogger, instance: 'test' });
  const pnos = Array.from({ length: 600 }, (_, i) => `PO${String(i).padStart(10, '0')}`);
  s.watch('tcp-1', pnos);
  assert.equal(s.watchCount, 500);
  s.watch('tcp-1', [pnos[0]!]); // seen again: watched again, as the most recent
  assert.equal(s.watchCount, 500);
  await s.orderChanged(pnos[0]!, 'SERVE', { ori: 'CA0190000', terminal: 'tcp-9' });
  await s.orderChanged(pnos[50]!, 'SERVE', { ori: 'CA0190000', terminal: 'tcp-9' }); // gave way to newer ones
  await s.orderChanged(pnos[599]!, 'CLEAR', { ori: 'CA019015J', terminal: 'tcp-9' });
  assert.deepEqual(notes, [
    `ORDER ${pnos[0]} WAS SERVED BY CA0190000 SINCE YOUR HIT - QUERY AGAIN`,
    `ORDER ${pnos[599]} WAS CLEARED BY CA019015J SINCE YOUR HIT - QUERY AGAIN`,
  ]);
  s.forget('tcp-1');
  assert.equal(s.watchCount, 0);
});
