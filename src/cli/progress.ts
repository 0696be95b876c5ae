// A progress bar for long commands (seed, import): on a terminal, one line redrawn in place with
// the percentage, the rate and the time left, at most ten times a second; anywhere else (a file,
// a pipe, CI) nothing while it runs and one summary line at the end.

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Finishes the line (terminal) or prints the summary (otherwise). Safe to call twice. */
  done(): void;
}

type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export function progressBar(label: string, stream: ProgressStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  const started = performance.now();
  let lastDraw = -Infinity;
  let done = 0;
  let total = 0;
  let drawn = false;
  let finished = false;

  const line = (now: number) => {
    const elapsed = (now - started) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const left = rate > 0 && total > done ? (total - done) / rate : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const text =
      `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ` +
      `${count(done)}/${count(total)}  ${count(rate)}/s  ${done >= total && total > 0 ? `${duration(elapsed)} total` : `ETA ${rate > 0 ? duration(left) : '--'}`}`;
    // Never wider than the terminal, or every redraw would scroll.
    const width = stream.columns && stream.columns > 10 ? stream.columns - 1 : text.length;
    return text.slice(0, width);
  };

  return {
    update(d, t) {
      if (finished) return;
      done = d;
      total = t;
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && d < t) return;
      lastDraw = now;
      stream.write(`\r${line(now)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (finished) return;
      finished = true;
      const now = performance.now();
      if (tty) {
        if (drawn || total > 0) stream.write(`\r${line(now)}\x1b[K\n`);
      } else if (total > 0) {
        stream.write(`${line(now)}\n`);
      }
    },
  };
}

/** 1234567 -> 1.23M; small numbers as they are. */
function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Seconds -> 42s, 3m05s, 1h02m. */
function duration(s: number): string {
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
