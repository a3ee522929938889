/**
 * Repairs of items that do not validate (generator/build.ts runs the rounds): per item, the
 * properties, assets and extensions validation asks to drop; an item that still fails after
 * `REPAIR_ROUNDS` rounds, or whose problem is elsewhere, has its project left out.
 */
import type { StacItem } from '../stac/types.js';
import type { Diagnostic } from '../types.js';
import type { ValidationProblem } from '../validate/index.js';

/** What validation asks to remove from one item (by item id) so that it validates. */
export interface ItemRepair {
  properties: Set<string>;
  assets: Set<string>;
  extensions: Set<string>;
}

/** Rounds of repair (dropping what does not validate) before an item that still fails is left out. */
export const REPAIR_ROUNDS = 3;

/** Where an item document is and whose it is. */
export interface ItemPlace {
  id: string;
  /** The project (record id) it belongs to. */
  project: string;
  json: StacItem;
}

/**
 * From validation problems to repairs: per item, the properties, assets and extensions to drop;
 * an item whose problem is elsewhere (or that a repair already failed to fix) is left out.
 */
export function repairPlan(
  problems: readonly ValidationProblem[],
  items: ReadonlyMap<string, ItemPlace>,
  done: ReadonlyMap<string, ItemRepair>,
  mayRepair: boolean,
): { repairs: Map<string, ItemRepair>; leaveOut: Map<string, Diagnostic>; notes: Map<string, Diagnostic[]> } {
  const repairs = new Map<string, ItemRepair>();
  const leaveOut = new Map<string, Diagnostic>();
  const notes = new Map<string, Diagnostic[]>();
  /** The (item, dropped part) pairs noted so far, so each gets one note. */
  const noted = new Set<string>();
  for (const p of problems) {
    const place = items.get(p.path);
    if (!place || p.kind === 'unavailable') continue;
    const before = done.get(place.id);
    const r = repairs.get(place.id) ?? { properties: new Set<string>(), assets: new Set<string>(), extensions: new Set<string>() };
    const prop = /^\/properties\/([^/]+)/.exec(p.pointer ?? '')?.[1];
    const asset = /^\/assets\/([^/]+)/.exec(p.pointer ?? '')?.[1];
    const extIndex = /^\/stac_extensions\/(\d+)/.exec(p.pointer ?? '')?.[1];
    const ext = extIndex !== undefined ? place.json.stac_extensions?.[Number(extIndex)] : p.schema;
    let what: string | undefined;
    if (p.kind === 'schema' && prop !== undefined && !before?.properties.has(unpointer(prop))) {
      r.properties.add(unpointer(prop));
      what = `property '${unpointer(prop)}'`;
    } else if (p.kind === 'schema' && asset !== undefined && !before?.assets.has(unpointer(asset))) {
      r.assets.add(unpointer(asset));
      what = `asset '${unpointer(asset)}'`;
    } else if (p.kind === 'schema' && ext !== undefined && !before?.extensions.has(ext)) {
      r.extensions.add(ext);
      what = `extension ${ext}`;
    }
    if (what && mayRepair) {
      repairs.set(place.id, r);
      const list = notes.get(place.project) ?? [];
      const key = `${place.id}\n${what}`;
      if (!noted.has(key)) {
        noted.add(key);
        list.push({ level: 'error', code: 'stac/dropped', message: `${what} of item ${place.id} does not validate (${p.message}); it is left out of the item`, file: p.path });
      }
      notes.set(place.project, list);
    } else if (!leaveOut.has(place.project)) {
      leaveOut.set(place.project, {
        level: 'error',
        code: 'stac/invalid-item',
        message: `item ${place.id} does not validate (${p.message}); the project is left out of the catalog`,
        file: p.path,
      });
    }
  }
  // A project left out needs no repair.
  for (const [id, r] of [...repairs]) if (leaveOut.has([...items.values()].find((i) => i.id === id)?.project ?? '')) repairs.delete(id);
  return { repairs, leaveOut, notes };
}

/** A JSON-pointer segment, unescaped. */
function unpointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** An item without what validation asked to drop. */
export function repaired(json: StacItem, r: ItemRepair): StacItem {
  const properties = Object.fromEntries(Object.entries(json.properties).filter(([k]) => !r.properties.has(k))) as StacItem['properties'];
  const assets = Object.fromEntries(Object.entries(json.assets).filter(([k]) => !r.assets.has(k)));
  return { ...json, stac_extensions: (json.stac_extensions ?? []).filter((u) => !r.extensions.has(u)), properties, assets };
}

