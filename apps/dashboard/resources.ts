// The fields of the Platform API's resources the dashboard reads (Heroku's shapes, and Ouro's
// plan and state: platform/lib/plan-contract.ts).
export type { AppStateDetail, AppStateResource, FormationPlanResource, PlatformStatusResource as PlatformStatus } from "../../platform/lib/plan-contract.ts";

export interface Account {
  email: string;
  admin?: boolean;
  /** The signed-in key's scope: `global` may change things, `read` only look. */
  scope?: string[];
}

/** Whether the signed-in key may change things (scale, restart, roll back): the actions are offered only then. */
export const mayChange = (account: Account) => account.scope?.includes("global") ?? false;

export interface App {
  name: string;
  web_url: string;
  git_url: string;
  owner: { email: string };
  stack: { name: string };
  buildpack_provided_description: string | null;
  maintenance: boolean;
  slug_size: number | null;
  system: boolean;
}

export interface Formation {
  type: string;
  quantity: number;
  size: string;
  command: string;
}

export interface Release {
  id: string;
  version: number;
  description: string;
  status: string;
  failure_message: string | null;
  current: boolean;
  eligible_for_rollback: boolean;
  output_stream_url: string | null;
  user: { email: string };
  created_at: string;
}

export interface Build {
  id: string;
  status: "pending" | "succeeded" | "failed";
  source_blob: { version: string | null };
  output_stream_url: string;
  failure_message: string | null;
  user: { email: string };
  created_at: string;
  updated_at: string;
}

export interface Addon {
  name: string;
  addon_service: { name: string };
  plan: { name: string };
  config_vars: string[];
  state: string;
}

export interface Domain {
  hostname: string;
  cname: string;
  sni_endpoint: { name: string } | null;
}

export interface Collaborator {
  user: { email: string };
  role: string | null;
  created_at: string;
}

export interface AuditEntry {
  id: string;
  created_at: string;
  action: string;
  actor: { email: string };
  address: string | null;
  detail: Record<string, unknown>;
}
