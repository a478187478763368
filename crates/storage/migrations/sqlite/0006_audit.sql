-- The audit trail (SQLite): one row per change, written in the transaction of the change.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,        -- UUIDv7, so ids sort in time order
    at INTEGER NOT NULL,        -- milliseconds UTC
    actor_id TEXT,              -- the staff member; NULL for the command line, the scheduler or a customer
    actor_name TEXT NOT NULL,   -- the name at the time of the change
    via TEXT NOT NULL,          -- token | session | device | cli | system | customer
    credential TEXT,            -- the API token's id or a session's short id (never a secret)
    ip TEXT,                    -- the client address, when the change came over HTTP
    action TEXT NOT NULL,       -- e.g. case.created, gesture.approved, limits.changed
    entity TEXT NOT NULL,       -- case | location | staff | playbook | token | webhook | message | device
    entity_id TEXT NOT NULL,
    location_id TEXT,           -- NULL for organisation-wide changes
    data TEXT NOT NULL          -- JSON: what changed
);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_location_at ON audit_log (location_id, at);
CREATE INDEX audit_entity ON audit_log (entity_id);
-- Append-only: rows are never deleted, and only `data` may be rewritten (erasing a customer's personal data).
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_update
BEFORE UPDATE OF id, at, actor_id, actor_name, via, credential, ip, action, entity, entity_id, location_id ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
