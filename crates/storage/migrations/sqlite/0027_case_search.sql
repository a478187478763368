-- Issue 22, full-text search: the words of each case (the customer's name and preferred name, the
-- description and the notes people add on the case page) in an FTS5 index, one row a case, its rowid the
-- case's reference number (`cases.ref`: unique, an integer, and never changed, unlike SQLite's own rowid
-- of a table without an INTEGER PRIMARY KEY, which VACUUM may renumber).
-- Contentless (the words are in `cases` and `timeline` already; the index holds only the token lists), with
-- contentless_delete=1 so that a changed case's row can be deleted and written afresh without the old text.
-- unicode61 remove_diacritics 2: case- and accent-insensitive ("Zoë" is found by "zoe").
-- Kept by the triggers below, in the transaction of the change (creating a case, editing its details,
-- adding a note, erasure, which rewrites the name, the description and the notes).
CREATE VIRTUAL TABLE case_search USING fts5(
  doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');

-- One case's words, as the index holds them.
CREATE VIEW case_search_text AS
SELECT c.ref AS ref,
       c.customer_name || ' ' || coalesce(c.preferred_name, '') || ' ' || c.description
         || coalesce((SELECT ' ' || group_concat(json_extract(t.data, '$.text'), ' ')
                      FROM timeline t WHERE t.case_id = c.id AND t.event = 'note'), '') AS doc
FROM cases c;

CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN
  INSERT INTO case_search (rowid, doc) SELECT ref, doc FROM case_search_text WHERE ref = NEW.ref;
END;

CREATE TRIGGER case_search_update AFTER UPDATE OF customer_name, preferred_name, description ON cases BEGIN
  DELETE FROM case_search WHERE rowid = OLD.ref;
  INSERT INTO case_search (rowid, doc) SELECT ref, doc FROM case_search_text WHERE ref = NEW.ref;
END;

CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN
  DELETE FROM case_search WHERE rowid = OLD.ref;
END;

CREATE TRIGGER case_search_note AFTER INSERT ON timeline WHEN NEW.event = 'note' BEGIN
  DELETE FROM case_search WHERE rowid = (SELECT ref FROM cases WHERE id = NEW.case_id);
  INSERT INTO case_search (rowid, doc)
    SELECT d.ref, d.doc FROM cases c JOIN case_search_text d ON d.ref = c.ref WHERE c.id = NEW.case_id;
END;

CREATE TRIGGER case_search_note_update AFTER UPDATE OF data ON timeline WHEN NEW.event = 'note' BEGIN
  DELETE FROM case_search WHERE rowid = (SELECT ref FROM cases WHERE id = NEW.case_id);
  INSERT INTO case_search (rowid, doc)
    SELECT d.ref, d.doc FROM cases c JOIN case_search_text d ON d.ref = c.ref WHERE c.id = NEW.case_id;
END;

CREATE TRIGGER case_search_note_delete AFTER DELETE ON timeline WHEN OLD.event = 'note' BEGIN
  DELETE FROM case_search WHERE rowid = (SELECT ref FROM cases WHERE id = OLD.case_id);
  INSERT INTO case_search (rowid, doc)
    SELECT d.ref, d.doc FROM cases c JOIN case_search_text d ON d.ref = c.ref WHERE c.id = OLD.case_id;
END;

-- The cases logged before this migration.
INSERT INTO case_search (rowid, doc) SELECT ref, doc FROM case_search_text;
