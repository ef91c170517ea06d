-- One-off dynos have a size of their own (`ouro run --size`); build dynos get a large one.
ALTER TABLE runs ADD COLUMN size text NOT NULL DEFAULT 'standard-1X';
