// Hit confirmation (ICD 4 YQ/YR, issue 6): an officer's YQ reaches the issuing court (and up to two
// more ORIs), which must answer (YR) within 10 minutes (PRI/U) or 60 (PRI/R); no answer in time
// brings a NOTE and a second request, then escalation. Timers live in the registry and survive a
// restart. The service's clock is moved by hand and the timer job run with runOnce().
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setEscalationOri } from '../../db/hit-requests.ts';
import { nextLocalTime } from '../../src/switching/hit-confirmation.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, entry, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { SHERIFF_ORI, son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const backend = backends().at(-1)!;
const MIN = 60_000;
// The timer runs only when a test says so.
const env = { CCPOR_HIT_CONFIRMATION_CHECK_SECONDS: '0' };

const stamp = (t: Date) => t.toISOString().replace(/\D/g, '').slice(0, 12);

describe(`hit confirmation (YQ, YR) on ${backend.name}`, () => {
  let t: TestService;
  const terminals: TestTerminal[] = [];
  const connect = async (svc = t) => {
    const term = await TestTerminal.connect(svc.tcp);
    terminals.push(term);
    return term;
  };
  const signedOn = async (role: Parameters<typeof son>[0], svc = t) => {
    const term = await connect(svc);
    assert.equal((await term.send(son(role))).status, 'ACK');
    return term;
  };
  const closeAll = async () => {
    for (const term of terminals.splice(0)) term.close();
    await sleep(100);
  };
  /** Nothing more arrives on these terminals. */
  const quiet = async (...terms: TestTerminal[]) => {
    await sleep(150);
    for (const term of terms) assert.equal(term.unread, 0, `unexpected: ${term.unread ? JSON.stringify((await term.next()).lines) : ''}`);
  };
  let oca = 0;
  const newOrder = async (svc = t) => {
    const { pno } = await svc.service.registry.enterOrder(entry({ oca: `HIT${++oca}`, restrained: { name: 'HITT, HARRY', dob: '19790707' } }), CLERK);
    return pno;
  };
  const timers = () => t.service.hitConfirmations.runOnce();

  before(async () => {
    t = await startTestService(backend, { env });
  });
  after(async () => {
    for (const term of terminals) term.close();
    await t.stop();
    await backend.cleanup();
  });

  test('confirmed: the court gets the YQ, answers CNF/Y, the officer gets the YR; no timer afterwards', async () => {
    const pno = await newOrder();
    const clerk = await signedOn('CLERK');
    const officer = await signedOn('OFFICER');
    const due = new Date(t.clock.now().getTime() + 10 * MIN);
    const ack = await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U.CTL/Y1.MIS/SUBJECT DETAINED AT 5TH AND MAIN`);
    assert.equal(ack.status, 'ACK', ack.lines.join('\n'));
    assert.equal(ack.ctl, 'Y1');
    assert.deepEqual(ack.body, [`PNO/${pno} RNO/1 PRI/U DUE/${stamp(due)}`, `DES/${COURT}`]);

    const yq = await clerk.next();
    assert.equal(yq.mke, 'YQ');
    assert.equal(yq.status, 'MSG');
    assert.equal(yq.ori, COURT);
    assert.deepEqual(yq.body, [
      `PNO/${pno} RNO/1 PRI/U RTY/PO DUE/${stamp(due)}`,
      `FROM/${POLICE} USR/OFFICER1`,
      'NAM/HITT, HARRY DOB/19790707',
      `TYP/DVRO CTI/${COURT} OCA/HIT${oca}`,
      `DES/${COURT}`,
      'MIS/SUBJECT DETAINED AT 5TH AND MAIN',
    ]);
    assert.ok(yq.lines.every((l) => l.length <= 80));

    const r = await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y.MIS/ORDER ON FILE AND SERVED`);
    assert.equal(r.status, 'ACK', r.lines.join('\n'));
    assert.deepEqual(r.body, [`PNO/${pno} RNO/1 CNF/Y`, `DES/${POLICE}`]);
    const yr = await officer.next();
    assert.equal(yr.mke, 'YR');
    assert.equal(yr.status, 'MSG');
    assert.deepEqual(yr.body, ['HIT CONFIRMED', `PNO/${pno} RNO/1 CNF/Y`, `FROM/${COURT} USR/CLERK1`, 'MIS/ORDER ON FILE AND SERVED']);

    // Answered: the timers stopped, and the request is no longer pending.
    t.clock.advance(30 * MIN);
    assert.equal(await timers(), 0);
    const again = await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/N`);
    assert.deepEqual(again.body, [`REJ/NFD NO PENDING YQ FOR PNO/${pno} RNO/1`]);
    await quiet(officer, clerk);
    await closeAll();
  });

  test('not confirmed: CNF/N reaches the requester; extra destinations get the request too', async () => {
    const pno = await newOrder();
    const clerk = await signedOn('CLERK');
    const sheriff = await signedOn('SHERIFF');
    const officer = await signedOn('OFFICER');
    const ack = await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/2.PRI/U.DES/${SHERIFF_ORI}.DES/${COURT}`);
    assert.equal(ack.body[1], `DES/${COURT} ${SHERIFF_ORI}`, 'the issuing court first, named once');
    for (const term of [clerk, sheriff]) assert.equal((await term.next()).mke, 'YQ');
    const r = await sheriff.send(`YR.${SHERIFF_ORI}.PNO/${pno}.RNO/2.CNF/N.MIS/ORDER VACATED IN COURT TODAY`);
    assert.equal(r.status, 'ACK', r.lines.join('\n'));
    const yr = await officer.next();
    assert.deepEqual(yr.body, ['HIT NOT CONFIRMED', `PNO/${pno} RNO/2 CNF/N`, `FROM/${SHERIFF_ORI} USR/SHERIFF1`, 'MIS/ORDER VACATED IN COURT TODAY']);
    t.clock.advance(30 * MIN);
    assert.equal(await timers(), 0);
    await quiet(officer, clerk, sheriff);
    await closeAll();
  });

  test('will confirm by TIM: no NOTE before that time, a NOTE and a second request after it', async () => {
    t.clock.set(new Date('2026-06-16T19:00:00Z')); // 12:00 in California
    const pno = await newOrder();
    const clerk = await signedOn('CLERK');
    const officer = await signedOn('OFFICER');
    assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`)).status, 'ACK');
    await clerk.next();
    const r = await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/T.TIM/1230.DES/${POLICE}.MIS/PULLING THE FILE`);
    assert.equal(r.status, 'ACK', r.lines.join('\n'));
    assert.deepEqual(r.body, [`PNO/${pno} RNO/1 CNF/T TIM/1230 DUE/202606161930`, `DES/${POLICE}`]);
    const yr = await officer.next();
    assert.deepEqual(yr.body, ['WILL CONFIRM BY 1230', `PNO/${pno} RNO/1 CNF/T TIM/1230 DUE/202606161930`, `FROM/${COURT} USR/CLERK1`, 'MIS/PULLING THE FILE']);

    t.clock.advance(20 * MIN); // past the 10 minutes, before 12:30
    assert.equal(await timers(), 0);
    await quiet(officer, clerk);

    t.clock.advance(11 * MIN); // 12:31
    assert.equal(await timers(), 1);
    const note = await officer.next();
    assert.equal(note.status, 'NOTE');
    assert.deepEqual(note.body, [
      `NO CONFIRMATION BY 1230 AS PROMISED BY ${COURT} - SECOND REQUEST SENT`,
      `PNO/${pno} RNO/1 PRI/U DUE/202606161941`,
      `DES/${COURT}`,
    ]);
    const second = await clerk.next();
    assert.equal(second.mke, 'YQ');
    assert.equal(second.body[0], 'SECOND REQUEST - NO ANSWER TO THE FIRST IN 10 MIN');
    // The answer to the second request ends it.
    assert.equal((await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y`)).status, 'ACK');
    assert.equal((await officer.next()).body[0], 'HIT CONFIRMED');
    t.clock.advance(60 * MIN);
    assert.equal(await timers(), 0);
    await quiet(officer, clerk);
    await closeAll();
  });

  test('a TIM already past today means that time tomorrow (California time, across DST too)', () => {
    const noon = new Date('2026-06-16T19:00:00Z'); // 12:00 PDT
    assert.equal(nextLocalTime(noon, '1230', 'America/Los_Angeles').toISOString(), '2026-06-16T19:30:00.000Z');
    assert.equal(nextLocalTime(noon, '1100', 'America/Los_Angeles').toISOString(), '2026-06-17T18:00:00.000Z');
    assert.equal(nextLocalTime(noon, '1200', 'America/Los_Angeles').toISOString(), '2026-06-17T19:00:00.000Z');
    // 23:00 PDT on the Saturday before DST ends; 0100 next is still PDT, 0300 is PST.
    const late = new Date('2026-11-01T06:00:00Z');
    assert.equal(nextLocalTime(late, '0300', 'America/Los_Angeles').toISOString(), '2026-11-01T11:00:00.000Z');
    assert.equal(nextLocalTime(new Date('2026-12-01T20:00:00Z'), '0800', 'America/Los_Angeles').toISOString(), '2026-12-02T16:00:00.000Z');
  });

  test('no answer: a NOTE and a second request; no answer again: NOTEs to the requester and the escalation ORI; a late YR still arrives', async () => {
    await setEscalationOri(t.service.registry.db, COURT, SHERIFF_ORI);
    try {
      const pno = await newOrder();
      const clerk = await signedOn('CLERK');
      const sheriff = await signedOn('SHERIFF');
      const officer = await signedOn('OFFICER');
      const start = t.clock.now().getTime();
      assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U.DES/${OTHER_COURT}.MIS/IN CUSTODY`)).status, 'ACK');
      await clerk.next();

      t.clock.advance(10 * MIN - 1_000);
      assert.equal(await timers(), 0, 'not before 10 minutes');
      t.clock.advance(1_000);
      assert.equal(await timers(), 1);
      const note = await officer.next();
      assert.equal(note.mke, 'NOTE');
      assert.equal(note.status, 'NOTE');
      assert.deepEqual(note.body, [
        'NO ANSWER TO YQ IN 10 MIN - SECOND REQUEST SENT',
        `PNO/${pno} RNO/1 PRI/U DUE/${stamp(new Date(start + 20 * MIN))}`,
        `DES/${COURT} ${OTHER_COURT}`,
      ]);
      const second = await clerk.next();
      assert.equal(second.mke, 'YQ');
      assert.equal(second.status, 'MSG');
      assert.equal(second.body[0], 'SECOND REQUEST - NO ANSWER TO THE FIRST IN 10 MIN');
      assert.ok(second.body.includes('MIS/IN CUSTODY'));
      assert.equal(await timers(), 0, 'once');
      await quiet(officer, clerk, sheriff);

      t.clock.advance(10 * MIN);
      assert.equal(await timers(), 1);
      const escalated = await officer.next();
      assert.equal(escalated.status, 'NOTE');
      assert.deepEqual(escalated.body, [
        'NO ANSWER TO SECOND YQ IN 10 MIN',
        `${COURT} ESCALATED TO ${SHERIFF_ORI}`,
        `${OTHER_COURT} HAS NO ESCALATION ORI - CALL THE AGENCY`,
        `PNO/${pno} RNO/1 PRI/U`,
      ]);
      const toSheriff = await sheriff.next();
      assert.equal(toSheriff.mke, 'NOTE');
      assert.equal(toSheriff.status, 'NOTE');
      assert.equal(toSheriff.ori, SHERIFF_ORI);
      assert.deepEqual(toSheriff.body, [
        `YQ NOT ANSWERED BY ${COURT} AFTER TWO REQUESTS - PLEASE ANSWER BY YR`,
        `PNO/${pno} RNO/1 PRI/U RTY/PO`,
        `FROM/${POLICE} USR/OFFICER1`,
        'NAM/HITT, HARRY DOB/19790707',
        `TYP/DVRO CTI/${COURT} OCA/HIT${oca}`,
        'MIS/IN CUSTODY',
      ]);
      t.clock.advance(60 * MIN);
      assert.equal(await timers(), 0, 'nothing after escalation');
      await quiet(officer, clerk, sheriff);

      // The court answers late: still delivered.
      assert.equal((await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y`)).status, 'ACK');
      assert.equal((await officer.next()).body[0], 'HIT CONFIRMED');
      await quiet(officer, clerk, sheriff);
    } finally {
      await setEscalationOri(t.service.registry.db, COURT, null);
    }
    await closeAll();
  });

  test('escalation ORIs: only registered agencies, never the agency itself', async () => {
    const db = t.service.registry.db;
    await assert.rejects(setEscalationOri(db, 'CA0000000', SHERIFF_ORI), /no agency CA0000000/);
    await assert.rejects(setEscalationOri(db, COURT, 'CA0000000'), /no agency CA0000000/);
    await assert.rejects(setEscalationOri(db, COURT, COURT), /its own escalation ORI/);
  });

  test('PRI/R: 60 minutes; without an escalation ORI the requester is told so', async () => {
    const pno = await newOrder();
    const officer = await signedOn('DISPATCHER');
    const ack = await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/3.PRI/R`);
    assert.equal(ack.body[0], `PNO/${pno} RNO/3 PRI/R DUE/${stamp(new Date(t.clock.now().getTime() + 60 * MIN))}`);
    t.clock.advance(59 * MIN);
    assert.equal(await timers(), 0);
    t.clock.advance(1 * MIN);
    assert.equal(await timers(), 1);
    assert.equal((await officer.next()).body[0], 'NO ANSWER TO YQ IN 60 MIN - SECOND REQUEST SENT');
    t.clock.advance(60 * MIN);
    assert.equal(await timers(), 1);
    assert.deepEqual((await officer.next()).body.slice(0, 2), ['NO ANSWER TO SECOND YQ IN 60 MIN', `${COURT} HAS NO ESCALATION ORI - CALL THE AGENCY`]);
    // The court was never signed on: both requests wait for its next terminal, in order.
    const clerk = await signedOn('CLERK');
    const first = await clerk.next();
    const second = await clerk.next();
    assert.equal(first.body[0], `PNO/${pno} RNO/3 PRI/R RTY/PO DUE/${stamp(new Date(t.clock.now().getTime() - 60 * MIN))}`);
    assert.equal(second.body[0], 'SECOND REQUEST - NO ANSWER TO THE FIRST IN 60 MIN');
    await quiet(officer, clerk);
    await closeAll();
  });

  test('refusals: role, no such order, unknown DES, a YR from an ORI the request did not go to, nothing pending', async () => {
    const pno = await newOrder();
    const clerk = await signedOn('CLERK');
    const judge = await signedOn('JUDGE');
    const sheriff = await signedOn('SHERIFF');
    const officer = await signedOn('OFFICER');
    const body = async (term: TestTerminal, text: string) => (await term.send(text)).body;
    assert.deepEqual(await body(clerk, `YQ.${COURT}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`), ['REJ/PRM YQ NOT PERMITTED FOR ROLE CLERK']);
    assert.deepEqual(await body(officer, `YQ.${POLICE}.PNO/PO9999999999.RTY/PO.RNO/1.PRI/U`), ['REJ/NFD NO ORDER PO9999999999']);
    assert.deepEqual(await body(officer, `YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U.DES/CA9999999`), ['REJ/FLD DES CA9999999 IS NOT A KNOWN ORI']);
    assert.deepEqual(await body(clerk, `YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y`), [`REJ/NFD NO PENDING YQ FOR PNO/${pno} RNO/1`]);
    await quiet(clerk, judge, sheriff);

    assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`)).status, 'ACK');
    await clerk.next();
    await judge.next();
    assert.deepEqual(await body(officer, `YR.${POLICE}.PNO/${pno}.RNO/1.CNF/Y`), ['REJ/PRM YR NOT PERMITTED FOR ROLE OFFICER']);
    assert.deepEqual(await body(judge, `YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y`), ['REJ/PRM YR NOT PERMITTED FOR ROLE JUDGE']);
    assert.deepEqual(await body(sheriff, `YR.${SHERIFF_ORI}.PNO/${pno}.RNO/1.CNF/Y`), [`REJ/PRM ${SHERIFF_ORI} IS NOT A DESTINATION OF YQ PNO/${pno} RNO/1`]);
    assert.deepEqual(await body(clerk, `YR.${COURT}.PNO/${pno}.RNO/2.CNF/Y`), [`REJ/NFD NO PENDING YQ FOR PNO/${pno} RNO/2`]);
    assert.deepEqual(await body(clerk, `YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y.DES/${SHERIFF_ORI}`), [`REJ/NFD NO PENDING YQ FOR PNO/${pno} RNO/1 FROM ${SHERIFF_ORI}`]);
    await quiet(officer, clerk, judge, sheriff);
    // The refusals changed nothing: the request is still pending and answerable.
    assert.equal((await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/N`)).status, 'ACK');
    assert.equal((await officer.next()).body[0], 'HIT NOT CONFIRMED');
    await closeAll();
  });

  test('a YR for a requester that signed off goes to the next terminal of its ORI', async () => {
    const pno = await newOrder();
    const clerk = await signedOn('CLERK');
    const officer = await signedOn('OFFICER');
    assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`)).status, 'ACK');
    await clerk.next();
    assert.equal((await officer.send(`SOF.${POLICE}`)).status, 'ACK');
    assert.equal((await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y.MIS/FOR OFFICER1`)).status, 'ACK');
    await quiet(officer);
    const dispatcher = await signedOn('DISPATCHER');
    const yr = await dispatcher.next();
    assert.equal(yr.mke, 'YR');
    assert.equal(yr.ori, POLICE);
    assert.equal(yr.body.at(-1), 'MIS/FOR OFFICER1');
    await quiet(officer, dispatcher);
    await closeAll();
  });

  test('a pending timer survives a restart of the service', async () => {
    const pno = await newOrder();
    const officer = await signedOn('OFFICER');
    assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U.MIS/BEFORE THE RESTART`)).status, 'ACK');
    const at = t.clock.now();
    await closeAll();
    await t.stop();

    const t2 = await startTestService(backend, { env, registryOf: t });
    t = t2; // the file's after() stops this one
    t.clock.set(at);
    t.clock.advance(10 * MIN);
    assert.equal(await timers(), 1);
    // Nobody was signed on: the NOTE waits for the requester's ORI, the requests for the court's.
    const officer2 = await signedOn('OFFICER');
    const note = await officer2.next();
    assert.equal(note.status, 'NOTE');
    assert.equal(note.body[0], 'NO ANSWER TO YQ IN 10 MIN - SECOND REQUEST SENT');
    const clerk = await signedOn('CLERK');
    const first = await clerk.next();
    const second = await clerk.next();
    assert.equal(first.body.at(-1), 'MIS/BEFORE THE RESTART');
    assert.equal(second.body[0], 'SECOND REQUEST - NO ANSWER TO THE FIRST IN 10 MIN');
    assert.equal((await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y`)).status, 'ACK');
    // Addressed to the requesting terminal, which went with the old service: after a short grace
    // the message switch's sweep gives it to the terminal signed on for that ORI now.
    t.clock.advance(3_000);
    assert.equal((await officer2.next(8_000)).body[0], 'HIT CONFIRMED');
    await quiet(officer2, clerk);
    await closeAll();
  });

  test('two timer runs at once (two service processes) handle a due request once', async () => {
    const pno = await newOrder();
    const officer = await signedOn('OFFICER');
    assert.equal((await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`)).status, 'ACK');
    t.clock.advance(10 * MIN);
    const { HitConfirmationJob } = await import('../../src/switching/hit-confirmation.ts');
    const log = (await import('../../src/log.ts')).silentLogger;
    const messenger = { send: async () => ({ id: 0, deliveredHere: 0 }) };
    const other = new HitConfirmationJob(t.service.registry.db, messenger, t.clock, log);
    const [a, b] = await Promise.all([timers(), other.runOnce()]);
    assert.equal(a + b, 1);
    if (a === 1) assert.match((await officer.next()).body[0]!, /SECOND REQUEST SENT/);
    await quiet(officer);
    await closeAll();
  });
});
