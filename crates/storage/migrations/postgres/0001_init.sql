-- Olive schema (PostgreSQL). Instants are BIGINT milliseconds since the Unix epoch, UTC.
CREATE TABLE organisation (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE playbooks (code TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE locations (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, playbook_code TEXT NOT NULL REFERENCES playbooks(code),
  timezone TEXT NOT NULL, currency TEXT NOT NULL, hours TEXT NOT NULL, closed_dates TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE staff (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, username TEXT UNIQUE,
  is_admin BIGINT NOT NULL DEFAULT 0, active BIGINT NOT NULL DEFAULT 1, password_hash TEXT,
  created_at BIGINT NOT NULL);
CREATE TABLE staff_locations (
  staff_id TEXT NOT NULL REFERENCES staff(id), location_id TEXT NOT NULL REFERENCES locations(id),
  role TEXT NOT NULL, PRIMARY KEY (staff_id, location_id));
CREATE TABLE authority_limits (
  location_id TEXT NOT NULL REFERENCES locations(id), role TEXT NOT NULL,
  per_case_cents BIGINT, per_day_cents BIGINT, PRIMARY KEY (location_id, role));
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id), name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, expires_at BIGINT,
  last_used_at BIGINT, revoked_at BIGINT);
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE cases (
  id TEXT PRIMARY KEY, ref BIGINT NOT NULL UNIQUE, location_id TEXT NOT NULL REFERENCES locations(id),
  playbook_code TEXT NOT NULL, defect_code TEXT, defect_title TEXT NOT NULL, stage_code TEXT NOT NULL,
  severity TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT,
  customer_name TEXT NOT NULL, customer_phone TEXT, customer_email TEXT, customer_address TEXT,
  description TEXT NOT NULL, reporter_id TEXT NOT NULL REFERENCES staff(id), owner_id TEXT NOT NULL REFERENCES staff(id),
  root_cause TEXT, prevention_note TEXT, status_reason TEXT, handoff_count BIGINT NOT NULL DEFAULT 0,
  next_due_at BIGINT, first_action_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  closed_at BIGINT, protocol TEXT NOT NULL);
CREATE INDEX cases_location_created ON cases (location_id, created_at DESC, id DESC);
CREATE INDEX cases_created ON cases (created_at DESC, id DESC);
CREATE INDEX cases_owner ON cases (owner_id, status);
CREATE INDEX cases_phone ON cases (customer_phone);
CREATE INDEX cases_email ON cases (customer_email);
CREATE INDEX cases_next_due ON cases (next_due_at);
CREATE TABLE case_steps (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), position BIGINT NOT NULL,
  title TEXT NOT NULL, kind TEXT NOT NULL, owner_role TEXT NOT NULL, due_rule TEXT NOT NULL,
  due_at BIGINT NOT NULL, wording TEXT NOT NULL, gesture_code TEXT, gesture_id TEXT, status TEXT NOT NULL,
  done_by TEXT, done_at BIGINT, skip_reason TEXT, note TEXT);
CREATE INDEX case_steps_case ON case_steps (case_id, position);
CREATE TABLE gestures (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), kind TEXT NOT NULL,
  value_cents BIGINT NOT NULL, currency TEXT NOT NULL, note TEXT NOT NULL, status TEXT NOT NULL,
  given_by TEXT NOT NULL, given_at BIGINT NOT NULL, given_day TEXT NOT NULL,
  decided_by TEXT, decided_at BIGINT, decision_note TEXT,
  sent_by TEXT, sent_at BIGINT, delivered_by TEXT, delivered_at BIGINT);
CREATE INDEX gestures_case ON gestures (case_id);
CREATE INDEX gestures_giver_day ON gestures (given_by, given_day);
CREATE INDEX gestures_status ON gestures (status);
CREATE TABLE handoffs (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), from_id TEXT NOT NULL,
  to_id TEXT NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL,
  decided_at BIGINT, decline_reason TEXT);
CREATE INDEX handoffs_case ON handoffs (case_id);
CREATE TABLE verifications (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), verified_by TEXT NOT NULL,
  method TEXT NOT NULL, customer_said TEXT NOT NULL, satisfied BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX verifications_case ON verifications (case_id);
CREATE TABLE timeline (
  id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), at BIGINT NOT NULL,
  actor_id TEXT, event TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX timeline_case ON timeline (case_id, at, id);
CREATE TABLE idempotency (
  staff_id TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
  resource_id TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (staff_id, scope, key));
INSERT INTO counters (name, value) VALUES ('case', 1000);
