CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE apps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  owner_id uuid NOT NULL REFERENCES users(id),
  system boolean NOT NULL DEFAULT false,
  config jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE slugs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  checksum text NOT NULL,
  size bigint NOT NULL,
  process_types jsonb NOT NULL,
  commit text,
  stack text NOT NULL,
  buildpack_description text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE builds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  user_id uuid REFERENCES users(id),
  status text NOT NULL DEFAULT 'pending',
  source_checksum text NOT NULL,
  source_version text,
  slug_id uuid REFERENCES slugs(id),
  failure_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE releases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  version integer NOT NULL,
  slug_id uuid REFERENCES slugs(id),
  config jsonb NOT NULL,
  description text NOT NULL,
  status text NOT NULL DEFAULT 'succeeded',
  user_id uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, version)
);

ALTER TABLE builds ADD COLUMN release_id uuid REFERENCES releases(id);

CREATE TABLE formations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  type text NOT NULL,
  quantity integer NOT NULL CHECK (quantity >= 0),
  size text NOT NULL DEFAULT 'standard-1X',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, type)
);

-- Written by the dyno manager from what the Docker engine reports.
CREATE TABLE dynos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name text NOT NULL,
  type text NOT NULL,
  release_version integer NOT NULL,
  container_id text NOT NULL UNIQUE,
  command text NOT NULL,
  state text NOT NULL,
  port integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  app text,
  detail jsonb NOT NULL DEFAULT '{}'
);
