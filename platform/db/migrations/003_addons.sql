-- Add-ons: a resource an add-on provider app made for an app (docs/addons.md). The id is
-- the one the provider was given; config_vars are the names set on the app.
CREATE TABLE addons (
  id uuid PRIMARY KEY,
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  service text NOT NULL,
  plan text NOT NULL,
  name text NOT NULL UNIQUE,
  config_vars text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX addons_app_id ON addons (app_id);
