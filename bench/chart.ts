// The latency chart of a service benchmark (SVG, no dependencies): for each workload, at its
// maximum rate and paced at half of it, a bar from p50 to p99 with ticks at p90 and the maximum,
// on a logarithmic axis of milliseconds; the targets (2 ms, 5 ms) as dashed lines; throughput
// beside each row. docs/PERFORMANCE.md explains how to read it.
import type { Round, ServiceResult } from './service.ts';

const W = 900;
const LEFT = 250;
const RIGHT = 110;
const ROW = 26;
const TOP = 80;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function latencyChart(r: ServiceResult): string {
  const rows: { label: string; round: Round; paced: boolean }[] = [];
  for (const w of r.workloads) {
    rows.push({ label: w.label, round: w.median, paced: false });
    if (w.atHalfRate) rows.push({ label: `${w.label}, ½ rate`, round: w.atHalfRate, paced: true });
  }
  const lo = 0.05;
  const hi = Math.max(10, ...rows.map((x) => x.round.maxMs)) * 1.2;
  const plotW = W - LEFT - RIGHT;
  const x = (ms: number) => LEFT + (Math.log10(Math.max(ms, lo) / lo) / Math.log10(hi / lo)) * plotW;
  const H = TOP + rows.length * ROW + 50;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="monospace" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(`Inquiry and entry latency — ${r.options.orders.toLocaleString('en-US')} orders, ${r.options.terminals} terminals, ${r.options.workers} processes`)}</text>`);
  out.push(`<text x="10" y="38" fill="#555">${esc(`${r.when} · ${r.machine.cpus} CPUs · bar p50→p99, tick p90, dot max · log scale (ms)`)}</text>`);
  // Axis: decades and the targets.
  for (let d = 0.1; d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v < lo || v > hi) continue;
      out.push(`<line x1="${x(v).toFixed(1)}" y1="${TOP - 8}" x2="${x(v).toFixed(1)}" y2="${TOP + rows.length * ROW}" stroke="#eee"/>`);
      out.push(`<text x="${x(v).toFixed(1)}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toFixed(1)}</text>`);
    }
  }
  // Targets: p99 at half rate ≤ 2 ms (issue 7), ≤ 5 ms (issue 3).
  for (const [ms, label, anchor, dx] of [[2, 'p99 target 2 ms', 'end', -4], [5, '5 ms', 'start', 4]] as const) {
    out.push(`<line x1="${x(ms).toFixed(1)}" y1="${TOP - 14}" x2="${x(ms).toFixed(1)}" y2="${TOP + rows.length * ROW}" stroke="#c00" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${(x(ms) + dx).toFixed(1)}" y="${TOP - 18}" text-anchor="${anchor}" fill="#c00">${label}</text>`);
  }
  rows.forEach((row, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const q = row.round;
    const color = row.paced ? '#2a7' : '#36c';
    out.push(`<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${esc(row.label)}</text>`);
    out.push(`<rect x="${x(q.p50Ms).toFixed(1)}" y="${y - 7}" width="${Math.max(1, x(q.p99Ms) - x(q.p50Ms)).toFixed(1)}" height="14" fill="${color}" opacity="0.75"/>`);
    out.push(`<line x1="${x(q.p90Ms).toFixed(1)}" y1="${y - 9}" x2="${x(q.p90Ms).toFixed(1)}" y2="${y + 9}" stroke="#000"/>`);
    out.push(`<circle cx="${x(q.maxMs).toFixed(1)}" cy="${y}" r="3" fill="#000"/>`);
    out.push(`<text x="${W - RIGHT + 8}" y="${y + 4}">${esc(`${Math.round(q.perSecond).toLocaleString('en-US')}/s`)}</text>`);
  });
  out.push(`<text x="${LEFT + plotW / 2}" y="${H - 10}" text-anchor="middle" fill="#555">latency, milliseconds (log)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
