// The CARPOS gateway inside the running service, as court users meet it over the protocol: a clerk
// enters an order and a QPO shows the FCN DOJ gave; DOJ rejects a service record and the NOTE
// reaches the court's signed-on terminal (not another agency's). DOJ is played by msw.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setupServer } from 'msw/node';
import { carposStatus } from '../../src/carpos/status.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { son, startTestService, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';
import { FakeDoj, json } from './fake-doj.ts';

const BASE = 'http://localhost:18998';
const backend = backends().at(-1)!;

describe(`CARPOS gateway in the service on ${backend.name}`, () => {
  const doj = new FakeDoj(BASE);
  const msw = setupServer(...doj.handlers());
  let t: TestService;
  const terminals: TestTerminal[] = [];
  const signedOn = async (role: Parameters<typeof son>[0]) => {
    const term = await TestTerminal.connect(t.tcp);
    terminals.push(term);
    assert.equal((await term.send(son(role))).status, 'ACK');
    return term;
  };

  before(async () => {
    msw.listen({ onUnhandledRequest: 'error' });
    t = await startTestService(backend, {
      env: { CARPOS_URL: BASE, CARPOS_POLL_MS: '10', CARPOS_RETRY_BASE_MS: '10', CARPOS_RETRY_CAP_MS: '50', CARPOS_TIMEOUT_MS: '1000' },
    });
  });
  after(async () => {
    for (const term of terminals) term.close();
    await t.stop();
    await backend.cleanup();
    msw.close();
  });

  test('a clerk enters an order; the QPO reply shows the FCN DOJ assigned; a rejection NOTE reaches the court', async () => {
    assert.ok(t.service.carpos, 'the gateway runs when CARPOS_URL is set');
    const clerk = await signedOn('CLERK');
    const officer = await signedOn('OFFICER');
    const ack = await clerk.send(
      `EPO.${COURT}.NAM/GATEWAY, GRETA.SEX/F.RAC/W.DOB/19810203.TYP/DVRO.OCA/26FL9001.ISD/20260101.EXP/20290101.PCO/01.PPN/DOE, JOHN.PSX/M.PPB/19700101`,
    );
    assert.equal(ack.status, 'ACK', ack.lines.join('\n'));
    const pno = /PNO\/(PO[0-9]+)/.exec(ack.body.join('\n'))![1]!;

    let fcn = '';
    for (let i = 0; i < 200 && !fcn; i++) {
      const hit = await officer.send(`QPO.${POLICE}.PNO/${pno}`);
      fcn = /FCN\/([0-9]{13})/.exec(hit.body.join('\n'))?.[1] ?? '';
      if (!fcn) await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(fcn, /^190[0-9]{10}$/, 'the QPO reply shows an FCN of the court’s CARPOS code');
    assert.equal(doj.requests.length, 1);

    doj.always = (c) => (c.action === 'SERVE' ? json({ error: 'REJECTED', reason: 'SERVICE BY MAIL NOT ACCEPTED FOR DVRO' }, 422) : undefined);
    const spo = await officer.send(`SPO.${POLICE}.PNO/${pno}.SDT/202606151000.SHW/MAIL`);
    assert.equal(spo.status, 'ACK', 'the officer’s SPO is accepted by the registry');
    const note = await clerk.next(5_000);
    assert.equal(note.mke, 'NOTE');
    assert.equal(note.status, 'NOTE');
    assert.equal(note.ori, COURT);
    assert.deepEqual(note.body, [
      `CARPOS REJECTED SERVE OF PNO/${pno} - SERVICE BY MAIL NOT ACCEPTED FOR`,
      '   DVRO',
      `CTI/${COURT} CARPOS DOES NOT SHOW THIS SERVE UNTIL IT IS SENT AGAIN`,
      'LATER CHANGES OF THIS ORDER ARE HELD UNTIL THEN',
    ]);
    for (const l of note.lines) assert.ok(l.length <= 80);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(officer.unread, 0, 'the officer’s agency gets no NOTE');

    const s = await carposStatus(t.service.registry.db);
    assert.equal(s.counts.REJECTED, 1);
    assert.deepEqual(s.held.map((h) => [h.pno, h.action, h.state, h.reason]), [[pno, 'SERVE', 'REJECTED', 'SERVICE BY MAIL NOT ACCEPTED FOR DVRO']]);
  });
});
