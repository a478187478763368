-- Prevention actions (issue 19): fixing the process behind a defect, apart from each customer's case.
-- One open action per (location, defect): `open_key` is "location:defect" while the action is open and
-- NULL once it is done, so the unique index allows one open action and any number of done ones. The
-- action is opened from the playbook defect's `prevention` text when a case with the defect is logged.
CREATE TABLE prevention_actions (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, defect_code TEXT NOT NULL, defect_title TEXT NOT NULL,
  open_key TEXT, action TEXT NOT NULL, owner_id TEXT, due_on TEXT, status TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  done_at INTEGER, done_by TEXT);
CREATE UNIQUE INDEX prevention_actions_open ON prevention_actions (open_key);
CREATE INDEX prevention_actions_location ON prevention_actions (location_id, created_at);
-- The cases each action collects (a case belongs to the action that was open when it was logged).
CREATE TABLE prevention_cases (
  case_id TEXT PRIMARY KEY, action_id TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX prevention_cases_action ON prevention_cases (action_id, created_at);
