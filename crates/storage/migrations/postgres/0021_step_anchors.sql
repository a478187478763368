-- Issue 18, deadlines follow the work: where each case step's due counts from. `noticed` (when the
-- defect was noticed), `logged` (when the case was logged: every step written before this), or
-- `after` the step at `after_position` in the same case is done or skipped (its due moves then).
ALTER TABLE case_steps ADD COLUMN anchor TEXT NOT NULL DEFAULT 'logged';
ALTER TABLE case_steps ADD COLUMN after_position BIGINT;
