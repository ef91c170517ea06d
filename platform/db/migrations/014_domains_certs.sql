-- Custom domains, TLS certificates (Heroku's SNI endpoints) and maintenance mode: what the API
-- publishes to the router (platform/lib/route-contract.ts). An app's default hostname,
-- <app>.<OURO_DOMAIN>, is not stored: it follows from the app's name.
ALTER TABLE apps ADD COLUMN maintenance boolean NOT NULL DEFAULT false;

CREATE TABLE sni_endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name text NOT NULL,
  -- PEM: the certificate, then its chain, as parsed and written back by the API.
  certificate_chain text NOT NULL,
  -- PEM (PKCS #8). Never returned by the API; the router reads it from Redis.
  private_key text NOT NULL,
  -- The names its subject alternative names cover, lower case (`*.example.com` for a wildcard).
  hostnames text[] NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, name)
);

CREATE TABLE domains (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id uuid NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  -- Lower case, without a port; `*.example.com` for a wildcard. One app per hostname.
  hostname text NOT NULL UNIQUE,
  -- The certificate the user chose for it (domains:add --cert, PATCH); null: the best that covers it.
  sni_endpoint_id uuid REFERENCES sni_endpoints(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_app ON domains (app_id);
