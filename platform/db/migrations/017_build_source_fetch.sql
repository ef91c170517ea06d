-- A Build API build from a URL that Ouro does not hold: its build dyno fetches the source there
-- and hands it to the API (PUT /internal/builds/:id/source), so until then the build has no source
-- tree; the checksum the caller gave, if any, is checked against what was fetched.
ALTER TABLE builds ALTER COLUMN source_checksum DROP NOT NULL;
ALTER TABLE builds ADD COLUMN source_blob_checksum text;
