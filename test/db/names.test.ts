import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatName, parseName } from '../../db/names.ts';
import { nysiis } from '../../db/nysiis.ts';
import { isWellFormedPno, pnoFromSequence } from '../../protocol/fields.ts';
import { effectiveStatus } from '../../db/status.ts';

test('NYSIIS gives sound-alike surnames one key', () => {
  assert.equal(nysiis('STEVENS'), nysiis('STEPHENS'));
  assert.equal(nysiis('JOHNSON'), nysiis('JONSON'));
  assert.equal(nysiis('MACDONALD'), nysiis('MCDONALD'));
  assert.equal(nysiis('KNIGHT'), nysiis('NIGHT'));
  assert.notEqual(nysiis('SMITH'), nysiis('JONES'));
  // Published examples of the algorithm.
  assert.equal(nysiis('MACINTOSH'), 'MCANT');
  assert.equal(nysiis('KNUTH'), 'NAT');
  assert.equal(nysiis("O'BRIEN"), nysiis('OBRIEN'));
  assert.equal(nysiis(''), '');
});

test('names parse into parts and print in the NCIC form', () => {
  assert.deepEqual(parseName('smith ,  john  paul jr'), { last: 'SMITH', first: 'JOHN', middle: 'PAUL', suffix: 'JR' });
  assert.deepEqual(parseName("O'BRIEN-LEE, MARY"), { last: "O'BRIEN-LEE", first: 'MARY', middle: '', suffix: '' });
  assert.deepEqual(parseName('PRINCE'), { last: 'PRINCE', first: '', middle: '', suffix: '' });
  assert.equal(formatName(parseName('SMITH,JOHN   PAUL')), 'SMITH, JOHN PAUL');
  // A lone given name that looks like a suffix stays a given name.
  assert.equal(parseName('JONES, V').first, 'V');
});

test('PNOs carry a check digit that catches a mistyped digit', () => {
  const pno = pnoFromSequence(12345);
  assert.match(pno, /^PO\d{10}$/);
  assert.ok(isWellFormedPno(pno));
  const typo = pno.slice(0, 5) + ((Number(pno[5]) + 1) % 10) + pno.slice(6);
  assert.ok(!isWellFormedPno(typo));
  assert.ok(!isWellFormedPno('XX0000000000'));
});

test('an order is in force through its expiration date in California, expired from the next midnight', () => {
  const tz = 'America/Los_Angeles';
  // 23:59 on 2026-03-10 in California is 06:59 UTC on the 11th.
  assert.equal(effectiveStatus('ACTIVE', '20260310', new Date('2026-03-11T06:59:00Z'), tz), 'ACTIVE');
  assert.equal(effectiveStatus('ACTIVE', '20260310', new Date('2026-03-11T07:00:00Z'), tz), 'EXPIRED');
  assert.equal(effectiveStatus('ACTIVE', null, new Date('2100-01-01T00:00:00Z'), tz), 'ACTIVE');
  assert.equal(effectiveStatus('CLEARED', '20990101', new Date('2026-01-01T00:00:00Z'), tz), 'CLEARED');
});
