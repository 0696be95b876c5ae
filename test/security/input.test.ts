// Input validation (CJIS SI-10; ICD 2, 3): SQL text and control characters in every field of every
// message key get a clear REJ, or are stored literally and shown safely, and the registry and its
// audit trail are intact afterwards; terminal names outside the console's allow-list never reach it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ssh2 from 'ssh2';
import { addUser } from '../../db/accounts.ts';
import { verifyAuditTrail } from '../../db/audit.ts';
import { addSshKey } from '../../db/ssh-keys.ts';
import { TERMINAL_NAMES } from '../../src/ssh/algorithms.ts';
import { backends } from '../support/backends.ts';
import { CLERK, COURT, entry, OTHER_COURT, POLICE } from '../support/fixtures.ts';
import { freePort } from '../support/redis-server.ts';
import { startSecurityService } from '../support/security-service.ts';
import { PASSWORD, son, type TestService } from '../support/service.ts';
import { openConsole, passwordAttempt } from '../support/ssh-client.ts';
import { TestTerminal, type ReplyLines } from '../support/terminal.ts';

const { utils } = ssh2;
const backend = backends().at(-1)!;

// SQL text in place of a value, and after a valid one (short enough for CTL and PWD to accept it).
const SQL = [`'; DROP TABLE orders; --`, `' OR '1'='1`, `append:';--`];
// Framing bytes (STX, ETX) are the framer's business (ICD 2), and NUL has a test of its own below.
const CONTROL: [string, string][] = [['ESC', '\x1b[2J'], ['DEL', '\x7f'], ['high byte', '\xff'], ['UTF-8', 'Ã©'], ['CR LF', '\r\nSOF.X']];

type Fields = [string, string][];
interface Base {
  mke: string;
  ori: string;
  fields: () => Fields;
  as: 'clerk' | 'officer' | 'signOn';
}

describe(`input validation on ${backend.name}`, () => {
  let t: TestService;
  let clerk: TestTerminal;
  let officer: TestTerminal;
  let signOn: TestTerminal;
  let pno: string;
  let oca = 0;
  const pair = utils.generateKeyPairSync('ed25519');

  before(async () => {
    t = await startSecurityService(backend, { env: { CCPOR_SSH_PORT: String(await freePort()) } });
    const db = t.service.registry.db;
    await addUser(db, { name: 'INPUTSON', role: 'OFFICER', ori: POLICE, password: PASSWORD });
    await addSshKey(db, 'OFFICER1', pair.public);
    pno = (await t.service.registry.enterOrder(entry({ oca: 'INPUT0', restrained: { name: 'INTACT, IVAN', dob: '19700707' } }), CLERK)).pno;
    clerk = await TestTerminal.connect(t.tcp);
    officer = await TestTerminal.connect(t.tcp);
    signOn = await TestTerminal.connect(t.tcp);
    assert.equal((await clerk.send(son('CLERK'))).status, 'ACK');
    assert.equal((await officer.send(son('OFFICER'))).status, 'ACK');
  });
  after(async () => {
    for (const x of [clerk, officer, signOn]) x.close();
    await t.stop();
    await backend.cleanup();
  });

  // One valid message per key, every tag it may carry (MIS last), from a sender who may send it.
  const BASES: Base[] = [
    { mke: 'EPO', ori: COURT, as: 'clerk', fields: () => [
      ['NAM', 'SMITH, JOHN'], ['SEX', 'M'], ['RAC', 'W'], ['DOB', '19800101'], ['HGT', '510'], ['WGT', '180'], ['EYE', 'BRO'], ['HAI', 'BLK'],
      ['OLN', 'D1234567'], ['OLS', 'CA'], ['AKA', 'SMYTHE, JON'], ['TYP', 'DVRO'], ['OCA', `IN${++oca}`], ['ISD', '20260101'], ['EXP', '20290101'],
      ['PCO', '01 04 05'], ['DST', '100'], ['BRD', 'Y'], ['SRV', 'Y'], ['SDT', '202601021000'], ['SHW', 'PERSONAL'], ['SVB', 'OFC J SMITH #1'],
      ['PPN', 'DOE, JANE'], ['PSX', 'F'], ['PPR', 'W'], ['PPB', '19850505'], ['CTI', COURT], ['CTL', 'E1'], ['MIS', 'NO CONTACT'],
    ] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['NAM', 'SMITH, JOHN'], ['DOB', '19800101'], ['SEX', 'M'], ['HST', 'Y']] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['PPN', 'DOE, JANE'], ['PPB', '19850505'], ['PSX', 'F']] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['PNO', pno]] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['FCN', '1900000012345']] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['OLN', 'D1234567'], ['OLS', 'CA']] },
    { mke: 'QPO', ori: COURT, as: 'clerk', fields: () => [['OCA', 'INPUT0'], ['CTI', COURT]] },
    { mke: 'MPO', ori: COURT, as: 'clerk', fields: () => [['PNO', pno], ['NAM', 'INTACT, IVAN'], ['BRD', 'Y'], ['MIS', 'CHANGED']] },
    // A PNO of the right form that no order has: XPO and CPO go as far as the handler, change nothing.
    { mke: 'XPO', ori: COURT, as: 'clerk', fields: () => [['PNO', 'PO9999999999'], ['MIS', 'ENTERED IN ERROR']] },
    { mke: 'CPO', ori: COURT, as: 'clerk', fields: () => [['PNO', 'PO9999999999'], ['MIS', 'VACATED']] },
    { mke: 'SPO', ori: COURT, as: 'clerk', fields: () => [['PNO', pno], ['SDT', '202606151000'], ['SHW', 'PERSONAL'], ['SVB', 'OFC J SMITH #1'], ['MIS', 'SERVED']] },
    { mke: 'YQ', ori: POLICE, as: 'officer', fields: () => [['PNO', pno], ['RTY', 'PO'], ['RNO', '1'], ['PRI', 'R'], ['DES', OTHER_COURT], ['MIS', 'DETAINED']] },
    { mke: 'YR', ori: COURT, as: 'clerk', fields: () => [['PNO', pno], ['RNO', '3'], ['CNF', 'T'], ['TIM', '1430'], ['DES', POLICE], ['MIS', 'PULLING']] },
    { mke: 'AM', ori: COURT, as: 'clerk', fields: () => [['DES', OTHER_COURT], ['MIS', 'CALL US']] },
    { mke: 'ULK', ori: COURT, as: 'clerk', fields: () => [['USR', 'NOBODY']] },
    { mke: 'SON', ori: POLICE, as: 'signOn', fields: () => [['USR', 'INPUTSON'], ['PWD', PASSWORD], ['OTP', '123456']] },
  ];
  const text = (mke: string, ori: string, fields: Fields) => [mke, ori, ...fields.map(([tag, v]) => `${tag}/${v}`)].join('.');
  const printable = (r: ReplyLines) => r.lines.every((l) => /^[\x20-\x7e]{1,80}$/.test(l));

  test('SI-10: SQL text and control characters in every field of every key: a clear REJ, or stored literally and shown safely; the registry intact', async () => {
    const db = t.service.registry.db;
    const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    await t.service.audit.flush();
    const before = { orders: await count('orders'), users: await count('users'), audit: await count('audit_log') };
    const problems: string[] = [];
    const stored: { pno: string; mis: string }[] = [];
    let entered = 0; // EPOs accepted (SQL text is a valid MIS, and `';--` a valid CTL)
    let sent = 0;
    // Written as raw frames: the client codec would refuse to send a CR or LF at all.
    const send = async (b: Base, msg: string) => {
      sent += 1;
      const term = ({ clerk, officer, signOn } as const)[b.as];
      term.writeRaw(`\x02${msg}\x03`);
      for (;;) {
        const r = await term.next();
        if (r.status !== 'MSG' && r.status !== 'NOTE') return r; // the clerk's court gets the YQs
      }
    };

    for (const b of BASES) {
      const n = b.fields().length;
      // The key and the ORI too: positions -2 and -1.
      for (let i = -2; i < n; i++) {
        for (const payload of [...SQL, ...CONTROL.map(([, c]) => `control:${c}`)]) {
          const fields = b.fields();
          let [mke, ori] = [b.mke, b.ori];
          const at = i === -2 ? 'MKE' : i === -1 ? 'ORI' : fields[i]![0];
          const old = i === -2 ? mke : i === -1 ? ori : fields[i]![1];
          const control = payload.startsWith('control:');
          const value = control
            ? `${old.slice(0, 1)}${payload.slice(8)}${old.slice(1)}` // inside the value, not at its edge
            : payload.startsWith('append:') ? old + payload.slice(7) : payload;
          if (i === -2) mke = value;
          else if (i === -1) ori = value;
          else fields[i]![1] = value;
          const msg = text(mke, ori, fields);
          const r = await send(b, msg);
          const where = `${b.mke} ${at} ${JSON.stringify(value)}`;
          const first = r.body[0] ?? '';
          if (!printable(r)) problems.push(`${where}: reply not printable or too long: ${JSON.stringify(r.lines)}`);
          if (/^REJ\/UNA/.test(first)) problems.push(`${where}: ${first}`);
          if (control) {
            const bad = [...msg].findIndex((c) => c < ' ' || c > '~');
            const hex = msg.charCodeAt(bad).toString(16).toUpperCase().padStart(2, '0');
            const want = `REJ/CHR INVALID CHARACTER X'${hex}' AT POSITION ${bad + 1}`;
            if (first !== want) problems.push(`${where}: ${first} (wanted ${want})`);
          } else if (r.status === 'REJ') {
            if (!/^REJ\/(FLD|FRM|MKE|AUT|LCK|PRM|NFD|DUP) /.test(first)) problems.push(`${where}: ${first}`);
            if (first.startsWith('REJ/FLD') && !first.includes(at)) problems.push(`${where}: the REJ does not name the tag: ${first}`);
          } else if (b.mke === 'EPO') {
            entered += 1;
            if (at === 'MIS') stored.push({ pno: r.body[0]!.replace(/^PNO\//, ''), mis: value });
            if (at === 'CTL' && r.ctl !== value) problems.push(`${where}: CTL echoed as ${r.ctl}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);

    // What was accepted is stored as sent (upper case, ICD 3) and shown as such.
    assert.equal(stored.length, SQL.length, 'every EPO with SQL text in MIS should have been entered');
    for (const s of stored) {
      const hit = await clerk.send(`QPO.${COURT}.PNO/${s.pno}`);
      sent += 1;
      assert.equal(hit.status, 'HIT');
      const mis = hit.body.join('\n').split('MIS/')[1]!.replace(/\n   /g, ' ');
      assert.equal(mis, s.mis.toUpperCase(), `${s.pno}: MIS changed on the way`);
    }
    // The registry: its tables and rows, a normal inquiry and sign-on, the audit chain with every message in it.
    assert.equal(await count('orders'), before.orders + entered);
    assert.equal(await count('users'), before.users);
    assert.match((await officer.send(`QPO.${POLICE}.NAM/INTACT, IVAN.DOB/19700707`)).lines.join('\n'), new RegExp(`01 PNO/${pno} `));
    assert.equal((await signOn.send(son('DISPATCHER'))).status, 'ACK');
    sent += 2;
    await t.service.audit.flush();
    assert.equal(await count('audit_log'), before.audit + sent, 'a message is missing from the audit trail');
    assert.deepEqual(await verifyAuditTrail(db), { ok: true, entries: before.audit + sent });
  });

  test('SI-10: a terminal name outside the allow-list never reaches the console (SSH pty request)', async () => {
    // The allow-list as README and DECISIONS document it.
    assert.deepEqual([...TERMINAL_NAMES].sort(), ['linux', 'screen', 'screen-256color', 'tmux', 'tmux-256color', 'vt100', 'vt220', 'xterm', 'xterm-256color']);
    const ssh = t.service.ports.ssh!;
    const refused = [
      '../../tmp/evil', 'xterm/../../../etc/passwd', '/usr/share/terminfo/x/xterm', 'dumb', 'ansi', 'XTERM', 'xterm ', ' xterm',
      'xterm\x00', 'xterm\x1b[2J', 'xterm;id', '$(id)', 'x'.repeat(300), // (an empty name: the client library sends vt100)
    ];
    for (const term of refused) {
      const sessions = t.service.sessions.size;
      const c = await openConsole(ssh, { username: 'officer1', privateKey: pair.private, term });
      const { code, stderr } = await c.exit;
      c.end();
      assert.equal(code, 1, `${JSON.stringify(term)}: exit status`);
      assert.match(stderr, /^ccpor: terminal type '[\s\S]*' is not supported/, JSON.stringify(term));
      assert.doesNotMatch(c.text(), /ACKNOWLEDGE|CCPOR/, `${JSON.stringify(term)} reached the console`);
      assert.equal(t.service.sessions.size, sessions, `${JSON.stringify(term)} opened a protocol session`);
    }
    // The same client with a name on the list gets the console.
    const ok = await openConsole(ssh, { username: 'officer1', privateKey: pair.private, term: 'xterm-256color' });
    await ok.waitFor(/I ACKNOWLEDGE/);
    ok.end();
  });

  test('SI-10, AU-2: an SSH user name with a control character is refused, and the attempt is on the audit trail', async () => {
    const db = t.service.registry.db;
    await t.service.audit.flush();
    const before = (await db.query<{ n: number }>(`SELECT max(id)::int AS n FROM audit_log`)).rows[0]!.n;
    assert.equal((await passwordAttempt(t.service.ports.ssh!, 'officer1\x00', PASSWORD)).accepted, false);
    await t.service.audit.flush();
    const { rows } = await db.query<{ mke: string; outcome: string }>(`SELECT mke, outcome FROM audit_log WHERE id > $1`, [before]);
    assert.deepEqual(rows, [{ mke: 'SON', outcome: 'REJ AUT' }]);
  });

  // A NUL cannot be stored in PostgreSQL text or jsonb: it once stopped the whole audit trail.
  test('SI-10, AU-9: a NUL byte is refused like any control character and the audit trail goes on', async () => {
    const msg = `QPO.${COURT}.NAM/SMI\x00TH, JOHN.DOB/19800101`;
    assert.deepEqual((await clerk.send(msg)).body, [`REJ/CHR INVALID CHARACTER X'00' AT POSITION ${msg.indexOf('\x00') + 1}`]);
    const r = await clerk.send(text('EPO', COURT, BASES[0]!.fields()));
    assert.equal(r.status, 'ACK', `an order entered after the NUL: ${r.body[0]}`);
    await t.service.audit.flush();
    assert.equal(t.service.audit.pending(), 0, 'audit entries stuck in the queue');
    const { rows } = await t.service.registry.db.query<{ outcome: string; fields: { TEXT?: string } }>(`SELECT outcome, fields FROM audit_log ORDER BY id DESC LIMIT 2`);
    assert.deepEqual(rows.map((x) => x.outcome), ['ACK', 'REJ CHR']);
    assert.equal(rows[1]!.fields.TEXT, msg.replace('\x00', '\\x00'), 'the auditor does not see which byte was sent');
    assert.deepEqual(await verifyAuditTrail(t.service.registry.db), { ok: true, entries: (await t.service.registry.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`)).rows[0]!.n });
  });
});
