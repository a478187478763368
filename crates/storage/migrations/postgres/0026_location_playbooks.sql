-- Issue 20 C, playbooks per location with a group default. A row with `location_id` is that location's
-- own copy (its code `<group code>@<location id>`), made on its manager's first edit; `group_code` is the
-- group playbook it copies. `base_version` and `base_source` are the built-in release the playbook was
-- based on (its text, so a newer release's changes can be told from the business's own), or NULL.
ALTER TABLE playbooks ADD COLUMN location_id TEXT;
ALTER TABLE playbooks ADD COLUMN group_code TEXT;
ALTER TABLE playbooks ADD COLUMN base_version TEXT;
ALTER TABLE playbooks ADD COLUMN base_source TEXT;
