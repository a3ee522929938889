/**
 * Metric charts drawn at build time as inline SVG: no chart library and no script on the page.
 * Colours come from CSS (`currentColor` and classes), so the charts follow the light/dark theme.
 */
import { esc } from './html.js';
import { formatMetric } from './format.js';

/** One point of a series: a label on the x axis (e.g. a version) and a value. */
export interface ChartPoint {
  label: string;
  value: number;
}

const W = 320;
const H = 160;
const PAD = { left: 48, right: 12, top: 14, bottom: 30 };

/** Three "nice" tick values spanning [min, max]. */
function ticks(min: number, max: number): number[] {
  if (min === max) return [min];
  return [min, (min + max) / 2, max];
}

/**
 * The value range a chart draws: the data's, padded by 8% each side (a flat series gets 10% of its
 * value, or 1 around zero), so no point sits on the frame.
 */
export function paddedRange(values: readonly number[]): [number, number] {
  let min = values.reduce((a, b) => Math.min(a, b), Infinity);
  let max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const pad = min === max ? (min === 0 ? 1 : Math.abs(min) * 0.1) : (max - min) * 0.08;
  min -= pad;
  max += pad;
  return [min, max];
}

/**
 * A line chart of `points` (in order) with axes, tick labels and an accessible name.
 * `id` must be unique in the page (it labels the SVG).
 */
export function lineChart(id: string, title: string, points: ChartPoint[]): string {
  const [min, max] = paddedRange(points.map((p) => p.value));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number): number =>
    PAD.left + (points.length === 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v: number): number => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const r = (n: number): string => n.toFixed(1);
  const parts: string[] = [];
  const desc = points.map((p) => `${p.label}: ${formatMetric(p.value)}`).join(', ');
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(desc)}</desc>`,
  );
  for (const t of ticks(min, max)) {
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${r(y(t))}" y2="${r(y(t))}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${r(y(t) + 4)}" text-anchor="end">${esc(formatMetric(Number(t.toPrecision(3))))}</text>`,
    );
  }
  const every = Math.ceil(points.length / 8);
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) {
      parts.push(`<text class="tick" x="${r(x(i))}" y="${H - 10}" text-anchor="middle">${esc(p.label)}</text>`);
    }
  });
  if (points.length > 1) {
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(x(i))} ${r(y(p.value))}`).join(' ');
    parts.push(`<path class="line" d="${d}"/>`);
  }
  points.forEach((p, i) => {
    parts.push(`<circle class="dot" cx="${r(x(i))}" cy="${r(y(p.value))}" r="3.5"><title>${esc(`${p.label}: ${formatMetric(p.value)}`)}</title></circle>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
