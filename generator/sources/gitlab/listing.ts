/** Discovery: the projects of one category topic, over REST keyset pages. */
import { SourceUnreachableError, UsageError } from '../../errors.js';
import type { SourceQuery } from '../source.js';
import type { GitLabContext } from './options.js';
import type { ListedProject } from './project.js';

/** The projects carrying one topic (exact name), one keyset page at a time, handed to `accept`. */
export async function listTopic(
  ctx: GitLabContext,
  topic: string,
  query: SourceQuery,
  accept: (p: ListedProject) => void,
): Promise<void> {
  if (topic.includes(',')) {
    // GitLab splits `topic` on commas (AND): such a category topic can never match as one name.
    throw new UsageError(`category topic "${topic}" contains a comma, which GitLab's topic filter cannot express`);
  }
  const only = query.visibility.length === 1 ? query.visibility[0] : undefined;
  const perPage = 100;
  let idAfter: number | undefined;
  let total = 0;
  for (;;) {
    let page: ListedProject[];
    try {
      ctx.calls.listing++;
      // maxPages 1: one page per call, so reading starts before the listing ends
      page = await ctx.api.Projects.all({
        topic,
        pagination: 'keyset',
        orderBy: 'id',
        sort: 'asc',
        perPage,
        maxPages: 1,
        ...(idAfter !== undefined ? { idAfter } : {}),
        ...(only ? { visibility: only } : {}),
        ...(query.archived === 'exclude' ? { archived: false } : {}),
      });
    } catch (err) {
      const reason = ctx.transport.redact(err instanceof Error ? err.message : String(err));
      throw new SourceUnreachableError(`GitLab ${ctx.host}: listing the projects of topic "${topic}" failed: ${reason}`);
    }
    for (const p of page) {
      // exact topic names (the server matches exactly; keep the guarantee if a proxy does not)
      const topics = p.topics ?? p.tag_list ?? [];
      if (topics.includes(topic)) accept(p);
    }
    total += page.length;
    const last = page[page.length - 1];
    // a short page is the last one (keyset pages are full while more records follow)
    if (!last || page.length < perPage) break;
    if (idAfter !== undefined && last.id <= idAfter) {
      throw new SourceUnreachableError(`GitLab ${ctx.host}: the listing of topic "${topic}" did not advance`);
    }
    idAfter = last.id;
  }
  ctx.o.log?.(`gitlab: topic "${topic}": ${total} project(s)`);
}
