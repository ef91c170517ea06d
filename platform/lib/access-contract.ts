// The resources of users, collaborators, app transfers and the audit trail, as the API answers
// them (platform/api/shapes.ts builds them) and the CLI reads them: one statement for both ends.
// Times are ISO 8601 strings, as they travel.

export interface UserRef {
  id: string;
  email: string;
}

/** A user of this Ouro (Ouro's own resource: Heroku's accounts sign up). */
export interface UserResource extends UserRef {
  admin: boolean;
  /** How many apps they own. */
  apps: number;
  created_at: string;
  /** Only in the answer to the request that created the user: their first API key. */
  api_key?: string;
}

/** Heroku's collaborator; the owner is listed too, with role `owner`. */
export interface CollaboratorResource {
  id: string;
  app: { id: string; name: string };
  user: UserRef & { federated: boolean };
  role: "owner" | "collaborator";
  permissions: string[];
  created_at: string;
  updated_at: string;
}

/** Heroku's app transfer; Ouro's is accepted at once, and `owner` is the previous owner. */
export interface AppTransferResource {
  /** Named in the `app.transfer` audit entry that recorded it (`detail.transfer`). */
  id: string;
  app: { id: string; name: string };
  owner: UserRef;
  recipient: UserRef;
  state: "accepted";
  created_at: string;
  updated_at: string;
}

/** One change in the audit trail. */
export interface AuditEntryResource {
  id: string;
  created_at: string;
  action: string;
  /** `id` is null for an entry written without a user's id (its email stays). */
  actor: { id: string | null; email: string };
  app: { id: string | null; name: string } | null;
  address: string | null;
  detail: Record<string, unknown>;
}
