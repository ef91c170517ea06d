-- A build dyno started before its build (platform/builds/build-dynos.ts): a run of the builder's
-- `build` process type for one app's next build, with that app's build cache mounted and no
-- credential but its own. A build of that app takes it (sets build_id) instead of starting a dyno.
ALTER TABLE runs ADD COLUMN standby_for uuid REFERENCES apps(id) ON DELETE CASCADE;
-- One waiting for each app at most.
CREATE UNIQUE INDEX runs_open_standby ON runs (standby_for) WHERE build_id IS NULL AND state IN ('pending', 'running');
