// Sessions over a real connection (ICD 6): sign-on, identical failures, lockout and release,
// one-time codes, idle lock and close, sign-off, CTL echo and sequence numbers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import { totpAt } from '../../src/session/totp.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { PASSWORD, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

for (const backend of backends()) {
  describe(`sessions on ${backend.name}`, () => {
    let t: TestService;
    const terminals: TestTerminal[] = [];
    const connect = async () => {
      const term = await TestTerminal.connect(t.tcp);
      terminals.push(term);
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

    test('only SON is accepted before sign-on, and nothing of the registry shows', async () => {
      const term = await connect();
      const r = await term.send(`QPO.${POLICE}.NAM/SMITH, JOHN.DOB/19800101`);
      assert.equal(r.status, 'REJ');
      assert.deepEqual(r.body, ['REJ/AUT NOT SIGNED ON']);
      assert.equal(r.ori, '', 'no ORI before sign-on');
    });

    test('sign-on succeeds with the right password and signs off with SOF', async () => {
      const term = await connect();
      const on = await term.send(son('OFFICER'));
      assert.equal(on.status, 'ACK');
      assert.equal(on.ori, POLICE);
      assert.deepEqual(on.body, ['SIGNED ON OFFICER1 OFFICER CA0194200']);
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC');
      const off = await term.send(`SOF.${POLICE}`);
      assert.equal(off.status, 'ACK');
      assert.equal(off.ori, POLICE, 'the acknowledgement goes to the ORI that signed off');
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).body[0], 'REJ/AUT NOT SIGNED ON');
    });

    test('user names are case-insensitive; passwords are not', async () => {
      const term = await connect();
      assert.equal((await term.send(`son.${POLICE}.usr/officer1.pwd/${PASSWORD}`)).status, 'ACK');
      assert.equal((await term.send(`SON.${POLICE}.USR/OFFICER1.PWD/${PASSWORD.toUpperCase()}`)).status, 'REJ');
    });

    test('a bad user name and a bad password get identical replies', async () => {
      const term = await connect();
      const unknownUser = await term.send(`SON.${POLICE}.USR/NOSUCHUSER.PWD/${PASSWORD}.CTL/X1`);
      const badPassword = await term.send(`SON.${POLICE}.USR/DISPATCH1.PWD/wrong-password.CTL/X1`);
      assert.deepEqual(unknownUser.body, badPassword.body);
      assert.deepEqual([unknownUser.mke, unknownUser.status, unknownUser.ori, unknownUser.ctl], [badPassword.mke, badPassword.status, badPassword.ori, badPassword.ctl]);
      assert.deepEqual(unknownUser.body, ['REJ/AUT SIGN-ON FAILED']);
      // ... and the successful sign-on afterwards resets the run of failures.
      assert.equal((await term.send(son('DISPATCHER'))).status, 'ACK');
    });

    test('five failures in 15 minutes lock the user; LCK even with the right password; an ADMIN releases', async () => {
      await addUser(t.service.registry.db, { name: 'VICTIM1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
      const term = await connect();
      for (let i = 0; i < 5; i++) {
        t.clock.advance(60_000);
        const r = await term.send(`SON.${POLICE}.USR/VICTIM1.PWD/guess-${i}`);
        assert.deepEqual(r.body, ['REJ/AUT SIGN-ON FAILED'], `attempt ${i + 1}`);
      }
      const right = await term.send(`SON.${POLICE}.USR/VICTIM1.PWD/${PASSWORD}`);
      assert.deepEqual(right.body, ['REJ/LCK ACCOUNT LOCKED - CONTACT YOUR ADMINISTRATOR']);

      const admin = await connect();
      await admin.send(son('ADMIN'));
      const ulk = await admin.send(`ULK.${POLICE}.USR/VICTIM1`);
      assert.equal(ulk.status, 'ACK');
      assert.equal((await term.send(`SON.${POLICE}.USR/VICTIM1.PWD/${PASSWORD}`)).status, 'ACK');
    });

    test('failures spread over more than 15 minutes do not lock', async () => {
      await addUser(t.service.registry.db, { name: 'SLOWTYPER', role: 'OFFICER', ori: POLICE, password: PASSWORD });
      const term = await connect();
      for (let i = 0; i < 8; i++) {
        t.clock.advance(4 * 60_000); // one failure every 4 minutes: never 5 within 15
        assert.deepEqual((await term.send(`SON.${POLICE}.USR/SLOWTYPER.PWD/nope-${i}`)).body, ['REJ/AUT SIGN-ON FAILED']);
      }
      assert.equal((await term.send(`SON.${POLICE}.USR/SLOWTYPER.PWD/${PASSWORD}`)).status, 'ACK');
    });

    test('a user with a one-time code secret needs the current code', async () => {
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      await addUser(t.service.registry.db, { name: 'MFAUSER', role: 'OFFICER', ori: POLICE, password: PASSWORD, totpSecret: secret });
      const term = await connect();
      assert.deepEqual((await term.send(`SON.${POLICE}.USR/MFAUSER.PWD/${PASSWORD}`)).body, ['REJ/AUT SIGN-ON FAILED']);
      const stale = totpAt(secret, new Date(t.clock.now().getTime() - 10 * 60_000));
      assert.equal((await term.send(`SON.${POLICE}.USR/MFAUSER.PWD/${PASSWORD}.OTP/${stale}`)).status, 'REJ');
      assert.equal((await term.send(`SON.${POLICE}.USR/MFAUSER.PWD/${PASSWORD}.OTP/${totpAt(secret, t.clock.now())}`)).status, 'ACK');
    });

    test('the right password for another agency\'s ORI is refused with REJ ORI', async () => {
      const term = await connect();
      const r = await term.send(`SON.${COURT}.USR/OFFICER1.PWD/${PASSWORD}`);
      assert.equal(r.body[0]!.slice(0, 7), 'REJ/ORI');
    });

    test('a message for an ORI other than the user\'s is refused and changes nothing', async () => {
      const term = await connect();
      await term.send(son('CLERK'));
      const r = await term.send(`EPO.${POLICE}.NAM/SMITH, JOHN.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/ORI1.ISD/20260101.EXP/20290101.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505`);
      assert.equal(r.body[0]!.slice(0, 7), 'REJ/ORI');
      assert.deepEqual(await t.service.registry.findOrdersByCase('ORI1', POLICE), []);
    });

    test('CTL is echoed in columns 43-52 and sequence numbers count per connection', async () => {
      const term = await connect();
      const a = await term.send(`${son('OFFICER')}.CTL/REQ-1`);
      const b = await term.send(`QPO.${POLICE}.PNO/PO0000000018.CTL/REQ-2`);
      const c = await term.send(`QPO.${POLICE}.PNO/PO0000000018`);
      assert.deepEqual([a.ctl, b.ctl, c.ctl], ['REQ-1', 'REQ-2', '']);
      assert.deepEqual([a.seq, b.seq, c.seq], ['000001', '000002', '000003']);
      const other = await connect();
      assert.equal((await other.send(son('OFFICER'))).seq, '000001');
    });

    test('30 idle minutes lock the session (NOTE; only SON accepted); 60 close it', async () => {
      const term = await connect();
      await term.send(son('DISPATCHER'));
      t.clock.advance(29 * 60_000);
      t.service.sessions.sweep();
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).status, 'NREC', 'not locked before 30 minutes');

      t.clock.advance(30 * 60_000);
      t.service.sessions.sweep();
      const note = await term.next();
      assert.deepEqual([note.mke, note.status], ['NOTE', 'NOTE']);
      assert.match(note.body[0]!, /SESSION LOCKED/);
      assert.equal((await term.send(`QPO.${POLICE}.PNO/PO0000000018`)).body[0], 'REJ/AUT SESSION LOCKED - SIGN ON AGAIN');
      assert.equal((await term.send(son('DISPATCHER'))).status, 'ACK', 'SON unlocks');

      t.clock.advance(60 * 60_000);
      t.service.sessions.sweep();
      const closing = await term.next();
      assert.match(closing.body[0]!, /CONNECTION CLOSED/);
      await term.closedPromise;
      assert.ok(term.closed);
    });
  });
}
