// The Platform API resource shapes the CLI reads (docs/internals.md, "Platform API").

export interface Ref {
  id: string;
  name: string;
}

export interface App {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  released_at: string | null;
  web_url: string;
  git_url: string;
  owner: { id: string; email: string };
  stack: Ref;
  region: Ref;
  build_stack: Ref;
  buildpack_provided_description: string | null;
  maintenance: boolean;
  system: boolean;
}

export interface Formation {
  id: string;
  app: Ref;
  type: string;
  quantity: number;
  size: string;
  command: string;
  created_at: string;
  updated_at: string;
}

export interface Release {
  id: string;
  app: Ref;
  version: number;
  description: string;
  status: string;
  /** Ouro's addition: why a failed release failed. */
  failure_message?: string | null;
  current: boolean;
  /** It ran (became current) and has a slug. */
  eligible_for_rollback: boolean;
  slug: { id: string } | null;
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
}

export interface Build {
  id: string;
  app: { id: string };
  status: "pending" | "succeeded" | "failed";
  source_blob: { checksum: string | null; url: string | null; version: string | null };
  slug: { id: string } | null;
  release: { id: string } | null;
  output_stream_url: string;
  failure_message: string | null;
  stack: string;
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
}

export interface Dyno {
  id: string;
  app: Ref;
  name: string;
  type: string;
  state: "starting" | "up" | "crashed" | "down";
  command: string;
  size: string;
  release: { id: string; version: number };
  /** Ouro's: when a one-off dyno's time limit ends (null for the formation's dynos). */
  expires_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface Slug {
  id: string;
  checksum: string;
  size: number;
  process_types: Record<string, string>;
  commit: string | null;
  stack: Ref;
  buildpack_provided_description: string | null;
  created_at: string;
}

export interface LogSession {
  id: string;
  logplex_url: string;
  created_at: string;
  updated_at: string;
}

export type { StrategyName, StrategySetting } from "../lib/plan-contract.ts";
