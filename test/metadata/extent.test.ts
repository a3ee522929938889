import { describe, expect, it } from 'vitest';
import { ExtentError, toInstant, wktToExtent } from '../../generator/metadata/extent.js';
import { pathMatches } from '../../generator/metadata/assets.js';

describe('WKT extents', () => {
  it('parses points, lines, polygons and their multi forms', () => {
    expect(wktToExtent('POINT (1 2)')).toEqual({ geometry: { type: 'Point', coordinates: [1, 2] }, bbox: [1, 2, 1, 2] });
    expect(wktToExtent('MULTIPOINT ((1 2), (3 -4))').bbox).toEqual([1, -4, 3, 2]);
    expect(wktToExtent('multipoint (1 2, 3 4)').geometry.type).toBe('MultiPoint');
    expect(wktToExtent('LINESTRING (0 0, 10 5)').bbox).toEqual([0, 0, 10, 5]);
    expect(wktToExtent('MULTILINESTRING ((0 0, 1 1), (5 5, 6 7))').bbox).toEqual([0, 0, 6, 7]);
    expect(wktToExtent('MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))').bbox).toEqual([0, 0, 6, 6]);
    expect(wktToExtent('POLYGON ((1e1 0, 20 0, 20 5, 1e1 0))').bbox).toEqual([10, 0, 20, 5]);
  });
  it('rejects unclosed rings, 3D geometries, trailing text and out-of-range coordinates', () => {
    for (const bad of ['POLYGON ((0 0, 1 1, 2 0, 3 3))', 'POINT Z (1 2 3)', 'POINT (1 2) extra', 'POINT (190 0)', 'POINT (0 -91)', 'POINT (1)', 'TRIANGLE ((0 0))', '']) {
      expect(() => wktToExtent(bad), bad).toThrow(ExtentError);
    }
  });
});

describe('date-times', () => {
  it('normalises to RFC 3339 UTC; a missing zone means UTC', () => {
    expect(toInstant('2023-11-01T12:00:00.0')).toBe('2023-11-01T12:00:00Z');
    expect(toInstant('2023-11-01')).toBe('2023-11-01T00:00:00Z');
    expect(toInstant('2023-11-01T12:00:00+02:00')).toBe('2023-11-01T10:00:00Z');
    expect(toInstant('2023-11-01T12:00:00.250Z')).toBe('2023-11-01T12:00:00.250Z');
  });
  it('rejects what is not a date-time', () => {
    for (const bad of ['tomorrow', '2023-13-45', 42, null]) expect(() => toInstant(bad)).toThrow(ExtentError);
  });
});

describe('asset globs (PurePath.match semantics)', () => {
  it('anchors relative patterns on the right', () => {
    expect(pathMatches('*.py', 'a/b/c.py')).toBe(true);
    expect(pathMatches('data/*.zip', 'x/data/a.zip')).toBe(true);
    expect(pathMatches('data/*.zip', 'data/sub/a.zip')).toBe(false);
    expect(pathMatches('*.py', 'a.pyc')).toBe(false);
    expect(pathMatches('streamlit_app.py', 'streamlit_app.py')).toBe(true);
  });
  it('matches ** patterns against the whole path, dotfiles included', () => {
    expect(pathMatches('src/**/*.py', 'src/a/b/c.py')).toBe(true);
    expect(pathMatches('src/**/*.py', 'lib/src/a.py')).toBe(false);
    expect(pathMatches('*.cfg', '.hidden/x.cfg')).toBe(true);
  });
});
