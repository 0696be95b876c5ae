// What the simulated CARPOS holds: its records by FCN, the answer given to every idempotency key,
// the FCN sequences, and the log of requests received. In memory, and written whole to a JSON file
// after every change when one is given (atomically: a temporary file renamed over the old one).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CarposAction, CarposOrder, ReceivedEntry } from './api.ts';

export interface CarposRecord {
  fcn: string;
  pno: string;
  agencyCode: string;
  ori: string;
  status: 'ACTIVE' | 'CANCELLED' | 'CLEARED';
  order: CarposOrder;
  enteredAt: string;
  /** Every transaction that took effect on this record, in the order it did. */
  transactions: { transaction: string; action: CarposAction; idempotencyKey: string; at: string; data?: unknown }[];
}

/** The answer given to an idempotency key: sent again, byte for byte, to a replay. */
export interface KeptAnswer {
  status: number;
  body: unknown;
  /** Hash of the request it answered: the same key with another request is refused. */
  requestHash: string;
}

interface State {
  records: Record<string, CarposRecord>;
  fcnByPno: Record<string, string>;
  answers: Record<string, KeptAnswer>;
  /** Next sequence number per agency code. */
  sequences: Record<string, number>;
  transactions: number;
  received: ReceivedEntry[];
}

const empty = (): State => ({ records: {}, fcnByPno: {}, answers: {}, sequences: {}, transactions: 0, received: [] });

export class CarposStore {
  private state: State;

  constructor(private readonly file?: string) {
    this.state = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as State) : empty();
  }

  record(fcn: string): CarposRecord | undefined {
    return this.state.records[fcn];
  }

  fcnOfPno(pno: string): string | undefined {
    return this.state.fcnByPno[pno];
  }

  answer(key: string): KeptAnswer | undefined {
    return this.state.answers[key];
  }

  get received(): readonly ReceivedEntry[] {
    return this.state.received;
  }

  get records(): CarposRecord[] {
    return Object.values(this.state.records);
  }

  /**
   * A new FCN: the agency's code and a ten-digit sequence number. A sequence starts at a random
   * point, so that FCNs of two runs without a data file do not collide in the registry.
   */
  nextFcn(agencyCode: string): string {
    let n = this.state.sequences[agencyCode] ?? 1 + Math.floor(Math.random() * 9_000_000_000);
    let fcn: string;
    do {
      fcn = agencyCode + String(n % 10_000_000_000).padStart(10, '0');
      n++;
    } while (this.state.records[fcn]);
    this.state.sequences[agencyCode] = n;
    return fcn;
  }

  nextTransaction(): string {
    this.state.transactions += 1;
    return `T${String(this.state.transactions).padStart(9, '0')}`;
  }

  addRecord(r: CarposRecord): void {
    this.state.records[r.fcn] = r;
    this.state.fcnByPno[r.pno] = r.fcn;
  }

  keep(key: string, a: KeptAnswer): void {
    this.state.answers[key] = a;
  }

  log(e: Omit<ReceivedEntry, 'seq' | 'at'>): ReceivedEntry {
    const entry = { seq: this.state.received.length + 1, at: new Date().toISOString(), ...e };
    this.state.received.push(entry);
    return entry;
  }

  reset(): void {
    this.state = empty();
    this.save();
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
