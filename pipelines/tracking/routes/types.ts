/** The shape of a JSON route of `/api/2.0/mlflow/*`. */
import type { Fields } from '../request.js';
import type { TrackingStore } from '../store.js';
import type { ArtifactStore } from '../artifacts.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteContext {
  store: TrackingStore;
  /** Where proxied artifacts live (local folder or S3). */
  artifacts: ArtifactStore;
  fields: Fields;
  /** Values of `{name}` segments in the route path. */
  pathParams: Record<string, string>;
}

export interface Route {
  method: Method;
  /** Path below `/api/2.0/mlflow/`, `{name}` for a path parameter. */
  path: string;
  /** True for POST endpoints that only read (searches): anonymous reads may use them. */
  read?: boolean;
  /** Largest accepted JSON body in bytes, when smaller than the server's default. */
  maxBodyBytes?: number;
  handler: (ctx: RouteContext) => Promise<object> | object;
}
