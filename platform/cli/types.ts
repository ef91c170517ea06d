// The Platform API resource shapes the CLI reads (docs/internals.md, "Platform API"): the API's own
// (platform/api/resources.ts), and the few the CLI reads that shapes.ts does not make.

export interface Ref {
  id: string;
  name: string;
}

// Defined once, by what the API answers (platform/api/resources.ts).
export type {
  AppResource as App,
  BuildResource as Build,
  DynoResource as Dyno,
  FormationResource as Formation,
  ReleaseResource as Release,
  SlugResource as Slug,
} from "../api/resources.ts";

export interface LogSession {
  id: string;
  logplex_url: string;
  created_at: string;
  updated_at: string;
}

export type { StrategyName, StrategySetting } from "../lib/plan-contract.ts";
