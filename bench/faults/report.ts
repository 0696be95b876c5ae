// What a fault case reports: named checks (each passes or fails with the figure behind it), the
// figures measured, and notes. One PASS/FAIL line per case for `npm run faults`; tests assert the
// checks one by one so that a failure names what broke.

export interface Check {
  name: string;
  pass: boolean;
  /** The figure behind the verdict, in words. */
  detail: string;
}

export interface FaultResult {
  id: string;
  title: string;
  pass: boolean;
  /** Why the case could not run on this machine (not a failure). */
  skipped?: string;
  seconds: number;
  checks: Check[];
  figures: Record<string, number | string | boolean | null>;
  notes: string[];
}

export class ResultBuilder {
  private readonly checks: Check[] = [];
  readonly figures: FaultResult['figures'] = {};
  readonly notes: string[] = [];
  private readonly started = performance.now();

  constructor(
    private readonly id: string,
    private readonly title: string,
  ) {}

  check(name: string, pass: boolean, detail: string): boolean {
    this.checks.push({ name, pass, detail });
    return pass;
  }

  figure(name: string, value: number | string | boolean | null): void {
    this.figures[name] = typeof value === 'number' ? round(value) : value;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  done(): FaultResult {
    return {
      id: this.id,
      title: this.title,
      pass: this.checks.length > 0 && this.checks.every((c) => c.pass),
      seconds: round((performance.now() - this.started) / 1000),
      checks: this.checks,
      figures: this.figures,
      notes: this.notes,
    };
  }

  /** A case this machine cannot run (no privileges, no tool): reported, not failed. */
  skip(why: string): FaultResult {
    return { ...this.done(), pass: true, skipped: why };
  }

  /** A case that could not run at all: a failed result naming why. */
  error(err: unknown): FaultResult {
    this.check('the case ran to the end', false, (err as Error).stack ?? String(err));
    return this.done();
  }
}

/** Steps run in array order when the case ends, however it ends; one that rejects is passed over. */
export type Cleanup = (() => Promise<unknown> | void)[];

/**
 * The frame of every case: an error becomes a failed result, not a crash of the whole run; if the
 * service given to `watch` died by then, a note says so, since that is the finding.
 */
export async function runCase(
  res: ResultBuilder,
  body: (cleanup: Cleanup, watch: (service: { exitInfo(): string | undefined }) => void) => Promise<FaultResult>,
): Promise<FaultResult> {
  const cleanup: Cleanup = [];
  let watched: { exitInfo(): string | undefined } | undefined;
  try {
    return await body(cleanup, (service) => {
      watched = service;
    });
  } catch (err) {
    if (watched?.exitInfo()) res.note(`the service ${watched.exitInfo()}`);
    return res.error(err);
  } finally {
    for (const c of cleanup) {
      try {
        await c();
      } catch {
        // passed over: the other steps still run
      }
    }
  }
}

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** `PASS  redis-killed  Redis killed under load: <figures>` then one line per failed check. */
export function formatResult(r: FaultResult): string {
  const figs = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join('  ');
  if (r.skipped) return `SKIP  ${r.id.padEnd(18)} ${r.title}: ${r.skipped}`;
  const lines = [`${r.pass ? 'PASS' : 'FAIL'}  ${r.id.padEnd(18)} ${r.title} (${r.seconds} s)`, `      ${figs}`];
  for (const c of r.checks) lines.push(`      ${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail.split('\n')[0]}`);
  for (const n of r.notes) lines.push(`      note: ${n}`);
  return lines.join('\n');
}
