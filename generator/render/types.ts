/** The contract between the pipeline and the rendering stage (`render(input) -> OutputFile[]`). */
import type { StacTree } from '../stac/types.js';
import type { SiteConfig } from './site-config.js';

export type { SiteConfig, SiteLink } from './site-config.js';

/** What the rendering stage receives: the laid-out STAC tree plus presentation settings. */
export interface RenderInput {
  /**
   * The catalog after layout: every document has its output path (e.g. `catalog.json`,
   * `ai-model/collection.json`, `ai-model/<group>/<project>/<project>.json`) and its final links
   * (relative hrefs in a self-contained build). An HTML page goes beside each JSON document
   * (`index.html` in the same folder).
   */
  tree: StacTree;
  /** Absolute URL the catalog is published at (with a trailing slash), when known. */
  baseUrl?: string;
  /** ISO 8601 time of the build (injected, so output is byte-stable in tests). */
  generatedAt: string;
  /**
   * Presentation settings: the `site:` block of the configuration file, converted with
   * `siteConfigFromYaml` (generator/render/site-config.ts). Absent: defaults taken from the root catalog.
   */
  site?: SiteConfig;
  /**
   * Worker threads that render the project pages' READMEs and search terms (readme-pool.ts),
   * besides the calling thread; 0 (the default): all on the calling thread. The same bytes either way.
   */
  jobs?: number;
}
