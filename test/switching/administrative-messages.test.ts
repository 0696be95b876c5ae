// AM and store and forward (ICD 4, issue 6): a message reaches every terminal signed on for the
// destination ORI at once; with nobody there it is kept and goes, in order and once, to the next
// terminal that signs on; it counts as delivered only when written to a live connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backends } from '../support/backends.ts';
import { COURT, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { SHERIFF_ORI, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

for (const backend of backends()) {
  describe(`administrative messages and store and forward on ${backend.name}`, () => {
    let t: TestService;
    const terminals: TestTerminal[] = [];
    const connect = async () => {
      const term = await TestTerminal.connect(t.tcp);
      terminals.push(term);
      return term;
    };
    const signedOn = async (role: Parameters<typeof son>[0]) => {
      const term = await connect();
      assert.equal((await term.send(son(role))).status, 'ACK');
      return term;
    };
    const waiting = async (ori: string) =>
      (await t.service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM terminal_messages WHERE to_ori = $1 AND delivered_at IS NULL`, [ori])).rows[0]!.n;
    const closeAll = async () => {
      for (const term of terminals.splice(0)) term.close();
      await sleep(100);
    };

    before(async () => {
      t = await startTestService(backend);
    });
    after(async () => {
      for (const term of terminals) term.close();
      await t.stop();
      await backend.cleanup();
    });

    test('an AM reaches every terminal signed on for the ORI, with who sent it, and is then delivered', async () => {
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
      await sleep(50);
      assert.equal(await waiting(COURT), 1, 'written, but no terminal heard from since: not delivered yet');
      // A terminal that sends anything after the message was alive to get it (SPEC 10.2).
      assert.equal((await judge.send(`QPO.${COURT}.PNO/PO0000000018`)).mke, 'QPO');
      await sleep(50);
      assert.equal(await waiting(COURT), 0, 'delivered once a terminal that had it was heard from');
      assert.equal(officer.unread, 0, 'the sender gets its ACK only');
      await closeAll();
    });

    test('with nobody signed on it is kept, then goes in order and once to the next terminal that signs on', async () => {
      const officer = await signedOn('OFFICER');
      for (const n of [1, 2, 3]) {
        const r = await officer.send(`AM.${POLICE}.DES/${COURT}.MIS/MESSAGE ${n} OF 3`);
        assert.deepEqual(r.body, [`DES/${COURT} KEPT FOR THE NEXT TERMINAL OF THAT ORI`]);
      }
      assert.equal(await waiting(COURT), 3);
      const clerk = await connect();
      const on = await clerk.send(son('CLERK'));
      assert.equal(on.status, 'ACK', 'the SON ACK comes first');
      const got = [await clerk.next(), await clerk.next(), await clerk.next()];
      assert.deepEqual(got.map((m) => m.body.at(-1)), ['MIS/MESSAGE 1 OF 3', 'MIS/MESSAGE 2 OF 3', 'MIS/MESSAGE 3 OF 3']);
      await clerk.send(`QPO.${COURT}.PNO/PO0000000018`);
      await sleep(50);
      assert.equal(await waiting(COURT), 0);
      // Once: another sign-on of the same ORI gets nothing.
      const judge = await signedOn('JUDGE');
      await sleep(200);
      assert.equal(judge.unread, 0);
      await closeAll();
    });

    test('a connection that drops before the message is written leaves it waiting; the next sign-on gets it', async () => {
      const officer = await signedOn('OFFICER');
      assert.equal((await officer.send(`AM.${POLICE}.DES/${SHERIFF_ORI}.MIS/CALL DISPATCH`)).status, 'ACK');
      // Signs on and hangs up at once: the service has nowhere to write the waiting message.
      const flaky = await connect();
      flaky.writeRaw(`\x02${son('SHERIFF')}\x03`);
      flaky.socket.destroy();
      await sleep(500);
      assert.equal(await waiting(SHERIFF_ORI), 1, 'not delivered to a connection that was gone');
      const sheriff = await connect();
      assert.equal((await sheriff.send(son('SHERIFF'))).status, 'ACK');
      assert.equal((await sheriff.next()).body.at(-1), 'MIS/CALL DISPATCH');
      await sheriff.send(`QPO.${SHERIFF_ORI}.PNO/PO0000000018`);
      await sleep(50);
      assert.equal(await waiting(SHERIFF_ORI), 0);
      await closeAll();
    });

    test('a locked terminal gets nothing until it signs on again; an unknown ORI is a field error', async () => {
      const officer = await signedOn('OFFICER');
      const r = await officer.send(`AM.${POLICE}.DES/CA9999999.MIS/HELLO`);
      assert.deepEqual(r.body, ['REJ/FLD DES CA9999999 IS NOT A KNOWN ORI']);
      const judge = await signedOn('JUDGE');
      t.clock.advance(31 * 60_000);
      t.service.sessions.sweep();
      assert.match((await judge.next()).body[0]!, /SESSION LOCKED/);
      assert.match((await officer.next()).body[0]!, /SESSION LOCKED/);
      assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
      const kept = await officer.send(`AM.${POLICE}.DES/${COURT}.MIS/WHILE YOU WERE LOCKED`);
      assert.deepEqual(kept.body, [`DES/${COURT} KEPT FOR THE NEXT TERMINAL OF THAT ORI`]);
      await sleep(100);
      assert.equal(judge.unread, 0, 'nothing shows on a locked screen');
      assert.equal((await judge.send(son('JUDGE'))).status, 'ACK');
      assert.equal((await judge.next()).body.at(-1), 'MIS/WHILE YOU WERE LOCKED');
      await closeAll();
    });

    test('watch notices: who got a HIT hears when the order is changed, cleared or served; not the one who changed it', async () => {
      const clerk = await signedOn('CLERK');
      const e = await clerk.send(`EPO.${COURT}.NAM/WATCHED, WALTER.SEX/M.RAC/W.DOB/19760606.TYP/DVRO.OCA/26FLW1.ISD/20260601.EXP/20290601.PCO/01.PPN/WATCHED, WENDY.PSX/F.PPB/19780808`);
      const pno = /PNO\/(\S+)/.exec(e.body[0]!)![1]!;
      const officer = await signedOn('OFFICER');
      const bystander = await signedOn('DISPATCHER');
      assert.equal((await officer.send(`QPO.${POLICE}.PNO/${pno}`)).status, 'HIT');
      assert.equal((await clerk.send(`MPO.${COURT}.PNO/${pno}.BRD/Y`)).status, 'ACK');
      const note = await officer.next();
      assert.equal(note.status, 'NOTE');
      assert.deepEqual(note.body, [`ORDER ${pno} WAS MODIFIED BY ${COURT} SINCE YOUR HIT - QUERY AGAIN`]);
      // The officer serves it himself: no notice to himself.
      assert.equal((await officer.send(`SPO.${POLICE}.PNO/${pno}.SDT/202606151100.SHW/VERBAL`)).status, 'ACK');
      await sleep(100);
      assert.equal(officer.unread, 0);
      assert.equal(bystander.unread, 0, 'a terminal that never got the HIT hears nothing');
      // Watches end with the connection that holds them.
      const passer = await signedOn('DISPATCHER');
      const before = t.service.messages.watchCount;
      assert.equal((await passer.send(`QPO.${POLICE}.PNO/${pno}`)).status, 'HIT');
      assert.equal(t.service.messages.watchCount, before + 1);
      passer.close();
      for (let i = 0; i < 50 && t.service.messages.watchCount > before; i++) await sleep(20);
      assert.equal(t.service.messages.watchCount, before, 'a closed connection kept its watches');
      // A day later the watch is over.
      t.clock.advance(25 * 3600_000);
      try {
        assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
        assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
        assert.equal((await clerk.send(`CPO.${COURT}.PNO/${pno}`)).status, 'ACK');
        await sleep(100);
        assert.ok(!(await officer.next(300).catch(() => undefined))?.body.join('').includes(pno), 'a notice after the watch ended');
      } finally {
        t.clock.advance(-25 * 3600_000);
      }
      await closeAll();
    });
  });
}
