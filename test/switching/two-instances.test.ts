// Two service processes on one PostgreSQL and Redis (issue 6, item 5): traffic for a terminal
// signed on to the other process reaches it (Redis pub/sub live, PostgreSQL for durability), a
// watch notice crosses processes, and a change made on one is seen by an inquiry on the other.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addAgency, addUser } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { PASSWORD, son } from '../support/service.ts';
import { spawnService, type ServiceChild } from '../support/service-process.ts';
import { TestTerminal } from '../support/terminal.ts';

const ready = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

describe('two service processes', { skip: !ready && 'needs DATABASE_URL and REDIS_URL' }, () => {
  const pg = backends().find((b) => b.name === 'postgres')!;
  const children: ServiceChild[] = [];
  const terminals: TestTerminal[] = [];
  let db: Database;

  const on = async (instance: number, role: Parameters<typeof son>[0]) => {
    const term = await TestTerminal.connect(children[instance]!.port);
    terminals.push(term);
    assert.equal((await term.send(son(role))).status, 'ACK');
    return term;
  };

  before(async () => {
    const url = await pg.freshDatabaseUrl!();
    db = pg.connectAgain!();
    await migrate(db);
    await addAgency(db, { ori: COURT, name: 'LA SUPERIOR COURT', kind: 'COURT' });
    await addAgency(db, { ori: POLICE, name: 'LAPD', kind: 'LAW' });
    await addUser(db, { name: 'CLERK1', role: 'CLERK', ori: COURT, password: PASSWORD });
    await addUser(db, { name: 'OFFICER1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    const prefix = `t${Date.now()}:`;
    for (let i = 0; i < 2; i++) children.push(await spawnService({ DATABASE_URL: url, CCPOR_CACHE_PREFIX: prefix }));
  });
  after(async () => {
    for (const term of terminals) term.close();
    await Promise.all(children.map((c) => c.stop()));
    await pg.cleanup(); // closes db too
  });

  test('an AM from a terminal on one process reaches the court terminal on the other, at once', async () => {
    const clerk = await on(0, 'CLERK');
    const officer = await on(1, 'OFFICER');
    const ack = await officer.send(`AM.${POLICE}.DES/${COURT}.MIS/FROM THE OTHER PROCESS`);
    assert.equal(ack.status, 'ACK');
    const m = await clerk.next(5_000);
    assert.equal(m.mke, 'AM');
    assert.equal(m.body.at(-1), 'MIS/FROM THE OTHER PROCESS');
    // Delivered once the terminal that had it is heard from (SPEC 10.2).
    await clerk.send(`QPO.${COURT}.PNO/PO0000000018`);
    await sleep(100);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM terminal_messages WHERE delivered_at IS NULL`);
    assert.equal(rows[0]!.n, 0, 'delivered, once');
  });

  test('a change on one process: the other answers with it, and the officer who had the HIT there is told', async () => {
    const clerk = await on(0, 'CLERK');
    const officer = await on(1, 'OFFICER');
    const e = await clerk.send(`EPO.${COURT}.NAM/ACROSS, ALAN.SEX/M.RAC/W.DOB/19750505.TYP/DVRO.OCA/26FLX1.ISD/20260101.EXP/20290101.PCO/01.PPN/ACROSS, AMY.PSX/F.PPB/19770707`);
    assert.equal(e.status, 'ACK', e.lines.join('\n'));
    const pno = /PNO\/(\S+)/.exec(e.body[0]!)![1]!;
    const first = await officer.send(`QPO.${POLICE}.PNO/${pno}`);
    assert.match(first.body.join('\n'), /BRD\/U/);
    assert.equal((await clerk.send(`MPO.${COURT}.PNO/${pno}.BRD/Y`)).status, 'ACK');
    const note = await officer.next(5_000);
    assert.equal(note.status, 'NOTE');
    assert.deepEqual(note.body, [`ORDER ${pno} WAS MODIFIED BY ${COURT} SINCE YOUR HIT - QUERY AGAIN`]);
    const again = await officer.send(`QPO.${POLICE}.PNO/${pno}`);
    assert.match(again.body.join('\n'), /BRD\/Y/, 'the other process\'s cache was invalidated');

    // Hit confirmation across processes: YQ from the officer reaches the court, YR comes back.
    const yq = await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/U.MIS/SUBJECT DETAINED`);
    assert.equal(yq.status, 'ACK', yq.lines.join('\n'));
    const request = await clerk.next(5_000);
    assert.equal(request.mke, 'YQ');
    assert.equal(request.status, 'MSG');
    assert.match(request.body.join('\n'), new RegExp(`PNO/${pno}`));
    const yr = await clerk.send(`YR.${COURT}.PNO/${pno}.RNO/1.CNF/Y.MIS/ORDER IS VALID`);
    assert.equal(yr.status, 'ACK', yr.lines.join('\n'));
    const answer = await officer.next(5_000);
    assert.equal(answer.mke, 'YR');
    assert.equal(answer.body[0], 'HIT CONFIRMED');
  });
});
