-- The gesture ledger: whose authority each gesture uses (domain::authority::ledger::charge).
-- Given within the giver's own authority: the giver, from given_at, on the case and the day.
-- Approved by a manager: the approver's day, from decided_at. Pending or declined: nobody.
ALTER TABLE gestures ADD COLUMN charged_to TEXT;
ALTER TABLE gestures ADD COLUMN charged_at INTEGER;
ALTER TABLE gestures ADD COLUMN charged_on_case INTEGER NOT NULL DEFAULT 0;
-- The step a gesture was given for (a gesture step is completed by recording its gesture).
ALTER TABLE gestures ADD COLUMN step_id TEXT;
-- While a request waits for a manager: the limit that sent it there and what was left of it.
ALTER TABLE gestures ADD COLUMN pending_reason TEXT;
UPDATE gestures SET
  charged_to = CASE WHEN decided_by IS NULL THEN given_by ELSE decided_by END,
  charged_at = CASE WHEN decided_by IS NULL THEN given_at ELSE decided_at END,
  charged_on_case = CASE WHEN decided_by IS NULL THEN 1 ELSE 0 END
WHERE status IN ('approved', 'sent', 'delivered');
CREATE INDEX gestures_charged ON gestures (charged_to, charged_at);
