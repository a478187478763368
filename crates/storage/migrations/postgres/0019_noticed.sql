-- Issue 18, when it happened: the instant a defect was noticed, when earlier than it was logged
-- (NULL: when it was logged). Steps the reporter already did on the spot are done at that instant.
ALTER TABLE cases ADD COLUMN noticed_at BIGINT;
