-- Steps not yet reminded, by their due instant: the scheduler's reminder scan walks only these.
-- (case_steps_alert also holds reminded steps waiting for their due instant, which that scan would
-- walk past on every batch.)
CREATE INDEX case_steps_remind ON case_steps (next_alert_at) WHERE status = 'pending' AND alert_level = 0;
