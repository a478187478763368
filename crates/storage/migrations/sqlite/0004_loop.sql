-- Closing the loop (SQLite): step alerts, jobs, the outbox, webhooks, customer follow-ups, opt-outs, notifications.
ALTER TABLE case_steps ADD COLUMN alert_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_steps ADD COLUMN next_alert_at INTEGER;
UPDATE case_steps SET next_alert_at = due_at WHERE status = 'pending';
CREATE INDEX case_steps_alert ON case_steps (next_alert_at) WHERE status = 'pending';
ALTER TABLE cases ADD COLUMN escalated_at INTEGER;
CREATE INDEX cases_escalated ON cases (location_id, escalated_at) WHERE escalated_at IS NOT NULL;
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, unique_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,
  run_at INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  created_at INTEGER NOT NULL, finished_at INTEGER);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'queued';
CREATE TABLE outbox (
  id TEXT PRIMARY KEY, channel TEXT NOT NULL, event TEXT NOT NULL, event_id TEXT NOT NULL,
  location_id TEXT, case_id TEXT, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
  last_error TEXT, created_at INTEGER NOT NULL, delivered_at INTEGER);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, created_at);
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL REFERENCES locations(id), url TEXT NOT NULL,
  secret TEXT NOT NULL, events TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX webhooks_location ON webhooks (location_id);
CREATE TABLE followups (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), token_hash TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL, recipient TEXT NOT NULL, sent_by TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, answered_at INTEGER, rating INTEGER, would_return INTEGER, comment TEXT,
  timed_out_at INTEGER);
CREATE INDEX followups_case ON followups (case_id);
CREATE TABLE contact_opt_outs (contact TEXT PRIMARY KEY, source TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE notifications (
  id TEXT PRIMARY KEY, staff_id TEXT NOT NULL, case_id TEXT, kind TEXT NOT NULL, text TEXT NOT NULL,
  created_at INTEGER NOT NULL, read_at INTEGER);
CREATE INDEX notifications_staff ON notifications (staff_id, created_at);
