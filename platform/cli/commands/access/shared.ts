// What the access commands share: Heroku's collaborator resource and its routes.
import type { ApiClient } from "../../api-client.ts";
import type { Ref } from "../../types.ts";

/** Heroku's collaborator as Ouro's API returns it (platform/api/shapes.ts); the owner is one too. */
export interface Collaborator {
  id: string;
  app: Ref;
  user: { id: string; email: string; federated: boolean };
  role: "owner" | "collaborator";
  permissions: string[];
  created_at: string;
  updated_at: string;
}

const enc = encodeURIComponent;

export const collaboratorsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<Collaborator[]>("GET", `/apps/${enc(app)}/collaborators`),
  add: (app: string, email: string) => api.request<Collaborator>("POST", `/apps/${enc(app)}/collaborators`, { user: email }),
  remove: (app: string, email: string) =>
    api.request<Collaborator>("DELETE", `/apps/${enc(app)}/collaborators/${enc(email)}`),
});
