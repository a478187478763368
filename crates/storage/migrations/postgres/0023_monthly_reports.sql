-- Issue 21, the monthly report: one row per scope (a location's id, or `group` for the admins' report
-- of every location) and month (`2026-11`), inserted in the transaction that queues its emails, so two
-- workers or a restart never send a month twice (the second insert conflicts and queues nothing).
CREATE TABLE monthly_reports (
  scope TEXT NOT NULL, month TEXT NOT NULL, queued_at BIGINT NOT NULL,
  PRIMARY KEY (scope, month));
-- A person's own setting: 1 = no monthly report email.
ALTER TABLE staff ADD COLUMN monthly_report_opt_out BIGINT NOT NULL DEFAULT 0;
-- An email's attachment, as JSON: {"filename", "content_type", "data" (base64)}; NULL for none.
ALTER TABLE outbox ADD COLUMN attachment TEXT;
