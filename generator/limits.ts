/**
 * Budgets per project (README "Limits"): what one project may cost the build. A README, a
 * repository or a model file is outside input, written by anyone who can push to a project of the
 * instance; each budget, when exceeded, is an error of that project (code `budget/...`) and the
 * rest of the catalog is built as usual.
 */
import { YAML_LIMITS } from './yaml.js';

export const LIMITS = {
  /** README.md size: larger READMEs are not read (the item keeps GitLab's description). */
  readmeBytes: 1024 * 1024,
  /** Front matter: values (aliases expanded), YAML alias expansions, nesting depth. */
  frontMatterNodes: YAML_LIMITS.maxNodes,
  frontMatterAliases: YAML_LIMITS.maxAliases,
  frontMatterDepth: YAML_LIMITS.maxDepth,
  /** README asset rules (`assets:`) read; the rest are ignored. */
  assetRules: 100,
  /** README links (`links:`) read; the rest are ignored. */
  links: 200,
  /** Repository files that asset rules may turn into assets; the rest are left out. */
  matchedFiles: 1000,
  /** Positions of a WKT `extent.spatial`: a larger extent is not used. */
  wktPoints: 50_000,
  /** Inputs plus outputs of one ONNX model, and dimensions of one of its tensors: a larger model is not described. */
  onnxValues: 1000,
  onnxDims: 64,
  /** Time to make one project's record (its README, files and models): past it, the project is reported. */
  projectMs: 10_000,
} as const;
