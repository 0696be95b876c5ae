// Every message key × every role (ICD 4): permitted, or REJ PRM and nothing changed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLES, type Role } from '../../db/accounts.ts';
import { MESSAGE_KEYS, type MessageKey } from '../../protocol/messages.ts';
import { ALLOWED } from '../../src/session/permissions.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, entry, OTHER_COURT } from '../support/fixtures.ts';
import { son, startTestService, USERS, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

// The ICD's table, written out again here so that a change to the code's table is a test failure.
const ICD_TABLE: Record<MessageKey, Role[]> = {
  SON: [...ROLES],
  SOF: [...ROLES],
  QPO: [...ROLES],
  EPO: ['CLERK'],
  MPO: ['CLERK'],
  XPO: ['CLERK'],
  CPO: ['CLERK'],
  SPO: ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK'],
  YQ: ['OFFICER', 'DISPATCHER', 'SHERIFF'],
  YR: ['CLERK', 'SHERIFF'],
  AM: [...ROLES],
  ULK: ['ADMIN'],
};

test('the permission table is the ICD\'s', () => {
  for (const k of MESSAGE_KEYS) assert.deepEqual([...ALLOWED[k]].sort(), [...ICD_TABLE[k]].sort(), k);
});

const backend = backends()[0]!; // the rules do not depend on the database: the embedded one is enough
describe('message key × role over TCP', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService(backend);
  });
  after(async () => {
    await t.stop();
    await backend.cleanup();
  });

  let oca = 0;
  const message = async (mke: MessageKey, role: Role): Promise<string> => {
    const ori = USERS[role].ori;
    const { pno } = await t.service.registry.enterOrder(entry({ oca: `ROLE${++oca}` }), CLERK);
    switch (mke) {
      case 'SON': return son(role);
      case 'SOF': return `SOF.${ori}`;
      case 'QPO': return `QPO.${ori}.PNO/${pno}`;
      case 'EPO': return `EPO.${ori}.NAM/ROLE, TEST.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/EPO${++oca}.ISD/20260601.EXP/20260620.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505`;
      case 'MPO': return `MPO.${ori}.PNO/${pno}.BRD/Y`;
      case 'XPO': return `XPO.${ori}.PNO/${pno}`;
      case 'CPO': return `CPO.${ori}.PNO/${pno}`;
      case 'SPO': return `SPO.${ori}.PNO/${pno}.SDT/202606151000.SHW/PERSONAL.SVB/OFC TEST 1`;
      case 'YQ': return `YQ.${ori}.PNO/${pno}.RTY/PO.RNO/1.PRI/U`;
      case 'YR': return `YR.${ori}.PNO/${pno}.RNO/1.CNF/Y`;
      case 'AM': return `AM.${ori}.DES/${OTHER_COURT}.MIS/ROLE TEST`; // nobody signed on there: REJ NFD, not PRM
      case 'ULK': return `ULK.${ori}.USR/${USERS[role].name}`;
    }
  };

  for (const role of ROLES) {
    test(`${role}: every key permitted or REJ PRM`, async () => {
      const term = await TestTerminal.connect(t.tcp);
      try {
        for (const mke of MESSAGE_KEYS) {
          assert.equal((await term.send(son(role))).status, 'ACK');
          const text = await message(mke, role);
          const before = await t.service.registry.db.query(`SELECT count(*)::int AS n, max(version)::int AS v FROM orders`);
          const r = await term.send(text);
          assert.equal(r.mke, mke);
          if (ICD_TABLE[mke].includes(role)) {
            assert.notEqual(r.body[0]?.slice(0, 7), 'REJ/PRM', `${role} may send ${mke}: ${r.lines.join(' | ')}`);
          } else {
            assert.equal(r.body[0]?.slice(0, 7), 'REJ/PRM', `${role} may not send ${mke}: ${r.lines.join(' | ')}`);
            const after = await t.service.registry.db.query(`SELECT count(*)::int AS n, max(version)::int AS v FROM orders`);
            assert.deepEqual(after.rows, before.rows, 'a refused message changes nothing');
          }
        }
      } finally {
        term.close();
      }
    });
  }
});
