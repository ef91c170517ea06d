-- A build made through the Build API (POST /apps/:app/builds) keeps the source_blob URL it was
-- given, as Heroku's shows it; a push's build has none.
ALTER TABLE builds ADD COLUMN source_url text;
