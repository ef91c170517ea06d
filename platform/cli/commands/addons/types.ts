// The add-on resource as the API answers it (docs/addons.md), and its one call site per verb.
import type { ApiClient } from "../../api-client.ts";
import type { Ref } from "../../types.ts";

export interface Addon {
  id: string;
  name: string;
  addon_service: Ref;
  plan: Ref;
  app: Ref;
  config_vars: string[];
  state: string;
  created_at: string;
  updated_at: string;
}

const enc = encodeURIComponent;

export const addonsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<Addon[]>("GET", `/apps/${enc(app)}/addons`),
  create: (app: string, plan: string) => api.request<Addon>("POST", `/apps/${enc(app)}/addons`, { plan }),
  destroy: (app: string, addon: string) => api.request<Addon>("DELETE", `/apps/${enc(app)}/addons/${enc(addon)}`),
});
