-- A build dyno is a one-off dyno of the builder app that serves exactly one build: it gets
-- that build's credential and nothing of the builder's own config vars. At most one is open
-- per build, however many builder workers ask for it.
ALTER TABLE runs ADD COLUMN build_id uuid REFERENCES builds(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX runs_open_build ON runs (build_id) WHERE state IN ('pending', 'running');

-- The slug a build's dyno uploaded with its token: its result may name that slug and no other
-- (not another app's blob whose checksum it learned).
ALTER TABLE builds ADD COLUMN uploaded_checksum text;

-- The deadline sweep reads pending builds only.
CREATE INDEX builds_pending_deadline ON builds (deadline_at) WHERE status = 'pending';
