-- Log drains: where an app's log lines are forwarded (syslog over TCP or TLS, or HTTPS POSTs in
-- logplex's framing). The token names the drain in each message, as Heroku's `d.<uuid>` does.
CREATE TABLE log_drains (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  url text NOT NULL,
  token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, url)
);
CREATE INDEX log_drains_app_id ON log_drains (app_id);
