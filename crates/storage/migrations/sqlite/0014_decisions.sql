-- Decisions reach the requester, and approvals never wait forever (issue 19):
-- how many opening-hours minutes a gesture request waits before it is escalated, per location;
-- when a request was escalated; when the requester acknowledged the decision on their My work.
ALTER TABLE locations ADD COLUMN approval_escalation_minutes INTEGER NOT NULL DEFAULT 10;
ALTER TABLE gestures ADD COLUMN escalated_at INTEGER;
ALTER TABLE gestures ADD COLUMN decision_seen_at INTEGER;
-- The scheduler's scan: requests still waiting and not escalated yet, oldest first.
CREATE INDEX gestures_waiting ON gestures (status, given_at) WHERE escalated_at IS NULL;
