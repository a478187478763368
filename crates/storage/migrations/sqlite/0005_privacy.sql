-- Data the users own (SQLite): when a case's personal data was erased (on request or by retention).
ALTER TABLE cases ADD COLUMN redacted_at INTEGER;
-- Retention looks for finished cases not yet erased, oldest first.
CREATE INDEX cases_retention ON cases (closed_at) WHERE redacted_at IS NULL AND closed_at IS NOT NULL;
