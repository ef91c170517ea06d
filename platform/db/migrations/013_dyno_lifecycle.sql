-- Each dyno's lifecycle steps (install, configure, start, stop, unconfigure, uninstall), with
-- when each began and how long it took, as the dyno manager last recorded them.
ALTER TABLE dynos ADD COLUMN IF NOT EXISTS steps jsonb NOT NULL DEFAULT '{}';
