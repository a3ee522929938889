/**
 * Static pagination of the project lists (a category, or every project on the search page): pages
 * of a fixed number of cards, in each precomputed order, at paths that work without JavaScript:
 *
 *   ai-model/index.html                  recently updated, page 1 (the category page)
 *   ai-model/-/page/2/index.html         recently updated, page 2
 *   ai-model/-/sort/stars/index.html     most stars, page 1
 *   ai-model/-/sort/title/page/3/index.html
 *
 * The further pages sit under a `-` folder because item pages live at `<category>/<project path>/`
 * and `-` is the one segment no GitLab group or project path can be (it is reserved in every
 * position: gitlabhq lib/gitlab/path_regex.rb, TOP_LEVEL_ROUTES, GROUP_ROUTES and
 * PROJECT_WILDCARD_ROUTES), so a group called `page` or `sort` keeps its projects.
 *
 * The search page's list lives under `_search/` (`search.html` is its first page). Orders that
 * change whenever any project is pushed or starred (recently updated, stars) are paginated for
 * their first pages only, so one project's change rewrites a bounded number of pages; the title
 * order, stable under such changes, is paginated to the end, and reaches every project.
 */
import { posix } from 'node:path';
import type { ProjectView } from './model.js';
import { byRecent } from './model.js';

/** The folder of a list's further pages: a segment no GitLab path can take (see above). */
const LIST_DIR = '-';

/** Cards per list page. */
export const PAGE_SIZE = 48;
/** Pages of the recently updated and stars orders (the title order has all its pages). */
export const VOLATILE_PAGES = 10;

export type ListSort = 'updated' | 'stars' | 'title';
export const LIST_SORTS: Array<{ id: ListSort; label: string }> = [
  { id: 'updated', label: 'Recently updated' },
  { id: 'stars', label: 'Stars' },
  { id: 'title', label: 'Title' },
];

const byTitle = (a: ProjectView, b: ProjectView): number =>
  a.title.localeCompare(b.title, 'en') || (a.page < b.page ? -1 : a.page > b.page ? 1 : 0);
const byStars = (a: ProjectView, b: ProjectView): number => b.stars - a.stars || byRecent(a, b);

/** The projects of a list in one of its orders. */
export function sortProjects(projects: readonly ProjectView[], sort: ListSort): ProjectView[] {
  return projects.slice().sort(sort === 'title' ? byTitle : sort === 'stars' ? byStars : byRecent);
}

/** How many pages a list has in an order. */
export function pageCount(total: number, sort: ListSort): number {
  const all = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return sort === 'title' ? all : Math.min(all, VOLATILE_PAGES);
}

/**
 * Root-relative path of page `n` (1-based) of a list in an order. `first` is the list's own page
 * (`ai-model/index.html`, `search.html`); `dir` the folder its other pages go in (`ai-model`, `_search`).
 */
export function listPagePath(first: string, dir: string, sort: ListSort, n: number): string {
  if (sort === 'updated' && n === 1) return first;
  const parts = [dir, LIST_DIR, ...(sort === 'updated' ? [] : ['sort', sort]), ...(n > 1 ? ['page', String(n)] : []), 'index.html'];
  return posix.join(...parts);
}
