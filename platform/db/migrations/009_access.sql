-- Users, collaborators and an audit trail that says who, from where, on which app.
-- `admin` users see and change every app, system apps included; others see the apps they own
-- or collaborate on. The cron service's key has its own narrow scope (`cron`).
ALTER TABLE users ADD COLUMN admin boolean NOT NULL DEFAULT false;
UPDATE users SET admin = true WHERE email = 'admin@ouro.local';

CREATE TABLE collaborators (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, user_id)
);
CREATE INDEX collaborators_user ON collaborators (user_id);

-- A user can be removed once they own no app: what they made stays, without their name on it.
ALTER TABLE builds DROP CONSTRAINT builds_user_id_fkey,
  ADD CONSTRAINT builds_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE releases DROP CONSTRAINT releases_user_id_fkey,
  ADD CONSTRAINT releases_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL;

ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check,
  ADD CONSTRAINT api_keys_scope_check CHECK (cardinality(scope) > 0 AND scope <@ ARRAY['global', 'read', 'cron']::text[]);

-- Entries outlive their app and their user: ids without foreign keys, the names as they were.
ALTER TABLE audit_log
  ADD COLUMN actor_id uuid,
  ADD COLUMN app_id uuid,
  ADD COLUMN address text;
CREATE INDEX audit_log_app ON audit_log (app_id, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);
