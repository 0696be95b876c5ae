// "A rejected message changes nothing" (SPEC 7.4), checked through the protocol alone: before the
// run, a JUDGE (or a CLERK: HST/Y shows every version of an order, inactive ones included) asks for
// a sample of known orders by PNO and keeps the answers; after the run the same inquiries must give
// the same answers, except for orders named in a write ACK (MPO, XPO, CPO, SPO) and, when orders
// were entered, their conflict markers. Order numbers are a sequence (PO + 9 digits + a check
// digit), so the orders created during the run can be listed too: they must be exactly those whose
// EPO was acknowledged.
import { MdtClient, type Answer, type Endpoint } from '../mdt/client.ts';
import type { Credential } from '../mdt/credentials.ts';
import type { ServiceClock } from '../mdt/service-clock.ts';
import { pnoOf } from '../mdt/text.ts';
import { fieldValue, formatMessage, isWellFormedPno } from '../../protocol/index.ts';
import type { Rng } from './rng.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seqOf = (pno: string) => Number(pno.slice(2, 11));

export type FullCredential = Credential & { ori: string; password: string };

export interface Finding {
  check: string;
  detail: string;
}

export class RegistryAuditor {
  private constructor(
    readonly client: MdtClient,
    readonly cred: FullCredential,
    /** HST/Y: every version and inactive orders too (JUDGE, CLERK). */
    readonly history: boolean,
    readonly clock: ServiceClock,
  ) {}

  static async open(endpoint: Endpoint, cred: FullCredential, clock: ServiceClock, timeoutMs: number): Promise<RegistryAuditor> {
    const client = await MdtClient.connect({ ...endpoint, insecure: true }, { replyTimeoutMs: timeoutMs, keepUnsolicited: false });
    const a = await client.send(`SON.${cred.ori}.USR/${cred.user}.PWD/${cred.password}`);
    clock.observe(a.time);
    if (a.status !== 'ACK') {
      client.close();
      throw new Error(`${cred.user} could not sign on to check the registry: ${a.body.join(' ')}`);
    }
    return new RegistryAuditor(client, cred, cred.role === 'JUDGE' || cred.role === 'CLERK', clock);
  }

  /** Sends, waiting out the service's rate limit (REJ RAT) rather than counting it. */
  async ask(text: string): Promise<Answer> {
    let a = await this.client.send(text);
    for (let tries = 0; a.status === 'REJ' && a.reject?.code === 'RAT' && tries < 100; tries++) {
      await sleep(100);
      a = await this.client.send(text);
    }
    this.clock.observe(a.time);
    return a;
  }

  inquire(pno: string): Promise<Answer> {
    return this.ask(formatMessage({ mke: 'QPO', ori: this.cred.ori, inquiry: { form: 'PNO', pno }, hst: this.history }));
  }

  async exists(seq: number): Promise<boolean> {
    return (await this.inquire(pnoOf(seq))).status === 'HIT';
  }

  /** The highest order number issued so far (sequence), allowing for a few unused numbers. */
  async lastSequence(): Promise<number> {
    let hi = 1;
    while (hi < 1e9 && (await this.exists(hi))) hi *= 2;
    let lo = hi === 1 ? 0 : hi / 2; // lo exists (or 0), hi does not
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.exists(mid)) lo = mid;
      else hi = mid;
    }
    return this.scanFrom(lo);
  }

  /** From `seq`, looks 30 numbers further each time one is found (numbers burnt by failed entries). */
  async scanFrom(seq: number, found: Set<string> = new Set()): Promise<number> {
    let last = seq;
    for (let n = seq + 1; n <= last + 30; n++) {
      if (await this.exists(n)) {
        last = n;
        found.add(pnoOf(n));
      }
    }
    return last;
  }

  /** Restrained persons seen in the snapshots: names and dates of birth that inquiries can find. */
  readonly people: { nam: string; dob: string }[] = [];

  /** Each order's answer, as the auditor sees it (its header left out: it carries the time). */
  async snapshot(pnos: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const pno of pnos) {
      const a = await this.inquire(pno);
      out.set(pno, `${a.status}\n${a.body.join('\n')}`);
      for (const rec of a.records) {
        const nam = fieldValue(rec.fields, 'NAM');
        const dob = fieldValue(rec.fields, 'DOB');
        if (nam && dob && this.people.length < 200) this.people.push({ nam, dob });
      }
    }
    return out;
  }

  close(): void {
    this.client.close();
  }
}

/** Which orders to watch: the first ones and a seeded random sample of the others. */
export function sampleSequences(last: number, want: number, rng: Rng): number[] {
  const out = new Set<number>();
  for (let n = 1; n <= Math.min(last, Math.ceil(want / 2)); n++) out.add(n);
  for (let tries = 0; out.size < Math.min(want, last) && tries < want * 20; tries++) out.add(rng.range(1, last));
  return [...out].sort((a, b) => a - b);
}

/** Conflict markers change when another order is entered or changed: `CFL/... PRV/...`. */
const withoutConflicts = (s: string) => s.replace(/ ?CFL\/\S+( PRV\/\S+)?/g, '');

/**
 * Compares the snapshots before and after. `changed`: PNOs named by a write ACK; `entered`: PNOs
 * of acknowledged EPOs. Returns the findings (empty when the registry is as the ACKs explain).
 */
export function compareSnapshots(before: Map<string, string>, after: Map<string, string>, changed: ReadonlySet<string>, entered: ReadonlySet<string>): { findings: Finding[]; explained: number } {
  const findings: Finding[] = [];
  let explained = 0;
  for (const [pno, was] of before) {
    const now = after.get(pno);
    if (now === was) continue;
    if (changed.has(pno)) {
      explained++;
      continue;
    }
    if ((entered.size > 0 || changed.size > 0) && now !== undefined && withoutConflicts(now) === withoutConflicts(was)) {
      explained++;
      continue;
    }
    const a = was.split('\n');
    const b = (now ?? '(no answer)').split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    findings.push({
      check: 'registry changed',
      detail: `${pno} changed with no write ACK naming it: line ${i + 1} was '${a[i] ?? ''}', is '${b[i] ?? ''}'`,
    });
  }
  return { findings, explained };
}

/** The orders that appeared after `last` must be exactly those of the acknowledged EPOs. */
export async function checkNewOrders(auditor: RegistryAuditor, last: number, entered: ReadonlySet<string>): Promise<{ findings: Finding[]; found: number }> {
  const found = new Set<string>();
  const highest = Math.max(last, ...[...entered].filter(isWellFormedPno).map(seqOf));
  for (let n = last + 1; n <= highest; n++) if (await auditor.exists(n)) found.add(pnoOf(n));
  await auditor.scanFrom(highest, found);
  const findings: Finding[] = [];
  for (const pno of found) {
    if (!entered.has(pno)) findings.push({ check: 'order without ACK', detail: `${pno} exists, but no EPO of the run was acknowledged with it` });
  }
  for (const pno of entered) {
    if (!found.has(pno)) findings.push({ check: 'ACKed order missing', detail: `EPO was acknowledged with ${pno}, but QPO does not find it` });
  }
  return { findings, found: found.size };
}
