/** Every JSON route of the shim, matched by method and path below `/api/2.0/mlflow/`. */
import { experimentRoutes } from './experiments.js';
import { loggedModelRoutes } from './logged-models.js';
import { modelVersionRoutes } from './model-versions.js';
import { registeredModelRoutes } from './registered-models.js';
import { runArtifactRoutes } from './artifacts.js';
import { runRoutes } from './runs.js';
import type { Route } from './types.js';

export type { Route, RouteContext, Method } from './types.js';

export const routes: Route[] = [
  ...experimentRoutes,
  ...runRoutes,
  ...loggedModelRoutes,
  ...registeredModelRoutes,
  ...modelVersionRoutes,
  ...runArtifactRoutes,
];

interface Pattern {
  route: Route;
  segments: string[];
}

/** Route lookup: exact paths first, then `{param}` patterns. */
export class Router {
  private readonly exact = new Map<string, Route>();
  private readonly patterns: Pattern[] = [];
  private readonly paths = new Set<string>();

  constructor(list: Route[]) {
    for (const route of list) {
      if (route.path.includes('{')) this.patterns.push({ route, segments: route.path.split('/') });
      else this.exact.set(`${route.method} ${route.path}`, route);
      this.paths.add(route.path);
    }
  }

  /** The route for a method and a raw (still percent-encoded) path, with decoded path params. */
  match(method: string, rawPath: string): { route: Route; pathParams: Record<string, string> } | 'method-not-allowed' | undefined {
    const exact = this.exact.get(`${method} ${rawPath}`);
    if (exact) return { route: exact, pathParams: {} };
    const segs = rawPath.split('/');
    let pathMatched = false;
    for (const { route, segments } of this.patterns) {
      if (segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const want = segments[i]!;
        const got = segs[i]!;
        if (want.startsWith('{')) {
          if (got === '') ok = false;
          else {
            try {
              params[want.slice(1, -1)] = decodeURIComponent(got);
            } catch {
              ok = false;
            }
          }
        } else if (want !== got) ok = false;
      }
      if (!ok) continue;
      // A literal route (e.g. logged-models/search) wins over a pattern with a parameter there.
      if (this.paths.has(rawPath)) continue;
      pathMatched = true;
      if (route.method === method) return { route, pathParams: params };
    }
    if (pathMatched || this.paths.has(rawPath)) return 'method-not-allowed';
    return undefined;
  }
}
