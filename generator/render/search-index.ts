/**
 * The site's search index, in small files fetched on demand (site/assets/site.js reads them), so
 * that a search or a filter loads a few tens of kB whatever the size of the catalog:
 *
 * - `_search/meta.json`: the number of term shards, of documents and the newest update per chunk
 *   of documents (lets the browser find the most recently updated matches without every key);
 * - `_search/t/<shard>.json`: an inverted index sharded by term: for each term, per category, the
 *   documents that have it in their title, keywords, id, or only elsewhere in their text (delta-
 *   encoded ids); facet values (`keyword=flood`, `license=MIT`...) are terms too, so facet filters
 *   are postings as well. A term's shard is a hash of the term, so a query word or a filter value
 *   costs one shard, whose size is bounded by the number of projects (shards by prefix were tried:
 *   common prefixes such as "con" or "dat" make shards of megabytes at 100,000 projects);
 * - `_search/u/<chunk>.json` and `_search/o/<chunk>.json`: sort keys of 512 documents (last update;
 *   stars, creation time and title), fetched only for the documents a query needs to order;
 * - `_search/d/<doc>.json`: what a result card shows, one small file per document.
 *
 * Document ids follow creation time (then page path), which a project never changes: editing a
 * project rewrites its own files and the shards of the words it gains or loses, not the index.
 * Pure: views in, files out, the same bytes for the same catalog.
 */
import { mlmOf } from '../stac/extensions/mlm.js';
import type { ProjectView } from './model.js';
import { markdownToText } from './format.js';
import { PostingsPool } from './postings.js';

/** Folder of the index (category ids never start with `_`, see schemas/config.schema.json). */
export const SEARCH_DIR = '_search';
/** Documents per sort-key chunk. */
export const KEY_CHUNK = 512;
/** Target raw size of a term shard (the shard count is the power of two that gets near it). */
const SHARD_TARGET_BYTES = 48 * 1024;
/** Words of a project's text that are indexed (title, id, keywords, tasks... then the README), as before. */
const MAX_WORDS = 800;

/** The facets a list can be filtered by: query-string name and the view's values. */
export const FACETS: Array<{ name: string; label: string; many: boolean; values: (v: ProjectView) => string[] }> = [
  { name: 'keyword', label: 'Keywords', many: true, values: (v) => v.keywords },
  { name: 'license', label: 'License', many: false, values: (v) => (v.license ? [v.license] : []) },
  { name: 'framework', label: 'Framework', many: false, values: (v) => (v.framework ? [v.framework] : []) },
  { name: 'task', label: 'Task', many: false, values: (v) => v.tasks },
  { name: 'dtype', label: 'Data type', many: false, values: (v) => v.dataTypes },
];

/** Split text into index words, as the browser splits a query (site.js `tokens`). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.+-]+/u)
    .map((w) => w.replace(/^[.+-]+|[.+-]+$/g, ''))
    .filter((w) => w.length > 0);
}

/** A word and its parts (`flood-segmentation` also gives `flood` and `segmentation`): what a query word can match. */
function terms(ws: string[]): Set<string> {
  const out = new Set<string>();
  for (const w of ws) {
    out.add(w);
    if (/[-_.+]/.test(w)) for (const part of w.split(/[-_.+]+/)) if (part.length > 0) out.add(part);
  }
  return out;
}

/** The key that picks a term's shard: the whole term. */
export function shardKey(term: string): string {
  return term;
}

/** FNV-1a over UTF-16 code units (site.js computes the same). */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function seconds(iso: string | null): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** Documents in id order: by creation time, then page path. */
export function docOrder(views: readonly ProjectView[]): ProjectView[] {
  return views.slice().sort((a, b) => seconds(a.created) - seconds(b.created) || (a.page < b.page ? -1 : a.page > b.page ? 1 : 0));
}

export interface SearchFile {
  path: string;
  text: string;
}

/** What the index reads of a project's text (plain strings: a render thread can compute its terms). */
export interface DocText {
  title: string;
  id: string;
  keywords: string[];
  tasks: string[];
  framework: string | null;
  architecture: string | null;
  /** The README (Markdown). */
  description: string;
}

/** A document's terms by tier: each term in the first of title, keywords, id, the rest of the text. */
export interface DocTerms {
  title: string[];
  keywords: string[];
  id: string[];
  text: string[];
}

/**
 * A document's terms as a render thread sends them: ids in the thread's own dictionary (the terms
 * it sends for the first time in `fresh`, which take the next ids in order), so the index posts
 * them without hashing each word again; `tiers` counts the ids of title, keywords, id and text.
 */
export interface CodedTerms {
  ids: Int32Array;
  tiers: [number, number, number, number];
  fresh: string[];
}

/** A thread's term dictionary: term -> id, ids given in order of first use. */
export function codeTerms(t: DocTerms, dictionary: Map<string, number>): CodedTerms {
  const fresh: string[] = [];
  const lists = [t.title, t.keywords, t.id, t.text];
  const ids = new Int32Array(lists.reduce((n, l) => n + l.length, 0));
  let k = 0;
  for (const list of lists) {
    for (const term of list) {
      let id = dictionary.get(term);
      if (id === undefined) {
        id = dictionary.size;
        dictionary.set(term, id);
        fresh.push(term);
      }
      ids[k++] = id;
    }
  }
  return { ids, tiers: [t.title.length, t.keywords.length, t.id.length, t.text.length], fresh };
}

/** A thread's term ids (index: its dictionary's id) as the index's own term ids, kept by the main thread. */
export type TermTable = number[];

/** The text of a view the index reads. */
export function docText(v: ProjectView): DocText {
  const p = v.item.json.properties;
  const architecture = mlmOf(p).architecture;
  return {
    title: v.title,
    id: v.item.json.id,
    keywords: v.keywords,
    tasks: v.tasks,
    framework: v.framework,
    architecture: typeof architecture === 'string' ? architecture : null,
    description: typeof p.description === 'string' ? p.description : '',
  };
}

/** The terms of a document (pure: the same on any thread). */
export function docTerms(d: DocText): DocTerms {
  const titleWords = words(d.title);
  const idWords = words(d.id);
  const keywordWords = words(d.keywords.join(' '));
  const title = terms(titleWords);
  const keywords = terms(keywordWords);
  const id = terms(idWords);
  const text = [d.tasks.join(' '), d.framework ?? '', d.architecture ?? '', markdownToText(d.description)].join(' ');
  const all = terms([...new Set([...titleWords, ...idWords, ...keywordWords, ...words(text)])].slice(0, MAX_WORDS));
  const rest: string[] = [];
  for (const t of all) if (!title.has(t) && !keywords.has(t) && !id.has(t)) rest.push(t);
  return { title: [...title], keywords: [...keywords], id: [...id], text: rest };
}

/**
 * The index of the listed projects, filled one document at a time in any order (the project pages
 * give each its terms as they are made, see render/index.ts), then written as files.
 */
export class SearchIndex {
  private readonly docs: ProjectView[];
  private readonly docOf = new Map<ProjectView, number>();
  /** Term -> its id in `postings`. */
  private readonly terms = new Map<string, number>();
  private readonly postings = new PostingsPool();
  private readonly added: Uint8Array;

  constructor(views: readonly ProjectView[]) {
    this.docs = docOrder(views);
    this.docs.forEach((v, doc) => this.docOf.set(v, doc));
    this.added = new Uint8Array(this.docs.length);
  }

  /** Whether `view` is a document of the index. */
  has(view: ProjectView): boolean {
    return this.docOf.has(view);
  }

  /** The documents in id order (pages made in this order keep the postings small, see postings.ts). */
  get documents(): readonly ProjectView[] {
    return this.docs;
  }

  /** Add a document's terms (its text's terms are computed here when not given). */
  add(view: ProjectView, t: DocTerms = docTerms(docText(view))): void {
    const doc = this.docOf.get(view);
    if (doc === undefined || this.added[doc]) return;
    this.added[doc] = 1;
    const base = doc * 4;
    for (const term of t.title) this.post(term, base);
    for (const term of t.keywords) this.post(term, base + 1);
    for (const term of t.id) this.post(term, base + 2);
    for (const term of t.text) this.post(term, base + 3);
    this.postFacets(view, base);
  }

  /**
   * Add a document's terms as a render thread coded them (`codeTerms`); `table` is that thread's
   * dictionary as seen so far, and learns the `fresh` terms whatever happens to the document.
   */
  addCoded(view: ProjectView, coded: CodedTerms, table: TermTable): void {
    for (const term of coded.fresh) table.push(this.termId(term));
    const doc = this.docOf.get(view);
    if (doc === undefined || this.added[doc]) return;
    this.added[doc] = 1;
    const base = doc * 4;
    let k = 0;
    coded.tiers.forEach((n, tier) => {
      for (const end = k + n; k < end; k++) this.postings.push(table[coded.ids[k]!]!, base + tier);
    });
    this.postFacets(view, base);
  }

  /** The index files (documents not added yet are added first). `card` gives what a result shows. */
  *files(card: (v: ProjectView) => Record<string, unknown>): Generator<SearchFile> {
    this.docs.forEach((v, doc) => {
      if (!this.added[doc]) this.add(v);
    });
    yield* indexFiles(this.docs, this.terms, this.postings, card);
  }

  private termId(term: string): number {
    let id = this.terms.get(term);
    if (id === undefined) this.terms.set(term, (id = this.postings.addTerm()));
    return id;
  }

  private post(term: string, code: number): void {
    this.postings.push(this.termId(term), code);
  }

  /** The document in every list (`all=`) and under each of its filter values (`license=MIT`...). */
  private postFacets(view: ProjectView, base: number): void {
    this.post('all=', base);
    for (const f of FACETS) for (const value of new Set(f.values(view))) this.post(`${f.name}=${value}`, base);
  }
}

function* indexFiles(docs: ProjectView[], terms: Map<string, number>, postings: PostingsPool, card: (v: ProjectView) => Record<string, unknown>): Generator<SearchFile> {
  const categoryOf = docs.map((v) => v.categoryId);
  // A term a render thread sent for a document that was not added has no postings.
  for (const [term, t] of terms) if (postings.postings(t) === 0) terms.delete(term);

  // Shards: a power of two, so the count (and every term's file) only changes when the index doubles
  // or halves. Sized from the postings (about 3 bytes each, written as delta lists), then encoded one
  // shard at a time (each term's postings decoded from the pool only while its shard is written).
  let total = 0;
  for (const [term, t] of terms) total += term.length + 8 + postings.postings(t) * 3;
  let shards = 1;
  while (shards * SHARD_TARGET_BYTES < total) shards *= 2;
  const byShard: string[][] = Array.from({ length: shards }, () => []);
  for (const term of terms.keys()) byShard[hash(shardKey(term)) % shards]!.push(term);
  for (let sh = 0; sh < shards; sh++) {
    const parts: string[] = [];
    for (const term of byShard[sh]!.sort()) {
      // Postings come in the order the pages were made: they are put in doc order here.
      const codes = postings.codes(terms.get(term)!).sort();
      const byCat = new Map<string, number[][]>();
      for (let k = 0; k < codes.length; k++) {
        const code = codes[k]!;
        const doc = code >> 2;
        const cat = categoryOf[doc]!;
        let tiers = byCat.get(cat);
        if (!tiers) byCat.set(cat, (tiers = [[], [], [], []]));
        tiers[code & 3]!.push(doc);
      }
      const cats: Record<string, number[] | number[][]> = {};
      for (const [cat, tiers] of [...byCat].sort(([x], [y]) => (x < y ? -1 : 1))) {
        cats[cat] = term.includes('=') ? deltas(tiers[0]!) : trimTiers(tiers.map(deltas));
      }
      parts.push(`${JSON.stringify(term)}:${JSON.stringify(cats)}`);
    }
    byShard[sh] = [];
    yield { path: `${SEARCH_DIR}/t/${sh}.json`, text: `{${parts.join(',\n')}}\n` };
  }

  // Sort keys, by chunks of documents.
  const umax: number[] = [];
  for (let start = 0; start < docs.length; start += KEY_CHUNK) {
    const chunk = docs.slice(start, start + KEY_CHUNK);
    const u = chunk.map((v) => seconds(v.updated));
    umax.push(Math.max(...u));
    yield { path: `${SEARCH_DIR}/u/${start / KEY_CHUNK}.json`, text: JSON.stringify(u) + '\n' };
    yield {
      path: `${SEARCH_DIR}/o/${start / KEY_CHUNK}.json`,
      text: JSON.stringify({ s: chunk.map((v) => v.stars), t: chunk.map((v) => v.title.toLowerCase()) }) + '\n',
    };
  }
  for (let doc = 0; doc < docs.length; doc++) yield { path: `${SEARCH_DIR}/d/${doc}.json`, text: JSON.stringify(card(docs[doc]!)) + '\n' };
  yield { path: `${SEARCH_DIR}/meta.json`, text: JSON.stringify({ version: 1, docs: docs.length, shards, chunk: KEY_CHUNK, umax }) + '\n' };
}

function deltas(ids: number[]): number[] {
  return ids.map((id, i) => (i === 0 ? id : id - ids[i - 1]!));
}

/** Trailing empty tiers left out (most words are only in the text, or only in the title). */
function trimTiers(tiers: number[][]): number[][] {
  let n = tiers.length;
  while (n > 0 && tiers[n - 1]!.length === 0) n--;
  return tiers.slice(0, n);
}
