-- Issue 17, the right words: what a playbook asks about a case (the dentist, the table, the
-- appointment time) as a JSON object by field key, the name the customer asked to be called, and
-- each step's spoken and written scripts (older steps keep their one `wording`, read as spoken).
ALTER TABLE cases ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN preferred_name TEXT;
ALTER TABLE case_steps ADD COLUMN say_text TEXT NOT NULL DEFAULT '';
ALTER TABLE case_steps ADD COLUMN write_text TEXT NOT NULL DEFAULT '';
