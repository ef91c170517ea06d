-- Slugs in layers (platform/lib/slug-layers.ts): a slug's blobs, bottom first, the app's own
-- layer last; null for a slug of one piece, whose blob is named by its checksum.
ALTER TABLE slugs ADD COLUMN layers text[];
-- What a pending build's dyno uploaded: the runtime layers it stored itself (its slug may name
-- those, or its app's slugs' layers, never another app's), and the layers of its slug.
ALTER TABLE builds ADD COLUMN uploaded_layers text[] NOT NULL DEFAULT '{}';
ALTER TABLE builds ADD COLUMN uploaded_slug_layers text[];
