// "Today" in California decides what has expired (ICD 4.2): the local date must turn at local
// midnight exactly, whichever zone asked last and however often it is asked within a minute.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localDate } from '../../db/dates.ts';

test('the local date turns at local midnight, to the millisecond, in each zone asked', () => {
  const la = 'America/Los_Angeles';
  // 2026-06-16 00:00 in California is 07:00 UTC (PDT); in New York midnight came at 04:00 UTC.
  assert.equal(localDate(new Date('2026-06-16T06:59:59.999Z'), la), '20260615');
  assert.equal(localDate(new Date('2026-06-16T06:59:00.000Z'), la), '20260615', 'same minute again');
  assert.equal(localDate(new Date('2026-06-16T06:59:30.000Z'), 'America/New_York'), '20260616');
  assert.equal(localDate(new Date('2026-06-16T06:59:59.000Z'), la), '20260615', 'another zone in between');
  assert.equal(localDate(new Date('2026-06-16T07:00:00.000Z'), la), '20260616');
  // Back in time (a test clock): still right.
  assert.equal(localDate(new Date('2026-06-16T06:59:59.999Z'), la), '20260615');
  // Winter: PST, midnight at 08:00 UTC.
  assert.equal(localDate(new Date('2026-12-01T07:59:59.999Z'), la), '20261130');
  assert.equal(localDate(new Date('2026-12-01T08:00:00.000Z'), la), '20261201');
});
