-- One-off dynos (`ouro run`, cron's scheduler.N, the release phase's release.N): the
-- desired model the dyno manager starts once, then records how each one ended.
CREATE TABLE runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  release_version integer NOT NULL,
  type text NOT NULL,
  number integer NOT NULL,
  command text NOT NULL,
  env jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'pending',
  exit_code integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, type, number)
);
CREATE INDEX runs_open ON runs (app_id) WHERE state IN ('pending', 'running');
