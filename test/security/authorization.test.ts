// Access enforcement and least privilege (CJIS AC-3, AC-6; ICD 3, 4): every role × every message
// key against the ICD's table, written out here from the ICD (not read from the code), the rules
// that depend on the ORI holding the record, and an ORI that is not the user's.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { addUser } from '../../db/accounts.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, entry, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { registryFingerprint } from '../support/registry-fingerprint.ts';
import { startSecurityService } from '../support/security-service.ts';
import { PASSWORD, SHERIFF_ORI, son, USERS, type TestService } from '../support/service.ts';
import { TestTerminal } from '../support/terminal.ts';

const backend = backends().at(-1)!;

const ROLES = ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK', 'JUDGE', 'ADMIN'] as const;
type Role = (typeof ROLES)[number];
const KEYS = ['SON', 'SOF', 'QPO', 'EPO', 'MPO', 'XPO', 'CPO', 'SPO', 'YQ', 'YR', 'AM', 'ULK'] as const;
type Key = (typeof KEYS)[number];

// ICD section 4, column "who may send", as the ICD words it.
const ICD_4: Record<Key, readonly Role[]> = {
  SON: ROLES, // anyone
  SOF: ROLES, // signed on
  QPO: ROLES, // all roles
  EPO: ['CLERK'],
  MPO: ['CLERK'], // of the issuing court: checked separately below
  XPO: ['CLERK'], // of the issuing court
  CPO: ['CLERK'], // of the issuing court
  SPO: ['OFFICER', 'DISPATCHER', 'SHERIFF', 'CLERK'],
  YQ: ['OFFICER', 'DISPATCHER', 'SHERIFF'],
  YR: ['CLERK', 'SHERIFF'], // of the holding ORI: checked separately below
  AM: ROLES, // all roles
  ULK: ['ADMIN'],
};
// ICD 4.2: "a CLERK or JUDGE may add HST/Y to include inactive ones".
const HST_ROLES: readonly Role[] = ['CLERK', 'JUDGE'];

const OUTCOME_OK = /^(ACK|HIT|NREC)$/;
type Cell = 'allowed' | 'REJ PRM' | string;

describe(`access enforcement on ${backend.name}`, () => {
  let t: TestService;
  const terminals: TestTerminal[] = [];
  /** A terminal signed on with `signOn` (a SON text). */
  const connect = async (signOn: string) => {
    const term = await TestTerminal.connect(t.tcp);
    terminals.push(term);
    assert.equal((await term.send(signOn)).status, 'ACK');
    return term;
  };
  let officer: TestTerminal; // sends the YQ a YR answers
  let oca = 0;
  let shared: string; // an order for messages that do not change it
  let sharedYq: string; // an order with a YQ pending at COURT and the sheriff
  const order = async () => (await t.service.registry.enterOrder(entry({ oca: `AUTHZ${++oca}` }), CLERK)).pno;
  /** A pending YQ for a new order, sent to the issuing court (COURT) and the sheriff. */
  const pendingYq = async () => {
    const pno = await order();
    const r = await officer.send(`YQ.${POLICE}.PNO/${pno}.RTY/PO.RNO/1.PRI/R.DES/${SHERIFF_ORI}`);
    assert.equal(r.status, 'ACK', r.lines.join(' | '));
    return pno;
  };

  before(async () => {
    t = await startSecurityService(backend);
    await addUser(t.service.registry.db, { name: 'CLERK2', role: 'CLERK', ori: OTHER_COURT, password: PASSWORD });
    officer = await TestTerminal.connect(t.tcp);
    await officer.send(son('OFFICER'));
    shared = await order();
    sharedYq = await pendingYq();
  });
  afterEach(() => {
    for (const term of terminals.splice(0)) term.close();
  });
  after(async () => {
    officer.close();
    await t.stop();
    await backend.cleanup();
  });

  /**
   * A message of `mke` from a user of `ori` that succeeds when the role may send it. Orders are
   * slow to enter on a busy machine: a message that would change its order gets a new one only when
   * the ICD lets the role send it; the others share one (a wrongly allowed one fails the matrix anyway).
   */
  const message = async (mke: Exclude<Key, 'SON' | 'SOF'>, role: Role, ori: string): Promise<string> => {
    const own = ICD_4[mke].includes(role);
    const changed = async () => (own ? order() : shared);
    switch (mke) {
      case 'QPO': return `QPO.${ori}.PNO/${shared}`;
      case 'EPO': return `EPO.${ori}.NAM/MATRIX, TEST.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/EPO${++oca}.ISD/20260601.EXP/20270601.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505`;
      case 'MPO': return `MPO.${ori}.PNO/${await changed()}.BRD/Y`;
      case 'XPO': return `XPO.${ori}.PNO/${await changed()}`;
      case 'CPO': return `CPO.${ori}.PNO/${await changed()}`;
      case 'SPO': return `SPO.${ori}.PNO/${shared}.SDT/202606151000.SHW/PERSONAL.SVB/OFC TEST 1`;
      case 'YQ': return `YQ.${ori}.PNO/${shared}.RTY/PO.RNO/1.PRI/U`;
      case 'YR': return `YR.${ori}.PNO/${own ? await pendingYq() : sharedYq}.RNO/1.CNF/Y`;
      case 'AM': return `AM.${ori}.DES/${OTHER_COURT}.MIS/MATRIX ${role}`;
      case 'ULK': return `ULK.${ori}.USR/${role === 'ADMIN' ? 'OFFICER1' : USERS[role].name}`;
    }
  };

  /** Sends `text`: 'allowed', 'REJ PRM', or what else came back. A refusal must change nothing. */
  const outcome = async (term: TestTerminal, text: string, refusalExpected = true): Promise<Cell> => {
    const before = refusalExpected ? await registryFingerprint(t.service.registry.db) : undefined;
    const r = await term.send(text);
    if (OUTCOME_OK.test(r.status)) return 'allowed';
    if (r.body[0]!.slice(0, 7) !== 'REJ/PRM') return r.lines.join(' | ');
    if (before) assert.deepEqual(await registryFingerprint(t.service.registry.db), before, `${text} was refused and changed the registry`);
    return 'REJ PRM';
  };

  test('AC-3, AC-6: every role × every message key is allowed or REJ PRM exactly as ICD 4 says, and a refusal changes nothing', async () => {
    const expected: Record<string, Record<string, Cell>> = {};
    const seen: Record<string, Record<string, Cell>> = {};
    for (const role of ROLES) {
      expected[role] = {};
      seen[role] = {};
      for (const k of KEYS) expected[role]![k] = ICD_4[k].includes(role) ? 'allowed' : 'REJ PRM';
      expected[role]!['QPO+HST/Y'] = HST_ROLES.includes(role) ? 'allowed' : 'REJ PRM';

      const term = await TestTerminal.connect(t.tcp);
      terminals.push(term);
      const ori = USERS[role].ori;
      const refusal = (cell: string) => expected[role]![cell] === 'REJ PRM';
      seen[role]!.SON = await outcome(term, son(role), false);
      for (const k of KEYS) {
        if (k === 'SON' || k === 'SOF') continue;
        seen[role]![k] = await outcome(term, await message(k, role, ori), refusal(k));
      }
      seen[role]!['QPO+HST/Y'] = await outcome(term, `QPO.${ori}.PNO/${shared}.HST/Y`, refusal('QPO+HST/Y'));
      seen[role]!.SOF = await outcome(term, `SOF.${ori}`, false);
    }
    assert.deepEqual(seen, expected);
    // Each refusal is on the audit trail as such (AU-2).
    await t.service.audit.flush();
    const refused = Object.values(expected).flatMap((cells) => Object.values(cells)).filter((c) => c === 'REJ PRM').length;
    const { rows } = await t.service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE outcome = 'REJ PRM'`);
    assert.equal(rows[0]!.n, refused);
  });

  test('AC-3: records belong to an ORI: only the issuing court changes an order, only a destination answers a YQ, an ADMIN releases only its own agency\'s users', async () => {
    const otherClerk = await connect(`SON.${OTHER_COURT}.USR/CLERK2.PWD/${PASSWORD}`); // a CLERK, of another court
    for (const mke of ['MPO', 'XPO', 'CPO'] as const) {
      const pno = await order(); // issued by COURT
      const text = mke === 'MPO' ? `MPO.${OTHER_COURT}.PNO/${pno}.BRD/Y` : `${mke}.${OTHER_COURT}.PNO/${pno}`;
      assert.equal(await outcome(otherClerk, text), 'REJ PRM', `${mke} by a clerk of another court`);
    }
    const pno = await pendingYq(); // to COURT and the sheriff, not to OTHER_COURT
    assert.equal(await outcome(otherClerk, `YR.${OTHER_COURT}.PNO/${pno}.RNO/1.CNF/Y`), 'REJ PRM', 'YR by a clerk the YQ did not go to');
    const notAsked = await order();
    await officer.send(`YQ.${POLICE}.PNO/${notAsked}.RTY/PO.RNO/1.PRI/R`); // to the issuing court only
    const sheriff = await connect(son('SHERIFF'));
    assert.equal(await outcome(sheriff, `YR.${SHERIFF_ORI}.PNO/${notAsked}.RNO/1.CNF/Y`), 'REJ PRM', 'YR by a sheriff the YQ did not go to');
    const admin = await connect(son('ADMIN')); // of POLICE
    assert.equal(await outcome(admin, `ULK.${POLICE}.USR/CLERK1`), 'REJ PRM', 'ULK of a user of another agency');
  });

  test('AC-3: an ORI that is not the user\'s is refused at SON (leaving nothing signed on) and in every later message', async () => {
    const term = await connect(son('CLERK'));
    // SON: the right password with another ORI ends the session on this connection too.
    assert.match((await term.send(`SON.${OTHER_COURT}.USR/CLERK1.PWD/${PASSWORD}`)).body[0]!, /^REJ\/ORI ORI CA037015J IS NOT THE USER'S AGENCY$/);
    assert.deepEqual((await term.send(`QPO.${COURT}.PNO/${await order()}`)).body, ['REJ/AUT NOT SIGNED ON']);
    // ... and a wrong password with another ORI learns nothing about the ORI.
    assert.deepEqual((await term.send(`SON.${OTHER_COURT}.USR/CLERK1.PWD/Not-The-Password-1`)).body, ['REJ/AUT SIGN-ON FAILED']);

    assert.equal((await term.send(son('CLERK'))).status, 'ACK');
    const pno = await pendingYq();
    const other = OTHER_COURT; // a court too: every key would be the role's to send there
    const texts: Record<Exclude<Key, 'SON'>, string> = {
      SOF: `SOF.${other}`,
      QPO: `QPO.${other}.PNO/${pno}`,
      EPO: `EPO.${other}.NAM/WRONG, ORI.SEX/M.RAC/W.DOB/19800101.TYP/DVRO.OCA/ORI1.ISD/20260601.EXP/20270601.PCO/01.PPN/DOE, JANE.PSX/F.PPB/19850505`,
      MPO: `MPO.${other}.PNO/${pno}.BRD/Y`,
      XPO: `XPO.${other}.PNO/${pno}`,
      CPO: `CPO.${other}.PNO/${pno}`,
      SPO: `SPO.${other}.PNO/${pno}.SDT/202606151000.SHW/PERSONAL`,
      YQ: `YQ.${other}.PNO/${pno}.RTY/PO.RNO/2.PRI/U`,
      YR: `YR.${other}.PNO/${pno}.RNO/1.CNF/Y`,
      AM: `AM.${other}.DES/${POLICE}.MIS/WRONG ORI`,
      ULK: `ULK.${other}.USR/CLERK2`,
    };
    for (const [mke, text] of Object.entries(texts)) {
      const before = await registryFingerprint(t.service.registry.db);
      const r = await term.send(text);
      assert.deepEqual(r.body, [`REJ/ORI ORI ${other} IS NOT THAT OF CLERK1`], mke);
      assert.equal(r.ori, COURT, `${mke}: the reply went to another ORI's header`);
      assert.deepEqual(await registryFingerprint(t.service.registry.db), before, `${mke} with another ORI changed the registry`);
    }
    assert.equal((await term.send(`QPO.${COURT}.PNO/${pno}`)).status, 'HIT', 'the session of the right ORI goes on');
  });
});
