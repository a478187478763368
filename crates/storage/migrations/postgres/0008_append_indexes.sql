-- New rows go at the right-hand end of every index they enter, so a commit rewrites one leaf page per
-- index instead of splitting pages in the middle.
--
-- The newest-first list indexes were declared DESC: each new case went in at the left of its range,
-- which splits pages half-empty and rewrote about four pages per index per commit. Ascending indexes
-- serve `ORDER BY created_at DESC, id DESC` as well, read backwards (same query plans).
DROP INDEX cases_location_created;
CREATE INDEX cases_location_created ON cases (location_id, created_at, id);
DROP INDEX cases_created;
CREATE INDEX cases_created ON cases (created_at, id);
DROP INDEX cases_status_created;
CREATE INDEX cases_status_created ON cases (status, created_at, id);
DROP INDEX cases_status_stage_created;
CREATE INDEX cases_status_stage_created ON cases (status, stage_code, created_at, id);
DROP INDEX cases_stage_created;
CREATE INDEX cases_stage_created ON cases (stage_code, created_at, id);
DROP INDEX cases_defect_created;
CREATE INDEX cases_defect_created ON cases (defect_code, created_at, id);
DROP INDEX cases_owner_created;
CREATE INDEX cases_owner_created ON cases (owner_id, created_at, id);

-- A new step (alert level 0) enters only case_steps_remind; case_steps_alert holds the steps already
-- alerted once, waiting for their next alert. New steps' alert instants are spread over the day, so
-- each index they entered cost several pages per commit.
DROP INDEX case_steps_alert;
CREATE INDEX case_steps_alert ON case_steps (next_alert_at) WHERE status = 'pending' AND alert_level > 0;
