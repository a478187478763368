-- Issue 21 (Insights): a location's monthly budget for gestures, in cents of its `currency`
-- (NULL: no budget), and how many times each case was reopened, counted from its timeline.
ALTER TABLE locations ADD COLUMN monthly_budget_cents BIGINT;
ALTER TABLE cases ADD COLUMN reopen_count BIGINT NOT NULL DEFAULT 0;
UPDATE cases SET reopen_count = (
    SELECT COUNT(*) FROM timeline WHERE timeline.case_id = cases.id AND timeline.event = 'reopened'
) WHERE EXISTS (SELECT 1 FROM timeline WHERE timeline.case_id = cases.id AND timeline.event = 'reopened');
