-- Case-list filters walk the newest-first order; give the common filters their own ordered indexes.
CREATE INDEX cases_status_created ON cases (status, created_at DESC, id DESC);
CREATE INDEX cases_status_stage_created ON cases (status, stage_code, created_at DESC, id DESC);
CREATE INDEX cases_stage_created ON cases (stage_code, created_at DESC, id DESC);
CREATE INDEX cases_defect_created ON cases (defect_code, created_at DESC, id DESC);
CREATE INDEX cases_owner_created ON cases (owner_id, created_at DESC, id DESC);
