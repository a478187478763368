-- Web sign-in: sessions (stored as token hashes), shared front-desk devices, PINs.
ALTER TABLE staff ADD COLUMN pin_hash TEXT;
CREATE TABLE sessions (
  id TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id), csrf TEXT NOT NULL,
  device_id TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
CREATE INDEX sessions_staff ON sessions (staff_id);
CREATE TABLE devices (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL REFERENCES locations(id), name TEXT NOT NULL,
  created_by TEXT NOT NULL, created_at INTEGER NOT NULL, failed_pins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER);
