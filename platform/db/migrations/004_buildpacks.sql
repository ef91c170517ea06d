-- An app's buildpacks, in the order they run (Heroku's buildpack installations). No rows:
-- the builder detects among its own buildpacks. url is a buildpack name ("nodejs") or a
-- tarball or git URL, as the user gave it.
CREATE TABLE buildpack_installations (
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  ordinal integer NOT NULL CHECK (ordinal >= 0),
  url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, ordinal)
);
