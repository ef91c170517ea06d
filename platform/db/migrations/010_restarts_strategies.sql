-- A restart is a change of the desired model: each process type has a generation, bumped by
-- `ps:restart`; a dyno of an older generation is replaced through the plan like one of an older
-- release, new dyno first. Each app has a deploy strategy (preboot, rolling N at a time, parallel).
-- The recorded live model keeps each dyno's size and generation, so the API can show the delta.
ALTER TABLE formations ADD COLUMN generation integer NOT NULL DEFAULT 0;
ALTER TABLE apps
  ADD COLUMN strategy text NOT NULL DEFAULT 'preboot' CHECK (strategy IN ('preboot', 'rolling', 'parallel')),
  ADD COLUMN strategy_batch integer NOT NULL DEFAULT 1 CHECK (strategy_batch BETWEEN 1 AND 100);
ALTER TABLE dynos
  ADD COLUMN size text,
  ADD COLUMN generation integer NOT NULL DEFAULT 0,
  ADD COLUMN run_id uuid;
