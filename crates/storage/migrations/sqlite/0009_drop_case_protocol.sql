-- A case kept a JSON copy of its protocol that nothing read: its steps (case_steps) are the protocol
-- as instantiated. It was four-fifths of every case row, so each new case wrote about 1.4 KB more.
ALTER TABLE cases DROP COLUMN protocol;
