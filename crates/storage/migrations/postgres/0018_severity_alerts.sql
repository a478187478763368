-- The right person at the right time (issue 18): a case's severity alert to its managers goes out
-- once (`severity_alerted_at`, set with the alert in one transaction), and a critical case's live
-- alert stays on a manager's pages until they open the case or dismiss it (`cleared_at`).
ALTER TABLE cases ADD COLUMN severity_alerted_at BIGINT;
ALTER TABLE notifications ADD COLUMN cleared_at BIGINT;
CREATE INDEX notifications_live ON notifications (staff_id, kind) WHERE cleared_at IS NULL;
