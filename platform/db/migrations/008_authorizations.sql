-- API keys become Heroku's OAuth authorizations: a description, a scope (`global` is everything,
-- `read` is GET/HEAD and git fetch only), an optional expiry, and revocation. Revoked keys keep
-- their row so the API can say "revoked" instead of "invalid". Keys made before this are global.
ALTER TABLE api_keys
  ADD COLUMN description text NOT NULL DEFAULT '',
  ADD COLUMN scope text[] NOT NULL DEFAULT '{global}'
    CHECK (cardinality(scope) > 0 AND scope <@ ARRAY['global', 'read']::text[]),
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN revoked_at timestamptz,
  ADD COLUMN last_used_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
