-- Each step is someone's: its assignee, or (NULL) its role's queue at the case's location.
-- `for_provider` marks the steps a playbook gives to the case's provider (the dentist, the server),
-- so naming another provider on the case moves them.
ALTER TABLE case_steps ADD COLUMN assignee_id TEXT REFERENCES staff(id);
ALTER TABLE case_steps ADD COLUMN for_provider INTEGER NOT NULL DEFAULT 0;
-- Open steps of existing cases: the case owner's where they hold the step's role there, else the queue.
UPDATE case_steps SET assignee_id = (
    SELECT c.owner_id FROM cases c
    JOIN staff_locations sl ON sl.staff_id = c.owner_id AND sl.location_id = c.location_id
    WHERE c.id = case_steps.case_id AND sl.role = case_steps.owner_role)
  WHERE status = 'pending';
CREATE INDEX case_steps_assignee ON case_steps (assignee_id, due_at) WHERE status = 'pending';
CREATE INDEX case_steps_queue ON case_steps (owner_role, due_at) WHERE status = 'pending' AND assignee_id IS NULL;
