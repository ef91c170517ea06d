-- Why a release failed (its release phase's exit, or the sweep that found it orphaned).
ALTER TABLE releases ADD COLUMN failure_message text;

-- An app's current release: its newest release whose release phase (if any) succeeded.
-- Every query that needs "the current release" reads this view, so the rule has one home.
CREATE VIEW current_releases AS
  SELECT DISTINCT ON (app_id) *
  FROM releases
  WHERE status = 'succeeded'
  ORDER BY app_id, version DESC;

-- A build's deadline lives with the build, so a build left pending by an API that died
-- is failed by the next one (or by any sweep), not by an in-memory timer that died too.
ALTER TABLE builds ADD COLUMN deadline_at timestamptz;
UPDATE builds SET deadline_at = created_at + interval '15 minutes' WHERE deadline_at IS NULL;
ALTER TABLE builds ALTER COLUMN deadline_at SET NOT NULL;
ALTER TABLE builds ALTER COLUMN deadline_at SET DEFAULT now() + interval '15 minutes';
