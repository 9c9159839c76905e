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
-- (LIKE '%…%'), as they matched the one title before: no new index, as
-- none was used before (a contains-match cannot use the b-tree).
--
-- Cost. Adding the two columns with a constant default changes only the
-- catalogue; `title_lang` is then computed in one rewrite of each table
-- (ALTER COLUMN ... USING, as 0031), under an ACCESS EXCLUSIVE lock, its
-- unique index on lower(title) rebuilt. These tables hold short names
-- only (a CSV import adds at most 50,000 rows at a time), no search
-- document and one index each: the rewrite costs what copying the rows
-- and one b-tree build cost, far below 0031's per-record parsing and
-- stemming (not measured at scale for this migration; 0031 rewrote
-- 200,000 bulletins of 242 MB in 12 s of heap and index work on the
-- development machine, and a reference table of that many names is a
-- small fraction of that size). Labels, sources, locations and event
-- types can be neither read nor written while it runs (nor the record
-- pages and lists that name them).
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

-- The runtime role inserts labels, sources and locations (0010) and event
-- types (0015) with table-wide grants, which cover the new columns.
