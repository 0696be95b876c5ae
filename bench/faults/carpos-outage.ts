// c. CARPOS down and back. A clerk enters orders and an officer records service while the service's
// gateway sends them to the CARPOS simulator (a child process keeping its state in a file). The
// simulator is made to hold its answers (it has applied the requests, the gateway has not heard),
// then SIGKILLed; entries and services go on; it is started again with the same file. Expected:
// every acknowledged entry and service reaches CARPOS exactly once (0 lost, 0 duplicated), and
// every order shows the FCN CARPOS gave it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CarposRecord } from '../../simulators/carpos/store.ts';
import type { Control, ReceivedEntry } from '../../simulators/carpos/api.ts';
import { startCarposSimulator, type CarposSimulator } from '../../simulators/carpos/server.ts';
import { freePort } from '../../test/support/redis-server.ts';
import { freshRegistry } from './registry.ts';
import { ResultBuilder, runCase, type FaultResult } from './report.ts';
import { ServiceUnderTest } from './service.ts';
import { qpoPno, signedOn, sleep, spoText, statusOf, tally, Traffic } from './traffic.ts';

const MAIN = new URL('../../simulators/carpos/main.ts', import.meta.url).pathname;

export interface CarposOutageOptions {
  databaseUrl: string | undefined;
  beforeMs: number;
  downMs: number;
  /** How long the gateway gets to deliver everything after CARPOS is back. */
  drainMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  /** `process` (default): `npm run carpos` as a child, SIGKILLed; `in-process`: closed abruptly (quicker to start, for tests). */
  simulator?: 'process' | 'in-process';
}

interface Doj {
  readonly url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  control(body: unknown): Promise<void>;
  received(): Promise<ReceivedEntry[]>;
  records(): Promise<CarposRecord[]>;
}

/** The simulator as its own process (`npm run carpos`), so that it can be killed for real. */
class CarposProcess implements Doj {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  constructor(
    readonly port: number,
    readonly dataFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(this.port), '--data', this.dataFile, '--quiet'], { stdio: 'ignore' });
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    for (let i = 0; i < 600; i++) {
      if (proc.exitCode !== null) throw new Error(`CARPOS simulator exited with ${proc.exitCode}`);
      try {
        if ((await fetch(`${this.url}/_control`)).ok) return;
      } catch {
        // not yet listening
      }
      await sleep(100);
    }
    throw new Error('CARPOS simulator did not start');
  }

  async kill(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async control(body: unknown): Promise<void> {
    const r = await fetch(`${this.url}/_control`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!r.ok) throw new Error(`control: ${r.status}`);
  }

  async received(): Promise<ReceivedEntry[]> {
    return ((await (await fetch(`${this.url}/_received`)).json()) as { received: ReceivedEntry[] }).received;
  }

  async records(): Promise<CarposRecord[]> {
    return ((await (await fetch(`${this.url}/_records`)).json()) as { records: CarposRecord[] }).records;
  }
}

/** The simulator in this process: "killed" by closing every connection at once, answers unsent. */
class CarposInProcess implements Doj {
  private sim: CarposSimulator | undefined;
  constructor(
    readonly port: number,
    readonly dataFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.sim = await startCarposSimulator({ port: this.port, dataFile: this.dataFile });
  }

  async kill(): Promise<void> {
    await this.sim?.close();
    this.sim = undefined;
  }

  async control(body: unknown): Promise<void> {
    this.sim!.control(body as Control);
  }

  async received(): Promise<ReceivedEntry[]> {
    return [...this.sim!.received()];
  }

  async records(): Promise<CarposRecord[]> {
    return this.sim!.store.records;
  }
}

export async function carposOutage(o: CarposOutageOptions): Promise<FaultResult> {
  const res = new ResultBuilder('carpos-outage', 'CARPOS down and back');
  return runCase(res, async (cleanup, watch) => {
    const dir = mkdtempSync(join(tmpdir(), 'ccpor-fault-carpos-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const doj: Doj = o.simulator === 'in-process' ? new CarposInProcess(await freePort(), join(dir, 'carpos.json')) : new CarposProcess(await freePort(), join(dir, 'carpos.json'));
    await doj.start();
    cleanup.unshift(() => doj.kill());
    const reg = await freshRegistry(o.databaseUrl);
    cleanup.push(() => reg.cleanup());
    const svc = await ServiceUnderTest.start({
      ...reg.env,
      CARPOS_URL: doj.url,
      CARPOS_POLL_MS: '200',
      CARPOS_TIMEOUT_MS: '3000',
      CARPOS_RETRY_BASE_MS: String(o.retryBaseMs),
      CARPOS_RETRY_CAP_MS: String(o.retryCapMs),
    });
    watch(svc);
    cleanup.unshift(() => svc.stop());
    res.figure('registry', reg.kind);

    // Entries all along; services recorded while CARPOS is down (changes queued behind entries).
    const traffic = new Traffic({ port: svc.port, officers: 0, clerks: 1, known: [], pauseMs: 40, replyTimeoutMs: 20_000, reconnect: true });
    cleanup.unshift(() => traffic.stop());
    // Up: entries flow to CARPOS.
    const acks = () => traffic.outcomes.filter((x) => x.status === 'ACK').length;
    const appliedAtDoj = async () => (await doj.received()).filter((r) => r.outcome === 'applied').length;
    const upUntil = performance.now() + 60_000;
    await sleep(o.beforeMs);
    while (performance.now() < upUntil && (acks() < 5 || (await appliedAtDoj()) < 3)) await sleep(200);
    // The nastiest moment to die: requests applied at DOJ whose answers the gateway never gets.
    // Requests logged after the switch took effect are held: applied and saved, never answered.
    await doj.control({ mode: 'slow', delayMs: 600_000 });
    const seqAtSwitch = (await doj.received()).length;
    const heldNow = async () => (await doj.received()).filter((r) => r.seq > seqAtSwitch && r.outcome === 'applied');
    const holdUntil = performance.now() + 15_000;
    while (performance.now() < holdUntil && (await heldNow()).length === 0) await sleep(100);
    const held = await heldNow();
    const seqAtKill = (await doj.received()).length;
    await doj.kill();
    const downAt = performance.now();
    const acksAtKill = acks();
    const officer = await signedOn(svc.port, 'OFFICER');
    const served: string[] = [];
    const serveFailures: string[] = [];
    const enteredSoFar = traffic.outcomes.filter((x) => x.status === 'ACK').map((x) => x.pno!);
    for (const pno of enteredSoFar.slice(0, 10)) {
      const a = await officer.send(spoText(pno));
      if (a.status === 'ACK') served.push(pno);
      else serveFailures.push(`${pno}: ${statusOf(a)}`);
    }
    // Down for downMs, and long enough for a few entries to be taken meanwhile.
    const downUntil = performance.now() + 60_000;
    while (performance.now() < downUntil && (performance.now() - downAt < o.downMs || acks() < acksAtKill + 3)) await sleep(100);
    await traffic.stop();
    res.check('the service stayed up', svc.running, svc.exitInfo() ?? 'running');
    const enteredWhileDown = acks() - acksAtKill;
    await doj.start(); // same data file: what DOJ applied before it died is still there
    const backAt = performance.now();

    const epos = traffic.outcomes.filter((x) => x.kind === 'EPO');
    const entered = epos.filter((x) => x.status === 'ACK').map((x) => x.pno!);
    const sent = entered.length + served.length;

    // Delivered when CARPOS holds every entry and every service.
    let records: CarposRecord[] = [];
    let drainedS: number | null = null;
    const want = new Set(entered);
    while (performance.now() - backAt < o.drainMs) {
      records = await doj.records();
      const byPno = new Map(records.map((r) => [r.pno, r]));
      const complete = [...want].every((p) => byPno.has(p)) && served.every((p) => byPno.get(p)?.transactions.some((t) => t.action === 'SERVE'));
      if (complete) {
        drainedS = (performance.now() - backAt) / 1000;
        break;
      }
      await sleep(250);
    }
    // A little longer: a duplicate sent late would show now.
    await sleep(1_000);
    records = await doj.records();
    const received = await doj.received();

    const applied = new Map<string, number>();
    for (const r of records) for (const t of r.transactions) applied.set(`${r.pno} ${t.action}`, (applied.get(`${r.pno} ${t.action}`) ?? 0) + 1);
    const recordsPerPno = new Map<string, number>();
    for (const r of records) recordsPerPno.set(r.pno, (recordsPerPno.get(r.pno) ?? 0) + 1);
    const duplicates =
      [...applied.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0) + [...recordsPerPno.values()].filter((n) => n > 1).reduce((a, n) => a + n - 1, 0);
    const lostEntries = entered.filter((p) => !applied.has(`${p} ENTER`));
    const lostServices = served.filter((p) => !applied.has(`${p} SERVE`));
    const refusedAtDoj = received.filter((r) => r.outcome === 'rejected');
    const replayed = received.filter((r) => r.outcome === 'replayed').length;
    // Each held request sent again after the restart under its key, and answered from the kept answer.
    const heldReplayed = held.filter((h) => received.some((r) => r.seq > seqAtKill && r.idempotencyKey === h.idempotencyKey && r.outcome === 'replayed'));

    // The registry shows the FCN CARPOS gave each order.
    const fcnOf = new Map(records.map((r) => [r.pno, r.fcn]));
    let fcnShown = 0;
    const wrongFcn: string[] = [];
    for (const pno of entered) {
      const a = await officer.send(qpoPno(pno));
      const shown = a.records[0]?.fields.find(([t]) => t === 'FCN')?.[1];
      if (shown && shown === fcnOf.get(pno)) fcnShown++;
      else wrongFcn.push(`${pno}: ${statusOf(a)} FCN ${shown ?? '-'} (CARPOS ${fcnOf.get(pno) ?? 'none'})`);
    }
    await officer.end();

    res.figure('entriesAcked', entered.length);
    res.figure('servicesAcked', served.length);
    res.figure('sent', sent);
    res.figure('receivedAtCarpos', [...applied.values()].reduce((a, n) => a + n, 0));
    res.figure('lost', lostEntries.length + lostServices.length);
    res.figure('duplicates', duplicates);
    res.figure('appliedButUnansweredAtKill', held.length);
    res.figure('heldThenReplayed', heldReplayed.length);
    res.figure('replayed', replayed);
    res.figure('refusedByCarpos', refusedAtDoj.length);
    res.figure('entriesWhileDown', enteredWhileDown);
    res.figure('carposDownS', (backAt - downAt) / 1000);
    res.figure('deliveredAllAfterS', drainedS);
    res.figure('fcnShown', fcnShown);
    res.figure('entryFailures', epos.length - entered.length);

    res.check('orders were entered and served around the outage', entered.length > 0 && served.length > 0 && serveFailures.length === 0, `${entered.length} entries, ${served.length} services acknowledged${serveFailures.length ? `; refused: ${serveFailures.join(', ')}` : ''}`);
    res.check('entries went on while CARPOS was down', enteredWhileDown > 0 && epos.every((x) => x.status === 'ACK'), `${enteredWhileDown} acknowledged while down; all: ${JSON.stringify(tally(epos))}`);
    res.check(
      'requests CARPOS applied but never answered were sent again and answered once',
      held.length > 0 && heldReplayed.length === held.length,
      `${held.length} applied with the answer held at the kill; ${heldReplayed.length} sent again under the same key after the restart and answered from the kept answer`,
    );
    res.check('0 lost', lostEntries.length + lostServices.length === 0, `${sent - lostEntries.length - lostServices.length} of ${sent} received${lostEntries.length ? `; entries missing ${lostEntries.slice(0, 5).join(', ')}` : ''}${lostServices.length ? `; services missing ${lostServices.slice(0, 5).join(', ')}` : ''}`);
    res.check('0 duplicated', duplicates === 0, `${duplicates} transaction(s) applied more than once`);
    res.check('nothing refused by CARPOS', refusedAtDoj.length === 0, refusedAtDoj.length ? refusedAtDoj.slice(0, 3).map((r) => `${r.action} ${r.pno} ${r.status}`).join(', ') : 'none');
    res.check('every order shows the FCN CARPOS gave it', fcnShown === entered.length, `${fcnShown} of ${entered.length}${wrongFcn.length ? `; ${wrongFcn.slice(0, 3).join('; ')}` : ''}`);
    return res.done();
  });
}

