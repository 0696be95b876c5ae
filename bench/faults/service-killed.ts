// d. The service SIGKILLed while clerks enter orders (EPO), then started again on the same registry.
// Expected: every acknowledged entry is there after the restart, whole (the restrained person, the
// protected person, the conditions and the case as sent), and an entry cut off by the kill is
// either whole or absent, never partial.
import { verifyAuditTrail } from '../../db/audit.ts';
import type { MdtClient } from '../../simulators/mdt/client.ts';
import { freshRegistry } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { epoText, qpoCase, qpoPno, signedOn, sleep, statusOf, tally, Traffic, type SentOrder } from './traffic.ts';

export interface ServiceKilledOptions {
  databaseUrl: string | undefined;
  clerks: number;
  /** Kill once this many entries were acknowledged. */
  acksBeforeKill: number;
  /** Also check the tables and the audit trail directly (after the service is stopped). */
  sqlChecks: boolean;
}

/** 'whole', 'absent', or what is wrong with the order as the registry shows it. */
async function lookUp(officer: MdtClient, o: SentOrder, by: 'PNO' | 'OCA'): Promise<string> {
  const a = await officer.send(by === 'PNO' ? qpoPno(o.pno!) : qpoCase(o));
  if (a.status === 'NREC') return 'absent';
  if (a.status !== 'HIT') return statusOf(a);
  if (a.records.length !== 1) return `${a.records.length} records`;
  const f = new Map<string, string>();
  for (const [t, v] of a.records[0]!.fields) if (!f.has(t)) f.set(t, v);
  const want: [string, string][] = [['NAM', o.nam], ['DOB', o.dob], ['OCA', o.oca], ['PPN', o.ppn], ['PPB', o.ppb], ['PCO', o.pco], ['TYP', 'DVRO'], ['STS', 'ACTIVE']];
  if (o.pno) want.push(['PNO', o.pno]);
  const wrong = want.filter(([t, v]) => f.get(t) !== v).map(([t, v]) => `${t} ${f.get(t) ?? 'missing'} (sent ${v})`);
  return wrong.length ? `partial: ${wrong.join(', ')}` : 'whole';
}

export async function serviceKilled(o: ServiceKilledOptions): Promise<FaultResult> {
  const res = new ResultBuilder('service-killed', 'the service SIGKILLed during entries');
  return runCase(res, async (cleanup, watch) => {
    const reg = await freshRegistry(o.databaseUrl);
    cleanup.push(() => reg.cleanup());
    const svc = await ServiceUnderTest.start(reg.env);
    watch(svc);
    cleanup.unshift(() => svc.stop());
    res.figure('registry', reg.kind);

    const traffic = new Traffic({ port: svc.port, officers: 0, clerks: o.clerks, known: [], pauseMs: 0, replyTimeoutMs: 20_000, reconnect: false });
    cleanup.unshift(() => traffic.stop());
    const deadline = performance.now() + 60_000;
    while (traffic.outcomes.filter((x) => x.status === 'ACK').length < o.acksBeforeKill && performance.now() < deadline) await sleep(20);
    traffic.halt();
    res.check('the service was up until the kill', svc.running, svc.exitInfo() ?? 'running');
    await svc.kill('SIGKILL');
    await traffic.settle();

    const epos = traffic.outcomes.filter((x) => x.kind === 'EPO');
    const acked = epos.filter((x) => x.status === 'ACK');
    const cut = epos.filter((x) => x.status.startsWith('ERROR'));
    const other = epos.filter((x) => x.status !== 'ACK' && !x.status.startsWith('ERROR'));

    const t0 = performance.now();
    await svc.restart();
    res.figure('restartS', (performance.now() - t0) / 1000);

    const officer = await signedOn(svc.port, 'OFFICER');
    const ackedFound: Record<string, number> = {};
    for (const e of acked) {
      const r = await lookUp(officer, e.order!, 'PNO');
      ackedFound[r] = (ackedFound[r] ?? 0) + 1;
    }
    const cutFound: Record<string, number> = {};
    for (const e of cut) {
      const r = await lookUp(officer, e.order!, 'OCA');
      cutFound[r] = (cutFound[r] ?? 0) + 1;
    }
    // A clerk retrying a cut-off entry learns whether it was taken: ACK (it was not) or REJ DUP.
    const clerk = await signedOn(svc.port, 'CLERK');
    const retried: Record<string, number> = {};
    for (const e of cut) {
      const a = await clerk.send(epoText(e.order!));
      retried[statusOf(a)] = (retried[statusOf(a)] ?? 0) + 1;
    }
    await clerk.end();
    await officer.end();

    res.figure('entriesSent', epos.length);
    res.figure('entriesAcked', acked.length);
    res.figure('ackedFoundWhole', ackedFound.whole ?? 0);
    res.figure('cutOffByKill', cut.length);
    res.figure('cutOffWhole', cutFound.whole ?? 0);
    res.figure('cutOffAbsent', cutFound.absent ?? 0);
    res.figure('cutOffRetried', JSON.stringify(retried));

    res.check('entries were acknowledged before the kill', acked.length >= Math.min(o.acksBeforeKill, 1) && other.length === 0, `${acked.length} ACK; ${JSON.stringify(tally(epos))}`);
    res.check('every acknowledged entry is there, whole, after the restart', (ackedFound.whole ?? 0) === acked.length, JSON.stringify(ackedFound));
    res.check(
      'an entry cut off by the kill is whole or absent, never partial',
      (cutFound.whole ?? 0) + (cutFound.absent ?? 0) === cut.length,
      cut.length ? JSON.stringify(cutFound) : 'no entry was in flight at the kill',
    );

    if (o.sqlChecks) {
      await svc.stop();
      const db = await reg.open();
      try {
        const { rows } = await db.query<{ orders: string; no_person: string; no_protected: string; no_history: string; no_outbox: string }>(
          `SELECT count(*)::text AS orders,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.order_id = o.id))::text AS no_person,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM protected_persons p WHERE p.order_id = o.id))::text AS no_protected,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id))::text AS no_history,
                  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM carpos_outbox c WHERE c.order_id = o.id AND c.action = 'ENTER'))::text AS no_outbox
             FROM orders o`,
        );
        const r = rows[0]!;
        const broken = Number(r.no_person) + Number(r.no_protected) + Number(r.no_history) + Number(r.no_outbox);
        res.figure('ordersInTables', Number(r.orders));
        res.check('no order row without its person, protected person, history and CARPOS entry', broken === 0, `${r.orders} orders; without person ${r.no_person}, protected ${r.no_protected}, history ${r.no_history}, outbox ${r.no_outbox}`);
        // A write is on the audit trail before its ACK: the kill cannot have taken that back.
        const audited = await db.query<{ oca: string }>(`SELECT fields->>'ORDER.OCA' AS oca FROM audit_log WHERE mke = 'EPO' AND outcome = 'ACK'`);
        const ocas = new Set(audited.rows.map((x) => x.oca));
        const unaudited = acked.filter((e) => !ocas.has(e.order!.oca));
        res.check('every acknowledged entry is on the audit trail', unaudited.length === 0, `${acked.length - unaudited.length} of ${acked.length}`);
        const v = await verifyAuditTrail(db);
        res.check('the audit chain verifies after the kill', v.ok, v.ok ? `${v.entries} entries` : `broken: ${v.reason} at ${v.badId}`);
      } finally {
        await db.close();
      }
    }
    return res.done();
  });
}
