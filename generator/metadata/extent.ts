/**
 * README `extent`: spatial (bbox or WKT) to GeoJSON geometry + bbox, temporal to ISO 8601 instants.
 */
import { StachubError } from '../errors.js';

export type Position = [number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

export interface SpatialExtent {
  geometry: Geometry;
  bbox: [number, number, number, number];
}

/** A problem with the extent; `message` is a sentence about the value. */
export class ExtentError extends StachubError {}

/** Turn `[minx, miny, maxx, maxy]` into a counter-clockwise box polygon (RFC 7946 winding). */
export function bboxToExtent(values: readonly number[]): { extent: SpatialExtent; warnings: string[] } {
  const warnings: string[] = [];
  if (values.length !== 4 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new ExtentError('a bbox is four numbers: [minx, miny, maxx, maxy]');
  }
  let [minx, miny, maxx, maxy] = values as [number, number, number, number];
  if (minx > maxx) {
    // SharingHub's own docs example has its x values the wrong way round; a box crossing the
    // antimeridian is far rarer than a swap, so swap and say so.
    warnings.push(`bbox minx ${minx} is greater than maxx ${maxx}; the two were swapped`);
    [minx, maxx] = [maxx, minx];
  }
  if (miny > maxy) {
    warnings.push(`bbox miny ${miny} is greater than maxy ${maxy}; the two were swapped`);
    [miny, maxy] = [maxy, miny];
  }
  checkLonLat(minx, miny);
  checkLonLat(maxx, maxy);
  return {
    extent: {
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [minx, miny],
            [maxx, miny],
            [maxx, maxy],
            [minx, maxy],
            [minx, miny],
          ],
        ],
      },
      bbox: [minx, miny, maxx, maxy],
    },
    warnings,
  };
}

function checkLonLat(x: number, y: number): void {
  if (x < -180 || x > 180) throw new ExtentError(`longitude ${x} is outside [-180, 180]`);
  if (y < -90 || y > 90) throw new ExtentError(`latitude ${y} is outside [-90, 90]`);
}

/** Parse a 2D WKT geometry (POINT, LINESTRING, POLYGON and their MULTI forms). */
export function wktToExtent(wkt: string, maxPoints = Infinity): SpatialExtent {
  const p = new WktParser(wkt, maxPoints);
  const geometry = p.geometry();
  p.end();
  const positions = flatten(geometry);
  if (positions.length === 0) throw new ExtentError('WKT geometry is empty');
  // One pass (Math.min(...xs) spreads every value as an argument and overflows the stack).
  let [minx, miny, maxx, maxy] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of positions) {
    checkLonLat(x, y);
    if (x < minx) minx = x;
    if (y < miny) miny = y;
    if (x > maxx) maxx = x;
    if (y > maxy) maxy = y;
  }
  return { geometry, bbox: [minx, miny, maxx, maxy] };
}

/** The extent has more positions than the budget allows. */
export class ExtentTooLargeError extends ExtentError {}

function flatten(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

class WktParser {
  private pos = 0;
  private positions = 0;
  constructor(
    private readonly text: string,
    private readonly maxPoints = Infinity,
  ) {}

  geometry(): Geometry {
    const word = this.word().toUpperCase();
    const dims = this.peekWord().toUpperCase();
    if (dims === 'Z' || dims === 'M' || dims === 'ZM') throw new ExtentError(`WKT ${word} ${dims}: only 2D geometries are supported`);
    switch (word) {
      case 'POINT':
        return { type: 'Point', coordinates: this.wrapped(() => this.position()) };
      case 'MULTIPOINT':
        // Both `MULTIPOINT (1 2, 3 4)` and `MULTIPOINT ((1 2), (3 4))` are legal WKT.
        return {
          type: 'MultiPoint',
          coordinates: this.list(() => (this.peek() === '(' ? this.wrapped(() => this.position()) : this.position())),
        };
      case 'LINESTRING':
        return { type: 'LineString', coordinates: this.list(() => this.position()) };
      case 'MULTILINESTRING':
        return { type: 'MultiLineString', coordinates: this.list(() => this.list(() => this.position())) };
      case 'POLYGON':
        return { type: 'Polygon', coordinates: this.list(() => this.ring()) };
      case 'MULTIPOLYGON':
        return { type: 'MultiPolygon', coordinates: this.list(() => this.list(() => this.ring())) };
      default:
        throw new ExtentError(`unsupported WKT geometry '${word || this.text.slice(0, 20)}'`);
    }
  }

  end(): void {
    this.skip();
    if (this.pos < this.text.length) throw new ExtentError(`unexpected '${this.text.slice(this.pos, this.pos + 10)}' after the WKT geometry`);
  }

  private ring(): Position[] {
    const ring = this.list(() => this.position());
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (ring.length < 4 || !first || !last || first[0] !== last[0] || first[1] !== last[1]) {
      throw new ExtentError('a WKT polygon ring needs at least 4 positions and must be closed (first = last)');
    }
    return ring;
  }

  private wrapped<T>(inner: () => T): T {
    this.expect('(');
    const v = inner();
    this.expect(')');
    return v;
  }

  private list<T>(item: () => T): T[] {
    this.expect('(');
    const out = [item()];
    while (this.peek() === ',') {
      this.pos++;
      out.push(item());
    }
    this.expect(')');
    return out;
  }

  private position(): Position {
    if (++this.positions > this.maxPoints) throw new ExtentTooLargeError(`the WKT geometry has more than ${this.maxPoints} positions`);
    return [this.number(), this.number()];
  }

  private number(): number {
    this.skip();
    const m = this.match(NUMBER);
    if (!m) throw new ExtentError(`expected a number at position ${this.pos + 1} of the WKT string`);
    return Number(m);
  }

  private word(): string {
    this.skip();
    return this.match(WORD) ?? '';
  }

  /** A sticky match at the current position (no copy of the rest of the text). */
  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private peekWord(): string {
    const save = this.pos;
    const w = this.word();
    if (w) this.pos = save;
    return w;
  }

  private peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) throw new ExtentError(`expected '${ch}' at position ${this.pos + 1} of the WKT string`);
    this.pos++;
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}

const NUMBER = /[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/y;
const WORD = /[A-Za-z]+/y;

/**
 * Normalise a README date-time to RFC 3339 UTC. SharingHub's docs write `2023-11-01T12:00:00.0`
 * (no zone): the contract says UTC, so a missing zone means UTC. A bare date means midnight UTC.
 */
export function toInstant(value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (typeof value !== 'string') throw new ExtentError(`${JSON.stringify(value)} is not a date-time`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value.trim());
  if (!m) throw new ExtentError(`'${value}' is not an ISO 8601 date-time (e.g. 2024-01-31T12:00:00Z)`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone.toUpperCase() === 'Z' ? 'Z' : zone}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new ExtentError(`'${value}' is not a valid date-time`);
  return new Date(t).toISOString().replace('.000Z', 'Z');
}
