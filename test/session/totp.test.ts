import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, base32Encode, newTotpSecret, totpAt, verifyTotp } from '../../src/session/totp.ts';

const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));

test('one-time codes match the RFC 6238 test vectors', () => {
  assert.equal(RFC_SECRET, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(totpAt(RFC_SECRET, new Date(59_000)), '287082');
  assert.equal(totpAt(RFC_SECRET, new Date(1_111_111_109_000)), '081804');
  assert.equal(totpAt(RFC_SECRET, new Date(1_234_567_890_000)), '005924');
  assert.equal(totpAt(RFC_SECRET, new Date(2_000_000_000_000)), '279037');
});

test('a code is accepted one step either side of now and refused beyond', () => {
  const secret = newTotpSecret();
  const now = new Date('2026-06-15T19:00:10Z');
  assert.ok(verifyTotp(secret, totpAt(secret, now), now));
  assert.ok(verifyTotp(secret, totpAt(secret, new Date(now.getTime() - 30_000)), now));
  assert.ok(verifyTotp(secret, totpAt(secret, new Date(now.getTime() + 30_000)), now));
  assert.ok(!verifyTotp(secret, totpAt(secret, new Date(now.getTime() - 90_000)), now));
  assert.ok(!verifyTotp(secret, 'abcdef', now));
  assert.ok(!verifyTotp(secret, '12345', now));
  assert.deepEqual(base32Decode(base32Encode(Buffer.from([1, 2, 3, 250]))), Buffer.from([1, 2, 3, 250]));
});
