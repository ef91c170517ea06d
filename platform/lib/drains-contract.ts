// Heroku's log drain resource, as the API answers it and the CLI reads it.

export interface DrainResource {
  id: string;
  url: string;
  /** Names the drain in each message it gets (`d.<uuid>`, in the syslog HOSTNAME field). */
  token: string;
  addon: null;
  app: { id: string; name: string };
  created_at: string;
  updated_at: string;
}
