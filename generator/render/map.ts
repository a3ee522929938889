/**
 * The spatial extent of an item as an inline SVG on a bundled equirectangular graticule: no tile
 * server, no third-party request. Coordinates are WGS84 longitude/latitude (GeoJSON order).
 */
import { esc } from './html.js';
import { LAND } from './world.js';

type Position = number[];

const W = 360;
const H = 180;
const px = (lon: number): string => (lon + 180).toFixed(2);
const py = (lat: number): string => (90 - lat).toFixed(2);
// The outline is coarse: whole numbers are precise enough and keep the page small.
const lon0 = (lon: number): string => String(lon + 180);
const lat0 = (lat: number): string => String(90 - lat);

/** Every linear ring (or point) of a GeoJSON geometry, as lists of positions. */
function rings(geometry: Record<string, unknown>): { rings: Position[][]; points: Position[] } {
  const out = { rings: [] as Position[][], points: [] as Position[] };
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Point':
      out.points.push(arr(c) as Position);
      break;
    case 'MultiPoint':
      out.points.push(...(arr(c) as Position[]));
      break;
    case 'LineString':
      out.rings.push(arr(c) as Position[]);
      break;
    case 'MultiLineString':
    case 'Polygon':
      out.rings.push(...arr(c).map((r) => arr(r) as Position[]));
      break;
    case 'MultiPolygon':
      for (const poly of arr(c)) out.rings.push(...arr(poly).map((r) => arr(r) as Position[]));
      break;
    case 'GeometryCollection':
      for (const g of arr(geometry.geometries)) {
        if (g === null || typeof g !== 'object') continue;
        const sub = rings(g as Record<string, unknown>);
        out.rings.push(...sub.rings);
        out.points.push(...sub.points);
      }
      break;
  }
  out.rings = out.rings.filter((r) => r.length > 0);
  return out;
}

function validPosition(p: unknown): p is Position {
  return Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number' && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;
}

/** A compact description of a bbox for screen readers and the caption. */
export function describeBbox(b: number[]): string {
  const f = (v: number, pos: string, neg: string): string => `${Math.abs(v).toFixed(2).replace(/\.?0+$/, '')}°${v < 0 ? neg : pos}`;
  const [w, s, e, n] = b.length >= 6 ? [b[0]!, b[1]!, b[3]!, b[4]!] : [b[0]!, b[1]!, b[2]!, b[3]!];
  return `${f(w, 'E', 'W')} to ${f(e, 'E', 'W')}, ${f(s, 'N', 'S')} to ${f(n, 'N', 'S')}`;
}

/**
 * Inline SVG of the item's extent (its geometry, else its bbox), or null when the item has none
 * or it is the whole world (nothing to show).
 */
export function extentMap(id: string, geometry: Record<string, unknown> | null, bbox: number[] | undefined): string | null {
  let shapes = geometry ? rings(geometry) : { rings: [], points: [] };
  shapes = { rings: shapes.rings.filter((r) => r.every(validPosition)), points: shapes.points.filter(validPosition) };
  if (shapes.rings.length === 0 && shapes.points.length === 0 && bbox && bbox.length >= 4) {
    const [w, s, e, n] = bbox.length >= 6 ? [bbox[0]!, bbox[1]!, bbox[3]!, bbox[4]!] : [bbox[0]!, bbox[1]!, bbox[2]!, bbox[3]!];
    shapes.rings.push([[w, s], [e, s], [e, n], [w, n], [w, s]]);
  }
  if (shapes.rings.length === 0 && shapes.points.length === 0) return null;
  const all = [...shapes.rings.flat(), ...shapes.points];
  const box = bounds(all);
  if (box[0]! <= -180 && box[1]! <= -90 && box[2]! >= 180 && box[3]! >= 90) return null;
  const parts: string[] = [
    `<svg class="extent-map" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">Spatial extent: ${esc(describeBbox(box))}</title>`,
    `<rect class="sea" x="0" y="0" width="${W}" height="${H}"/>`,
  ];
  const grid: string[] = [];
  for (let lon = -150; lon <= 150; lon += 30) grid.push(`M${px(lon)} 0V${H}`);
  for (let lat = -60; lat <= 60; lat += 30) grid.push(`M0 ${py(lat)}H${W}`);
  parts.push(`<path class="graticule" d="${grid.join('')}"/>`);
  const land = LAND.map((ring) => ring.map((p, i) => `${i === 0 ? 'M' : 'L'}${lon0(p[0])} ${lat0(p[1])}`).join('') + 'Z').join('');
  parts.push(`<path class="land" d="${land}"/>`);
  parts.push(`<path class="equator" d="M0 ${py(0)}H${W}M${px(0)} 0V${H}"/>`);
  for (const ring of shapes.rings) {
    const d = ring.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0]!)} ${py(p[1]!)}`).join('');
    parts.push(`<path class="extent" d="${d}Z"/>`);
  }
  for (const p of shapes.points) parts.push(`<circle class="extent-point" cx="${px(p[0]!)}" cy="${py(p[1]!)}" r="3"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Web Mercator pixel coordinates at zoom `z` (256 px tiles). */
function mercator(lon: number, lat: number, z: number): [number, number] {
  const size = 256 * 2 ** z;
  const clamped = Math.max(-85.0511, Math.min(85.0511, lat));
  const s = Math.sin((clamped * Math.PI) / 180);
  return [((lon + 180) / 360) * size, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size];
}

/**
 * The extent over raster tiles from an XYZ template (`{z}/{x}/{y}`), for operators who configure a
 * tile server: the zoom is the largest that keeps the extent within 4 × 3 tiles.
 */
export function tiledExtentMap(
  id: string,
  geometry: Record<string, unknown> | null,
  bbox: number[] | undefined,
  tileUrl: string,
): string | null {
  const base = geometry ? rings(geometry) : { rings: [], points: [] };
  const shapes = { rings: base.rings.filter((r) => r.every(validPosition)), points: base.points.filter(validPosition) };
  if (shapes.rings.length === 0 && shapes.points.length === 0 && bbox && bbox.length >= 4) {
    const [w, s, e, n] = bbox.length >= 6 ? [bbox[0]!, bbox[1]!, bbox[3]!, bbox[4]!] : [bbox[0]!, bbox[1]!, bbox[2]!, bbox[3]!];
    shapes.rings.push([[w, s], [e, s], [e, n], [w, n], [w, s]]);
  }
  const all = [...shapes.rings.flat(), ...shapes.points];
  if (all.length === 0) return null;
  const box = bounds(all);
  let z = 0;
  for (let candidate = 14; candidate >= 0; candidate--) {
    const [x0, y0] = mercator(box[0], box[3], candidate);
    const [x1, y1] = mercator(box[2], box[1], candidate);
    if (Math.floor(x1 / 256) - Math.floor(x0 / 256) < 4 && Math.floor(y1 / 256) - Math.floor(y0 / 256) < 3) {
      z = candidate;
      break;
    }
  }
  const [px0, py0] = mercator(box[0], box[3], z);
  const [px1, py1] = mercator(box[2], box[1], z);
  const tx0 = Math.floor(px0 / 256);
  const ty0 = Math.floor(py0 / 256);
  const tx1 = Math.floor(Math.min(px1, 256 * 2 ** z - 1) / 256);
  const ty1 = Math.floor(Math.min(py1, 256 * 2 ** z - 1) / 256);
  const ox = tx0 * 256;
  const oy = ty0 * 256;
  const w = (tx1 - tx0 + 1) * 256;
  const h = (ty1 - ty0 + 1) * 256;
  const parts = [
    `<svg class="extent-map tiled" viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="${id}-t" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">Spatial extent: ${esc(describeBbox([...box]))}</title>`,
  ];
  for (let x = tx0; x <= tx1; x++) {
    for (let y = ty0; y <= ty1; y++) {
      const href = tileUrl.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
      parts.push(`<image href="${esc(href)}" x="${x * 256 - ox}" y="${y * 256 - oy}" width="256" height="256"/>`);
    }
  }
  const pt = (p: Position): string => {
    const [x, y] = mercator(p[0]!, p[1]!, z);
    return `${(x - ox).toFixed(1)} ${(y - oy).toFixed(1)}`;
  };
  for (const ring of shapes.rings) parts.push(`<path class="extent" d="${ring.map((p, i) => `${i === 0 ? 'M' : 'L'}${pt(p)}`).join('')}Z"/>`);
  for (const p of shapes.points) {
    const [x, y] = pt(p).split(' ');
    parts.push(`<circle class="extent-point" cx="${x}" cy="${y}" r="6"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** [minx, miny, maxx, maxy] of positions in one pass (no spread: an extent may have many positions). */
function bounds(positions: ReadonlyArray<ReadonlyArray<number>>): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of positions) {
    if (p[0]! < box[0]) box[0] = p[0]!;
    if (p[1]! < box[1]) box[1] = p[1]!;
    if (p[0]! > box[2]) box[2] = p[0]!;
    if (p[1]! > box[3]) box[3] = p[1]!;
  }
  return box;
}
