-- One-off dynos as on Heroku: a time limit, and `ouro run` attached to the dyno by rendezvous.
-- `time_to_live` (seconds) counts from the start; `expires_at` is set when the dyno starts, and
-- the dyno manager stops it (SIGTERM, then SIGKILL) once it is past.
-- An attached run starts only once its client has connected to the rendezvous server with the
-- run's secret, stored here as its SHA-256 and cleared on first use; a run whose client does
-- not come by `attach_deadline` is finished without ever starting. `tty`, `tty_columns` and
-- `tty_lines`: the terminal the client asked for.
ALTER TABLE runs
  ADD COLUMN time_to_live integer NOT NULL DEFAULT 86400 CHECK (time_to_live > 0),
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN attach boolean NOT NULL DEFAULT false,
  ADD COLUMN tty boolean NOT NULL DEFAULT false,
  ADD COLUMN tty_columns integer,
  ADD COLUMN tty_lines integer,
  ADD COLUMN attach_secret_hash bytea,
  ADD COLUMN attach_deadline timestamptz;
CREATE UNIQUE INDEX runs_attach_secret ON runs (attach_secret_hash) WHERE attach_secret_hash IS NOT NULL;
-- Dynos already running get the default limit from when they started.
UPDATE runs SET expires_at = updated_at + interval '24 hours' WHERE state = 'running';
