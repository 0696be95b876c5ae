// Several service processes on one port (CCPOR_WORKERS): connections spread over the workers, a
// write on one is seen by an inquiry on another, and the audit chain stays whole.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addAgency, addUser } from '../../db/accounts.ts';
import { verifyAuditTrail } from '../../db/audit.ts';
import type { Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { backends } from '../support/backends.ts';
import { COURT, POLICE } from '../support/fixtures.ts';
import { PASSWORD } from '../support/service.ts';
import { spawnService, type ServiceChild } from '../support/service-process.ts';
import { TestTerminal } from '../support/terminal.ts';

const ready = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

describe('two worker processes', { skip: !ready && 'needs DATABASE_URL and REDIS_URL' }, () => {
  const pg = backends().find((b) => b.name === 'postgres')!;
  let child: ServiceChild;
  let port: number;
  let db: Database;
  before(async () => {
    const url = await pg.freshDatabaseUrl!();
    db = pg.connectAgain!();
    await migrate(db);
    await addAgency(db, { ori: COURT, name: 'LA SUPERIOR COURT', kind: 'COURT' });
    await addAgency(db, { ori: POLICE, name: 'LAPD', kind: 'LAW' });
    await addUser(db, { name: 'CLERK1', role: 'CLERK', ori: COURT, password: PASSWORD });
    await addUser(db, { name: 'OFFICER1', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    child = await spawnService({ DATABASE_URL: url, CCPOR_WORKERS: '2', CCPOR_CACHE_PREFIX: `t${Date.now()}:` });
    port = child.port;
  });
  after(async () => {
    await child?.stop();
    await pg.cleanup();
  });

  test('connections are served by both workers; what one enters, the other answers', async () => {
    const clerks: TestTerminal[] = [];
    const officers: TestTerminal[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await TestTerminal.connect(port);
      const o = await TestTerminal.connect(port);
      assert.equal((await c.send(`SON.${COURT}.USR/CLERK1.PWD/${PASSWORD}`)).status, 'ACK');
      assert.equal((await o.send(`SON.${POLICE}.USR/OFFICER1.PWD/${PASSWORD}`)).status, 'ACK');
      clerks.push(c);
      officers.push(o);
    }
    for (let i = 0; i < 4; i++) {
      const dob = `1980010${i + 1}`;
      // Cached as "no record" on whichever worker serves the officer ...
      assert.equal((await officers[i]!.send(`QPO.${POLICE}.NAM/WORKER, WANDA.DOB/${dob}`)).status, 'NREC');
      const ack = await clerks[i]!.send(
        `EPO.${COURT}.NAM/WORKER, WANDA.SEX/F.RAC/W.DOB/${dob}.TYP/DVRO.OCA/CL-${i}.ISD/20260101.EXP/20290101.PCO/01.PPN/DOE, JOHN.PSX/M.PPB/19700101`,
      );
      assert.equal(ack.status, 'ACK', ack.lines.join('\n'));
      // ... and the entry on (perhaps) the other worker is in its very next answer.
      assert.equal((await officers[i]!.send(`QPO.${POLICE}.NAM/WORKER, WANDA.DOB/${dob}`)).status, 'HIT');
    }
    for (const t of [...clerks, ...officers]) t.close();
    await sleep(300); // inquiries are audited in batches
    const { rows } = await db.query<{ pid: string }>(`SELECT DISTINCT split_part(terminal, '-', 2) AS pid FROM audit_log`);
    assert.equal(rows.length, 2, 'both workers served connections');
    assert.equal((await verifyAuditTrail(db)).ok, true, 'one audit chain across processes');
  });
});
