-- A release applies whole or not at all. A new slug's release is `deploying` once its release
-- phase (if any) passed: the dyno manager runs it, and only once its web dynos accept connections
-- does it become `succeeded`, current, with its config and process types applied to the app.
-- If they never do (R10, a crash while booting), it becomes `failed` and the previous release,
-- whose dynos were never stopped, stays current. The manager's target is this view's release.
CREATE VIEW target_releases AS
  SELECT DISTINCT ON (app_id) *
  FROM releases
  WHERE status IN ('deploying', 'succeeded')
  ORDER BY app_id, version DESC;
