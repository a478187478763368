-- Issue 20: a case's version, raised in the same transaction by every change to the case (each timeline
-- entry), so that a form shown before someone else's change is refused as stale instead of overwriting it.
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
