// Terminals that keep working while a fault is injected, and remember every answer: when it was
// asked, when it came, what it was. Officers inquire about orders known to exist (so anything but
// a HIT is a failed inquiry); clerks enter orders and keep the PNO of every ACK. Built on the MDT
// simulator's protocol client (simulators/mdt/client.ts): the service is reached only over TCP.
import { localDate, addDays } from '../../db/dates.ts';
import { MdtClient, type Answer } from '../../simulators/mdt/client.ts';
import { letterCounter, randomLetters } from '../../simulators/mdt/text.ts';
import { COURT, POLICE, son, USERS } from './registry.ts';

export interface Outcome {
  terminal: string;
  kind: 'QPO' | 'EPO' | 'SPO';
  /** ms since the traffic started. */
  sentAt: number;
  at: number;
  /** `HIT`, `ACK`, `REJ UNA`, ... or `ERROR <reason>` when no reply came. */
  status: string;
  /** EPO: the order sent; its PNO when acknowledged. */
  order?: SentOrder;
  pno?: string;
}

export interface SentOrder {
  nam: string;
  dob: string;
  oca: string;
  ppn: string;
  ppb: string;
  pco: string;
  pno?: string;
}

export const today = () => localDate(new Date(), 'America/Los_Angeles');

let entryCounter = 0;
const RUN = randomLetters(4);

/** A new, valid order for the court: unique name and case number. */
export function newOrder(): SentOrder {
  const n = ++entryCounter;
  const y = 1950 + (n % 50);
  const m = String(1 + (n % 12)).padStart(2, '0');
  const d = String(1 + (n % 28)).padStart(2, '0');
  return { nam: `FAULT${RUN}${letterCounter(n)}, ALEX`, dob: `${y}${m}${d}`, oca: `FI-${RUN}-${n}`, ppn: `SAFE${RUN}${letterCounter(n)}, JAN`, ppb: '19900101', pco: '01 05' };
}

export function epoText(o: SentOrder): string {
  const isd = today();
  return (
    `EPO.${COURT}.NAM/${o.nam}.SEX/M.RAC/W.DOB/${o.dob}.TYP/DVRO.OCA/${o.oca}.ISD/${isd}.EXP/${addDays(isd, 365)}` +
    `.PCO/${o.pco}.PPN/${o.ppn}.PSX/F.PPB/${o.ppb}`
  );
}

export const qpoPno = (pno: string) => `QPO.${POLICE}.PNO/${pno}`;
export const qpoName = (o: SentOrder) => `QPO.${POLICE}.NAM/${o.nam}.DOB/${o.dob}`;
export const qpoCase = (o: SentOrder) => `QPO.${POLICE}.OCA/${o.oca}.CTI/${COURT}`;
export const spoText = (pno: string) => `SPO.${POLICE}.PNO/${pno}.SDT/${today()}0000.SHW/PERSONAL.SVB/FAULT TEST`;

export const statusOf = (a: Answer) => (a.status === 'REJ' ? `REJ ${a.reject?.code ?? '?'}` : a.status);
export const pnoOf = (a: Answer) => a.fields.find(([t]) => t === 'PNO')?.[1];

/** A terminal signed on as `role`, or an error after `timeoutMs`; `keepUnsolicited`: keep NOTEs and MSGs to read. */
export async function signedOn(port: number, role: keyof typeof USERS, timeoutMs = 30_000, keepUnsolicited = false): Promise<MdtClient> {
  const c = await MdtClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 5_000 }, { replyTimeoutMs: timeoutMs, keepUnsolicited });
  const a = await c.send(son(role));
  if (a.status !== 'ACK') {
    c.close();
    throw new Error(`sign-on as ${USERS[role].name}: ${a.lines.join(' / ')}`);
  }
  return c;
}

/** Enters `n` orders one after another; every one must be acknowledged. */
export async function enterOrders(port: number, n: number): Promise<SentOrder[]> {
  const clerk = await signedOn(port, 'CLERK');
  const out: SentOrder[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const o = newOrder();
      const a = await clerk.send(epoText(o));
      if (a.status !== 'ACK') throw new Error(`setup EPO: ${a.lines.join(' / ')}`);
      out.push({ ...o, pno: pnoOf(a) });
    }
  } finally {
    await clerk.end();
  }
  return out;
}

export interface TrafficOptions {
  port: number;
  /** Officers inquiring, each one message at a time. */
  officers: number;
  /** Clerks entering orders, each one at a time. */
  clerks: number;
  /** Orders the officers ask about (by name and DOB, and by PNO). */
  known: SentOrder[];
  /** Pause between one answer and the next message, per terminal. */
  pauseMs: number;
  /** Per message. */
  replyTimeoutMs: number;
  /** Connect and sign on again when the connection is lost. */
  reconnect: boolean;
}

export class Traffic {
  readonly outcomes: Outcome[] = [];
  readonly t0 = performance.now();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly clients = new Set<MdtClient>();
  /** Connections lost, and sign-ons that failed, while running. */
  reconnects = 0;

  constructor(private readonly o: TrafficOptions) {
    for (let i = 0; i < o.officers; i++) this.loops.push(this.loop(`officer-${i + 1}`, 'OFFICER'));
    for (let i = 0; i < o.clerks; i++) this.loops.push(this.loop(`clerk-${i + 1}`, 'CLERK'));
  }

  now(): number {
    return performance.now() - this.t0;
  }

  /** Stops sending; waits for the answers still expected. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    for (const c of this.clients) c.close();
  }

  /** Stops at once (the service is being killed): nothing more is sent, connections are dropped. */
  halt(): void {
    this.stopped = true;
  }

  async settle(): Promise<void> {
    await Promise.all(this.loops);
    for (const c of this.clients) c.close();
  }

  private async loop(name: string, role: 'OFFICER' | 'CLERK'): Promise<void> {
    let client: MdtClient | undefined;
    let i = 0;
    while (!this.stopped) {
      if (!client?.isOpen) {
        if (client) this.reconnects++;
        try {
          client = await signedOn(this.o.port, role, this.o.replyTimeoutMs);
          this.clients.add(client);
        } catch {
          client = undefined;
          await sleep(200);
          continue;
        }
      }
      i++;
      let kind: Outcome['kind'];
      let text: string;
      let order: SentOrder | undefined;
      if (role === 'CLERK') {
        kind = 'EPO';
        order = newOrder();
        text = epoText(order);
      } else {
        kind = 'QPO';
        const k = this.o.known[i % this.o.known.length]!;
        text = i % 2 ? qpoName(k) : qpoPno(k.pno!);
      }
      const sentAt = this.now();
      try {
        const a = await client.send(text, { timeoutMs: this.o.replyTimeoutMs });
        const status = statusOf(a);
        const pno = status === 'ACK' ? pnoOf(a) : undefined;
        this.outcomes.push({ terminal: name, kind, sentAt, at: this.now(), status, ...(order ? { order: { ...order, pno } } : {}), ...(pno ? { pno } : {}) });
      } catch (err) {
        const reason = (err as Error).name === 'ReplyTimeout' ? 'timeout' : (err as Error).name === 'ConnectionClosed' ? 'connection-lost' : (err as Error).message;
        this.outcomes.push({ terminal: name, kind, sentAt, at: this.now(), status: `ERROR ${reason}`, ...(order ? { order } : {}) });
        if (!this.o.reconnect && !client.isOpen) return;
      }
      if (this.o.pauseMs > 0) await sleep(this.o.pauseMs);
    }
    await client?.end(500).catch(() => {});
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Counts by status. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o.status] = (out[o.status] ?? 0) + 1;
  return out;
}
