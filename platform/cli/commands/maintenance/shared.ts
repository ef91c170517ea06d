// What the maintenance commands share: the app's v3 `maintenance` field, read and set.
import type { ApiClient } from "../../api-client.ts";
import type { AppMaintenance, AppUpdate } from "../../../lib/domains-contract.ts";

const enc = encodeURIComponent;

export const maintenanceApi = (api: ApiClient) => ({
  get: (app: string) => api.request<AppMaintenance>("GET", `/apps/${enc(app)}`),
  set: (app: string, maintenance: boolean) => api.request<AppMaintenance>("PATCH", `/apps/${enc(app)}`, { maintenance } satisfies AppUpdate),
});
