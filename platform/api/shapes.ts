// Database rows → Heroku Platform API v3 resource shapes.
import type { AppTransferResource, AuditEntryResource, CollaboratorResource, UserRef, UserResource } from "../lib/access-contract.ts";
import { type Config, hostApiUrl } from "../lib/config.ts";
import type { RunResource } from "../lib/run-contract.ts";
import type { ApiKeyRow, AppRow, AuditRow, BuildRow, CollaboratorRow, DynoRow, FormationRow, ReleaseRow, RunRow, SlugRow, UserRow } from "../db/index.ts";

const STACK = { id: "ouro-stack-bookworm", name: "bookworm" };
/** Heroku's generation whose model Ouro's apps follow: buildpacks, slugs, a Procfile's `web.1` dynos. */
const GENERATION = { id: "ouro-cedar", name: "cedar" };

export function appShape(app: AppRow, config: Config) {
  return {
    id: app.id,
    name: app.name,
    created_at: app.created_at,
    updated_at: app.updated_at,
    released_at: app.released_at,
    web_url: `http://${app.name}.${config.domain}:${config.routerPort}/`,
    git_url: `${hostApiUrl(config)}/${app.name}.git`,
    owner: { id: app.owner_id, email: app.owner_email },
    organization: null,
    team: null,
    space: null,
    region: { id: "local", name: "local" },
    stack: STACK,
    build_stack: STACK,
    generation: GENERATION,
    buildpack_provided_description: app.buildpack_description,
    maintenance: app.maintenance,
    archived_at: null,
    slug_size: app.slug_size,
    acm: false,
    internal_routing: false,
    system: app.system,
  };
}

const appRef = (app: AppRow) => ({ id: app.id, name: app.name });

export function formationShape(f: FormationRow, app: AppRow) {
  return {
    id: f.id,
    app: appRef(app),
    type: f.type,
    quantity: f.quantity,
    size: f.size,
    command: f.command ?? "",
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
}

/** A release one may roll back to: it ran (became current at some point) and has a slug. */
export const eligibleForRollback = (r: Pick<ReleaseRow, "status" | "slug_id">) => r.status === "succeeded" && r.slug_id !== null;

/** `outputStreamUrl`: its release phase's output URL made for the user reading it; null when it had none. */
export function releaseShape(r: ReleaseRow, app: AppRow, outputStreamUrl: string | null) {
  return {
    id: r.id,
    app: appRef(app),
    version: r.version,
    description: r.description,
    // Heroku's statuses: a release whose dynos are still starting is `pending`, as in its release phase.
    status: r.status === "deploying" ? "pending" : r.status,
    /** Ouro's addition: why a failed release failed. */
    failure_message: r.failure_message,
    current: r.current,
    eligible_for_rollback: eligibleForRollback(r),
    output_stream_url: outputStreamUrl,
    slug: r.slug_id ? { id: r.slug_id } : null,
    user: { id: r.user_id, email: r.user_email ?? "" },
    created_at: r.created_at,
    updated_at: r.created_at,
  };
}

/** `outputStreamUrl`: the build's output URL made for the user reading it (builds/output-url.ts). */
export function buildShape(b: BuildRow, app: AppRow, outputStreamUrl: string) {
  return {
    id: b.id,
    app: { id: app.id },
    status: b.status,
    // The checksum of the tree the build read (a push's `git archive`, an upload as unpacked).
    source_blob: { checksum: b.source_checksum, url: b.source_url, version: b.source_version },
    slug: b.slug_id ? { id: b.slug_id } : null,
    release: b.release_id ? { id: b.release_id } : null,
    output_stream_url: outputStreamUrl,
    failure_message: b.failure_message,
    stack: STACK.name,
    buildpacks: null,
    user: { id: b.user_id, email: b.user_email ?? "" },
    created_at: b.created_at,
    updated_at: b.updated_at,
  };
}

/** `expiresAt`: Ouro's, when a one-off dyno's time limit ends (null for the formation's). */
export function dynoShape(d: DynoRow, app: AppRow, expiresAt: Date | null = null) {
  return {
    id: d.id,
    app: appRef(app),
    name: d.name,
    type: d.type,
    state: d.state,
    command: d.command,
    size: d.size,
    release: { id: null, version: d.release_version },
    attach_url: null,
    // Ouro's own: where the dyno is in its six-step life (plan-contract.ts).
    steps: d.steps,
    expires_at: expiresAt,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

/** `blob`: where its tarball can be fetched, made for the reader (routes/slugs.ts). */
export function slugShape(s: SlugRow, blob: { method: "get"; url: string }) {
  return {
    id: s.id,
    checksum: s.checksum,
    size: s.size,
    process_types: s.process_types,
    commit: s.commit,
    commit_description: null,
    stack: STACK,
    buildpack_provided_description: s.buildpack_description,
    blob,
    created_at: s.created_at,
    updated_at: s.created_at,
  };
}

/**
 * A one-off dyno, with Ouro's additions: how it ended once it has (`exit_code`) and its time
 * limit. Only the answer that created an attached run has its `attach_url` (the secret is kept
 * hashed) and the rendezvous certificate's fingerprint for the client to pin.
 */
export function runShape(r: RunRow, app: AppRow, attachment?: { url: string; fingerprint: string }): RunResource {
  const state = r.state === "pending" ? "starting" : r.state === "running" ? "up" : r.exit_code === 0 ? "down" : "crashed";
  return {
    id: r.id,
    app: appRef(app),
    name: `${r.type}.${r.number}`,
    type: r.type,
    state,
    exit_code: r.exit_code,
    command: r.command,
    size: r.size,
    release: { id: null, version: r.release_version },
    attach_url: attachment?.url ?? null,
    ...(attachment ? { attach_fingerprint: attachment.fingerprint } : {}),
    time_to_live: r.time_to_live,
    expires_at: r.expires_at?.toISOString() ?? null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/**
 * An API key as Heroku's OAuth Authorization. `token` is given only by the request that made
 * the key: it is stored hashed and cannot be shown again. `last_used_at` is Ouro's addition.
 */
export function authorizationShape(k: ApiKeyRow, token?: string, now: Date = new Date()) {
  const expiresIn = k.expires_at ? Math.max(0, Math.floor((k.expires_at.getTime() - now.getTime()) / 1000)) : null;
  return {
    id: k.id,
    description: k.description,
    scope: k.scope,
    access_token: { id: k.id, expires_in: expiresIn, ...(token === undefined ? {} : { token }) },
    client: null,
    grant: null,
    refresh_token: null,
    session: null,
    user: { id: k.user_id, email: k.user_email, full_name: null },
    created_at: k.created_at,
    updated_at: k.updated_at,
    last_used_at: k.last_used_at,
  };
}

/** Heroku's collaborator: the owner is listed too, with role `owner`. */
export function collaboratorShape(c: CollaboratorRow, app: AppRow): CollaboratorResource {
  return {
    id: c.id,
    app: { id: app.id, name: app.name },
    user: { id: c.user_id, email: c.email, federated: false },
    role: c.role,
    permissions: [],
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export function userShape(u: UserRow, apiKey?: string): UserResource {
  return { id: u.id, email: u.email, admin: u.admin, apps: u.apps, created_at: u.created_at.toISOString(), ...(apiKey ? { api_key: apiKey } : {}) };
}

export function appTransferShape(entryId: string, app: AppRow, recipient: UserRef, at: Date): AppTransferResource {
  return {
    id: entryId,
    app: { id: app.id, name: app.name },
    owner: { id: app.owner_id, email: app.owner_email },
    recipient: { id: recipient.id, email: recipient.email },
    state: "accepted",
    created_at: at.toISOString(),
    updated_at: at.toISOString(),
  };
}

export function auditShape(a: AuditRow): AuditEntryResource {
  return {
    id: a.id,
    created_at: a.at.toISOString(),
    action: a.action,
    actor: { id: a.actor_id, email: a.actor },
    app: a.app === null ? null : { id: a.app_id, name: a.app },
    address: a.address,
    detail: a.detail,
  };
}
