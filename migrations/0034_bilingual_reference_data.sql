-- custodian: additive
-- Bilingual reference data (issue 16): a label, a source, a location and
-- an event type have a name in Arabic and in English, as records do
-- (0031).
--
-- Storage. `title` stays the main name, so that the unique index on
-- lower(title), the list filters (by a label's name), sorting and every
-- release before this one keep reading it unchanged; `title_lang` says
-- which language it is in and `title_alt` holds the other language's
-- name ('' when there is none). custodian-core maps the three to
-- (Arabic, English) for the web layer (`bilingual::Both`). Descriptions
-- stay in one language: they are notes for administrators, not names
-- shown on records.
--
-- Existing rows: `title_lang` from the title's script (any Arabic letter:
-- 'ar', else 'en'), the rule of 0031 and of custodian-core's
-- `Lang::of_script`. The ten event types 0013 added are English.
--
-- Search. The pickers match what was typed against both names, folded by
-- custodian_fold (0026) and lower-cased on both sides, inside the name
-- (LIKE '%…%'), as they matched the one title before. Folding every name
-- of a table for every keystroke is a scan that grows with the table, so
-- each name has a trigram index on its folded form (pg_trgm, 0026): a
-- look-up of three characters or more reads the matching names only.
--
-- Cost. Adding the two columns with a constant default changes only the
-- catalogue; `title_lang` is then computed in one rewrite of each table
-- (ALTER COLUMN ... USING, as 0031), under an ACCESS EXCLUSIVE lock, its
-- unique index on lower(title) rebuilt; then the two trigram indexes are
-- built. Measured 2026-12-03 on the 2-core development machine at a load
-- average of about 2, PostgreSQL 15, 200,000 labels (half Arabic, half
-- English; 45 MB), far more than a team keeps: adding the columns 46 ms,
-- the rewrite 1.1 s, the two trigram indexes 0.8 s and 0.7 s; linear in
-- the rows. Labels, sources, locations and event types can be neither
-- read nor written while it runs (nor the record pages and lists that
-- name them). On that table a picker's look-up of a rare name took
-- 15 ms with the indexes and 1.1 s without (before this migration, one
-- title and no folding: 0.1 s); a look-up that matches half the names
-- is slow either way (0.6 s), as before.
--
-- A name written by a release before this one gets `title_lang` 'en' (the
-- default) whatever its script; it is shown as the main name all the
-- same.

ALTER TABLE label
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT label_title_alt_length CHECK (length(title_alt) <= 200);
ALTER TABLE label
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT label_title_lang CHECK (title_lang IN ('ar', 'en'));

ALTER TABLE source
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT source_title_alt_length CHECK (length(title_alt) <= 200);
ALTER TABLE source
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT source_title_lang CHECK (title_lang IN ('ar', 'en'));

ALTER TABLE location
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT location_title_alt_length CHECK (length(title_alt) <= 200);
ALTER TABLE location
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT location_title_lang CHECK (title_lang IN ('ar', 'en'));

ALTER TABLE event_type
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT event_type_title_alt_length CHECK (length(title_alt) <= 200);
ALTER TABLE event_type
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT event_type_title_lang CHECK (title_lang IN ('ar', 'en'));

-- What the pickers match (see Search above).
CREATE INDEX label_names_trgm ON label USING gin (public.custodian_fold(lower(title)) public.gin_trgm_ops);
CREATE INDEX label_names_alt_trgm ON label USING gin (public.custodian_fold(lower(title_alt)) public.gin_trgm_ops);
CREATE INDEX source_names_trgm ON source USING gin (public.custodian_fold(lower(title)) public.gin_trgm_ops);
CREATE INDEX source_names_alt_trgm ON source USING gin (public.custodian_fold(lower(title_alt)) public.gin_trgm_ops);
CREATE INDEX location_names_trgm ON location USING gin (public.custodian_fold(lower(title)) public.gin_trgm_ops);
CREATE INDEX location_names_alt_trgm ON location USING gin (public.custodian_fold(lower(title_alt)) public.gin_trgm_ops);
CREATE INDEX event_type_names_trgm ON event_type USING gin (public.custodian_fold(lower(title)) public.gin_trgm_ops);
CREATE INDEX event_type_names_alt_trgm ON event_type USING gin (public.custodian_fold(lower(title_alt)) public.gin_trgm_ops);

-- The runtime role inserts labels, sources and locations (0010) and event
-- types (0015) with table-wide grants, which cover the new columns.
