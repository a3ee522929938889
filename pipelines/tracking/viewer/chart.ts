/**
 * A metric's history over steps as an inline SVG, drawn on the server (no chart library, no script),
 * in the catalog's chart style (generator/render/charts.ts: `.chart`, `.grid`, `.tick`, `.line`,
 * `.dot`). The x axis is the step (numeric, so uneven steps stay in place); long histories are
 * thinned to at most `MAX_POINTS` points, keeping the first, the last and the lowest and highest value.
 */
import { paddedRange } from '../../../generator/render/charts.js';
import { esc, metricText } from './html.js';

export interface StepPoint {
  step: number;
  value: number;
}

/** Points drawn at most per chart: a line of a million points is no more readable than of 400. */
export const MAX_POINTS = 400;

const W = 360;
const H = 180;
const PAD = { left: 52, right: 14, top: 14, bottom: 32 };

/** Thin a series to at most `max` points, evenly by index, keeping the ends and the extremes. */
export function thin(points: StepPoint[], max = MAX_POINTS): StepPoint[] {
  if (points.length <= max) return points;
  let lo = 0;
  let hi = 0;
  points.forEach((p, i) => {
    if (p.value < points[lo]!.value) lo = i;
    if (p.value > points[hi]!.value) hi = i;
  });
  // max - 2 evenly spaced indices (the first and the last among them), plus the two extremes.
  const keep = new Set<number>([lo, hi]);
  const slots = max - 2;
  for (let k = 0; k < slots; k++) keep.add(Math.round((k * (points.length - 1)) / (slots - 1)));
  return [...keep].sort((a, b) => a - b).map((i) => points[i]!);
}

/**
 * A series read point by point (the store's own arrays, never copied whole): its finite points
 * thinned to at most `max` (evenly by index, plus the lowest and highest value), and the counts.
 */
export function thinSeries(length: number, at: (i: number) => StepPoint, max = MAX_POINTS): { points: StepPoint[]; total: number; nonFinite: number } {
  let lo = -1;
  let hi = -1;
  let nonFinite = 0;
  const finite: number[] = [];
  for (let i = 0; i < length; i++) {
    const v = at(i).value;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (length <= max) finite.push(i);
    if (lo === -1 || v < at(lo).value) lo = i;
    if (hi === -1 || v > at(hi).value) hi = i;
  }
  if (length <= max) return { points: finite.map(at), total: length, nonFinite };
  const keep = new Set<number>();
  if (lo !== -1) keep.add(lo).add(hi);
  const slots = max - 2;
  for (let k = 0; k < slots; k++) {
    const i = Math.round((k * (length - 1)) / (slots - 1));
    if (Number.isFinite(at(i).value)) keep.add(i);
  }
  return { points: [...keep].sort((a, b) => a - b).map(at), total: length, nonFinite };
}

/**
 * A line chart of one metric over steps. Non-finite values (NaN, ±Infinity) are left out of the
 * line and counted in the description. `id` must be unique in the page.
 */
export function stepChart(id: string, title: string, history: StepPoint[], counts?: { total: number; nonFinite: number }): string {
  const finite = history.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
  const skipped = counts ? counts.nonFinite : history.length - finite.length;
  const points = thin(finite);
  const descParts = [`${counts ? counts.total : history.length} point(s)`];
  if (finite.length) {
    const last = finite[finite.length - 1]!;
    descParts.push(`steps ${finite[0]!.step} to ${last.step}`, `last value ${metricText(last.value)} at step ${last.step}`);
  }
  if (skipped) descParts.push(`${skipped} non-finite value(s) not drawn`);
  const head = `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg"><title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(descParts.join(', '))}</desc>`;
  if (points.length === 0) return `${head}<text class="tick" x="${W / 2}" y="${H / 2}" text-anchor="middle">no finite value</text></svg>`;
  const [min, max] = paddedRange(points.map((p) => p.value));
  const s0 = points[0]!.step;
  const s1 = points[points.length - 1]!.step;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (step: number): number => PAD.left + (s1 === s0 ? plotW / 2 : ((step - s0) / (s1 - s0)) * plotW);
  const y = (v: number): number => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const r = (n: number): string => n.toFixed(1);
  const parts = [head];
  for (const t of [min, (min + max) / 2, max]) {
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${r(y(t))}" y2="${r(y(t))}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${r(y(t) + 4)}" text-anchor="end">${esc(metricText(Number(t.toPrecision(3))))}</text>`,
    );
  }
  const xTicks = [...new Set(s1 === s0 ? [s0] : [s0, Math.round((s0 + s1) / 2), s1])];
  for (const t of xTicks) parts.push(`<text class="tick" x="${r(x(t))}" y="${H - 12}" text-anchor="middle">${esc(String(t))}</text>`);
  parts.push(`<text class="tick" x="${W - PAD.right}" y="${H - 1}" text-anchor="end">step</text>`);
  if (points.length > 1) parts.push(`<path class="line" d="${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(x(p.step))} ${r(y(p.value))}`).join(' ')}"/>`);
  // Dots only while they stay readable.
  if (points.length <= 60) {
    for (const p of points) parts.push(`<circle class="dot" cx="${r(x(p.step))}" cy="${r(y(p.value))}" r="3"><title>${esc(`step ${p.step}: ${metricText(p.value)}`)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
