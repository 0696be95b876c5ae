// Conflict classes and the precedence of California law, as an officer at the scene needs them:
// which orders contradict each other, and which one to enforce.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byPrecedence, conflictKinds, prevailing, type OrderTerms } from './conflicts.ts';

let n = 0;
const o = (typ: string, pco: string[], extra: Partial<OrderTerms> = {}): OrderTerms => ({
  pno: `PO${String(++n).padStart(10, '0')}`, typ, isd: '20260101', pco, dst: null, ...extra,
});

describe('conflict classes', () => {
  it('no contact against contact allowed, or against visitation', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['01', '05']), o('CPO', ['01'])), ['CONTACT']);
    assert.deepEqual(conflictKinds(o('CPO', ['01']), o('DVRO', ['01', '05'])), ['CONTACT'], 'either way round');
    assert.deepEqual(conflictKinds(o('DVRO', ['05']), o('DVRO', ['05', '06'])), ['CONTACT']);
    assert.deepEqual(conflictKinds(o('DVRO', ['05']), o('CPO', ['01', '05'])), [], 'both no-contact: they agree');
  });

  it('different stay-away distances; the same distance agrees', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['04'], { dst: 100 }), o('CHRO', ['04'], { dst: 50 })), ['DISTANCE']);
    assert.deepEqual(conflictKinds(o('DVRO', ['04'], { dst: 100 }), o('CHRO', ['04'], { dst: 100 })), []);
  });

  it('residence given to the protected person against living together', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['01', '03']), o('CPO', ['01', '07'])), ['RESIDENCE']);
    assert.deepEqual(conflictKinds(o('DVRO', ['01', '03']), o('CPO', ['01', '04'], { dst: 100 })), [], 'a stay-away keeps them apart too');
  });

  it('custody: visitation for the restrained person against exclusive custody for the protected person', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['01', '06']), o('DVTRO', ['01', '09'])), ['CUSTODY']);
  });

  it('several kinds at once, each named', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['04', '05', '09'], { dst: 100 }), o('CPO', ['04', '06'], { dst: 50 })), ['CONTACT', 'DISTANCE', 'CUSTODY']);
  });

  it('orders with compatible terms do not conflict', () => {
    assert.deepEqual(conflictKinds(o('DVRO', ['01', '07']), o('CPO', ['01', '02', '07'])), []);
  });
});

describe('precedence (Family Code 6457, Penal Code 136.2(c), Family Code 6383(h))', () => {
  it('an emergency protective order prevails over everything', () => {
    const epo = o('EPO', ['01'], { isd: '20260110' });
    const cpo = o('CPO', ['05'], { isd: '20260601' });
    assert.equal(prevailing(cpo, [epo]).pno, epo.pno);
  });

  it('then a no-contact order over orders that allow contact', () => {
    const civil = o('DVRO', ['05'], { isd: '20250101' });
    const criminal = o('CPO', ['01'], { isd: '20260101' });
    assert.equal(prevailing(criminal, [civil]).pno, civil.pno);
  });

  it('then the criminal order issued last over civil orders', () => {
    const older = o('CPO', ['04'], { isd: '20250101', dst: 100 });
    const newer = o('CPO', ['04'], { isd: '20250601', dst: 50 });
    const civil = o('DVRO', ['04'], { isd: '20260101', dst: 200 });
    assert.deepEqual(byPrecedence([civil, older, newer]).map((x) => x.pno), [newer.pno, older.pno, civil.pno]);
  });

  it('then the most recent civil order', () => {
    const a = o('CHRO', ['04'], { isd: '20250101', dst: 100 });
    const b = o('DVRO', ['04'], { isd: '20260301', dst: 50 });
    assert.equal(prevailing(a, [b]).pno, b.pno);
    assert.equal(prevailing(b, [a]).pno, b.pno, 'whichever order asks');
  });

  it('on the same day the order entered last prevails', () => {
    const first = o('DVRO', ['04'], { dst: 100 });
    const second = o('DVRO', ['04'], { dst: 50 });
    assert.equal(prevailing(first, [second]).pno, second.pno);
  });
});
