// What the access commands share: Heroku's collaborator resource and its routes.
import type { ApiClient } from "../../api-client.ts";
import type { CollaboratorResource } from "../../../lib/access-contract.ts";

export type Collaborator = CollaboratorResource;

const enc = encodeURIComponent;

export const collaboratorsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<Collaborator[]>("GET", `/apps/${enc(app)}/collaborators`),
  add: (app: string, email: string) => api.request<Collaborator>("POST", `/apps/${enc(app)}/collaborators`, { user: email }),
  remove: (app: string, email: string) =>
    api.request<Collaborator>("DELETE", `/apps/${enc(app)}/collaborators/${enc(email)}`),
});
