-- The audit trail (PostgreSQL): one row per change, written in the transaction of the change.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,        -- UUIDv7, so ids sort in time order
    at BIGINT NOT NULL,         -- milliseconds UTC
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
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'the audit trail is append-only';
    END IF;
    IF (NEW.id, NEW.at, NEW.actor_id, NEW.actor_name, NEW.via, NEW.credential, NEW.ip, NEW.action,
        NEW.entity, NEW.entity_id, NEW.location_id)
       IS DISTINCT FROM
       (OLD.id, OLD.at, OLD.actor_id, OLD.actor_name, OLD.via, OLD.credential, OLD.ip, OLD.action,
        OLD.entity, OLD.entity_id, OLD.location_id) THEN
        RAISE EXCEPTION 'the audit trail is append-only';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
