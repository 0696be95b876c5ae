// AM (ICD 4): an administrative message reaches every signed-on terminal of the destination ORI,
// live, and only those; with nobody there it is refused (REJ NFD), never silently dropped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';
import { COURT, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { SHERIFF_ORI, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const backend = backends().at(-1)!;

describe(`administrative messages on ${backend.name}`, () => {
  let t: TestService;
  const terminals: TestTerminal[] = [];
  const signedOn = async (role: Parameters<typeof son>[0]) => {
    const term = await TestTerminal.connect(t.tcp);
    terminals.push(term);
    assert.equal((await term.send(son(role))).status, 'ACK');
    return term;
  };
  before(async () => {
    t = await startTestService(backend);
  });
  after(async () => {
    for (const term of terminals) term.close();
    await t.stop();
    await backend.cleanup();
  });

  test('an AM reaches every terminal signed on for the ORI, with who sent it', async () => {
    const clerk = await signedOn('CLERK');
    const judge = await signedOn('JUDGE');
    const officer = await signedOn('OFFICER');
    const ack = await officer.send(`AM.${POLICE}.DES/${COURT}.CTL/A1.MIS/SUSPECT IN CUSTODY AT 77TH STREET STATION`);
    assert.equal(ack.status, 'ACK');
    assert.equal(ack.ctl, 'A1');
    assert.deepEqual(ack.body, [`DES/${COURT} DELIVERED TO 2 TERMINALS`]);
    for (const term of [clerk, judge]) {
      const m = await term.next();
      assert.equal(m.mke, 'AM');
      assert.equal(m.status, 'MSG');
      assert.equal(m.ori, COURT);
      assert.deepEqual(m.body, [`FROM/${POLICE} USR/OFFICER1`, 'MIS/SUSPECT IN CUSTODY AT 77TH STREET STATION']);
    }
    assert.equal(officer.unread, 0, 'the sender gets its ACK only');
  });

  test('a long message is wrapped at 80 columns; nothing goes to terminals of other ORIs', async () => {
    const clerk = await signedOn('CLERK');
    const sheriff = await signedOn('SHERIFF');
    const text = 'PLEASE CALL DISPATCH '.repeat(12).trim();
    assert.equal((await sheriff.send(`AM.${SHERIFF_ORI}.DES/${COURT}.MIS/${text}`)).status, 'ACK');
    const m = await clerk.next();
    assert.ok(m.lines.every((l) => l.length <= 80), m.lines.join('\n'));
    assert.equal(m.body.slice(1).join(' ').replace(/\s+/g, ' '), `MIS/${text}`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sheriff.unread, 0);
  });

  test('after SOF a terminal no longer receives its ORI’s traffic; with nobody left, REJ NFD', async () => {
    for (const term of terminals.splice(0)) term.close(); // everyone of the tests before leaves
    const officer = await signedOn('OFFICER');
    const clerk = await signedOn('CLERK');
    assert.equal((await clerk.send(`SOF.${COURT}`)).status, 'ACK');
    const r = await officer.send(`AM.${POLICE}.DES/${COURT}.MIS/ANYONE THERE`);
    assert.equal(r.status, 'REJ');
    assert.deepEqual(r.body, [`REJ/NFD NO TERMINAL OF ${COURT} IS SIGNED ON - NOT DELIVERED`]);
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(clerk.unread, 0, 'a signed-off terminal got traffic');
  });

  test('an ORI that is no agency is a field error; a locked terminal gets nothing', async () => {
    const officer = await signedOn('OFFICER');
    const r = await officer.send(`AM.${POLICE}.DES/CA9999999.MIS/HELLO`);
    assert.deepEqual(r.body, ['REJ/FLD DES CA9999999 IS NOT A KNOWN ORI']);
    const judge = await signedOn('JUDGE');
    t.clock.advance(31 * 60_000);
    t.service.sessions.sweep();
    assert.match((await judge.next()).body[0]!, /SESSION LOCKED/);
    assert.match((await officer.next()).body[0]!, /SESSION LOCKED/);
    assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
    const refused = await officer.send(`AM.${POLICE}.DES/${OTHER_COURT}.MIS/HELLO`);
    assert.equal(refused.body[0]!.slice(0, 7), 'REJ/NFD');
    const toLocked = await officer.send(`AM.${POLICE}.DES/${COURT}.MIS/HELLO`);
    assert.equal(toLocked.body[0]!.slice(0, 7), 'REJ/NFD', 'a locked terminal counts as nobody there');
  });
});
