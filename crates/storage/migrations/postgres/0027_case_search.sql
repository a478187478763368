-- Issue 22, full-text search: the words of each case (the customer's name and preferred name, the
-- description and the notes people add on the case page) as a tsvector, one row a case keyed by the case's
-- reference number, with a GIN index. The `simple` configuration: words are lower-cased, never stemmed
-- (a name is not a word to stem). Accents are folded by `unaccent` where the extension can be created
-- (a trusted extension of Debian's postgresql package), else kept.
-- Kept by the triggers below, in the transaction of the change (creating a case, editing its details,
-- adding a note, erasure, which rewrites the name, the description and the notes).
CREATE TABLE case_search (ref BIGINT PRIMARY KEY, doc tsvector NOT NULL);
CREATE INDEX case_search_doc ON case_search USING gin (doc);

DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    EXCEPTION WHEN OTHERS THEN
        NULL; -- not allowed here: words keep their accents
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        EXECUTE 'CREATE FUNCTION olive_fold(t text) RETURNS text LANGUAGE sql STABLE AS $f$ SELECT unaccent(t) $f$';
    ELSE
        EXECUTE 'CREATE FUNCTION olive_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT t $f$';
    END IF;
END
$$;

-- Text as searched: accents folded, every run of characters other than letters and digits a space (so a
-- word is what the search splits a query into, as on SQLite: "long-wait" is "long" and "wait").
CREATE FUNCTION olive_search_words(t text) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT to_tsvector('simple', regexp_replace(olive_fold(t), '[^[:alnum:]]+', ' ', 'g'))
$$;

-- Write one case's row afresh from `cases` and its notes on `timeline`.
CREATE FUNCTION case_search_write(of_case text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO case_search (ref, doc)
    SELECT c.ref, olive_search_words(c.customer_name || ' ' || coalesce(c.preferred_name, '') || ' '
        || c.description || ' ' || coalesce((SELECT string_agg(t.data::jsonb ->> 'text', ' ')
            FROM timeline t WHERE t.case_id = c.id AND t.event = 'note'), ''))
    FROM cases c WHERE c.id = of_case
    ON CONFLICT (ref) DO UPDATE SET doc = EXCLUDED.doc
$$;

CREATE FUNCTION case_search_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM case_search WHERE ref = OLD.ref;
        RETURN OLD;
    END IF;
    PERFORM case_search_write(NEW.id);
    RETURN NEW;
END
$$;

CREATE FUNCTION case_search_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.event = 'note' THEN
            PERFORM case_search_write(OLD.case_id);
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.event = 'note' THEN
        PERFORM case_search_write(NEW.case_id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER case_search_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION case_search_case();
CREATE TRIGGER case_search_update AFTER UPDATE OF customer_name, preferred_name, description ON cases
    FOR EACH ROW EXECUTE FUNCTION case_search_case();
CREATE TRIGGER case_search_delete AFTER DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION case_search_case();
CREATE TRIGGER case_search_note AFTER INSERT OR UPDATE OF data OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION case_search_note();

-- The cases logged before this migration.
INSERT INTO case_search (ref, doc)
SELECT c.ref, olive_search_words(c.customer_name || ' ' || coalesce(c.preferred_name, '') || ' '
    || c.description || ' ' || coalesce((SELECT string_agg(t.data::jsonb ->> 'text', ' ')
        FROM timeline t WHERE t.case_id = c.id AND t.event = 'note'), ''))
FROM cases c;
