-- custodian: additive
-- Bilingual records (issue 16): a bulletin, an actor or an incident has a
-- title (an actor: a name) and a description in Arabic and in English.
--
-- Storage. `title` and `description` stay the record's main text, so that
-- lists, sorting, the trigram index on titles and every release before
-- this one keep reading them unchanged; `title_lang` says which language
-- the main text is in, and `title_alt` / `description_alt` hold the other
-- language's ('' when there is none). custodian-core maps the three to
-- (Arabic, English) for the web layer and swaps main and other when an
-- edit empties the main title but keeps the other. One language column
-- for title and description together: a record is written in one
-- language and translated into the other, not half and half.
--
-- Existing rows: `title_lang` from the title's script (any Arabic letter:
-- 'ar', else 'en'), the same rule custodian-core applies to a record
-- posted without language fields (`Lang::of_script`).
--
-- Search. The generated `search_doc` (0026) cannot have its expression
-- changed in PostgreSQL 15, so it is dropped and made again with the
-- other language's title (weight A) and description (B) in it, in the
-- same transaction, under the same name and type: the search function
-- (0026), the pickers and an older release read it as before. Chosen over
-- a second generated column with its own GIN index, ORed in the query:
-- either costs a rewrite of the whole table now (a stored generated
-- column is computed for every row), but one column keeps one index per
-- kind, one `@@` and one rank per row in the list that walks the ordering
-- index for a common word (search-at-scale.md), where two columns would
-- double both.
--
-- Cost. Each table is rewritten once, under an ACCESS EXCLUSIVE lock
-- (reads and writes of that kind wait), and all its indexes are rebuilt:
-- `title_lang` is computed in that same rewrite (ALTER COLUMN ... USING)
-- rather than by an UPDATE, which would write every Arabic row a second
-- time. Measured 2026-12-03 on the 2-core development machine at a load
-- average of about 5, PostgreSQL 15, 200,000 bulletins (half Arabic, half
-- English, descriptions of about 400 characters, the indexes of 0025 to
-- 0027; 242 MB): the bulletin part of this migration took 47 s (the
-- rewrite with the new search text 44 s, of which parsing and stemming
-- about 23 s and rewriting the heap and rebuilding its indexes about
-- 12 s; the search index 3 s). Linear in the rows: about 4 minutes per
-- million bulletins on that machine, about 8 for the 2,000,000 of
-- search-at-scale.md, during which bulletins can be neither read nor
-- written; actors and incidents add their share. The update's backup
-- comes before it.
--
-- A record written by a release before this one gets `title_lang` 'en'
-- (the default) whatever its script; the next edit puts it right.

ALTER TABLE bulletin
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT bulletin_title_alt_length CHECK (length(title_alt) <= 300),
    ADD COLUMN description_alt text NOT NULL DEFAULT ''
        CONSTRAINT bulletin_description_alt_length CHECK (length(description_alt) <= 100000),
    DROP COLUMN search_doc;
ALTER TABLE bulletin
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT bulletin_title_lang CHECK (title_lang IN ('ar', 'en')),
    ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(title_alt)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description_alt)), 'B')) STORED;

ALTER TABLE actor
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT actor_title_alt_length CHECK (length(title_alt) <= 300),
    ADD COLUMN description_alt text NOT NULL DEFAULT ''
        CONSTRAINT actor_description_alt_length CHECK (length(description_alt) <= 100000),
    DROP COLUMN search_doc;
ALTER TABLE actor
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT actor_title_lang CHECK (title_lang IN ('ar', 'en')),
    ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(title_alt)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description_alt)), 'B')
        || setweight(to_tsvector('public.custodian_search',
                                 public.custodian_fold(coalesce(details->>'nationality', ''))), 'C')) STORED;

ALTER TABLE incident
    ADD COLUMN title_lang text NOT NULL DEFAULT 'en',
    ADD COLUMN title_alt text NOT NULL DEFAULT ''
        CONSTRAINT incident_title_alt_length CHECK (length(title_alt) <= 300),
    ADD COLUMN description_alt text NOT NULL DEFAULT ''
        CONSTRAINT incident_description_alt_length CHECK (length(description_alt) <= 100000),
    DROP COLUMN search_doc;
ALTER TABLE incident
    ALTER COLUMN title_lang TYPE text USING
        (CASE WHEN title ~ U&'[\0621-\064A\066E\066F\0671-\06D3\06FA-\06FC]' THEN 'ar' ELSE 'en' END),
    ADD CONSTRAINT incident_title_lang CHECK (title_lang IN ('ar', 'en')),
    ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(title_alt)), 'A')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')
        || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description_alt)), 'B')
        || setweight(to_tsvector('public.custodian_search',
                                 public.custodian_fold(coalesce(details->>'potential_violations', '') || ' '
                                                       || coalesce(details->>'claimed_violations', ''))), 'C')) STORED;

-- Dropped with the old column; the same names and definitions as 0026.
CREATE INDEX bulletin_search ON bulletin USING gin (search_doc);
CREATE INDEX actor_search ON actor USING gin (search_doc);
CREATE INDEX incident_search ON incident USING gin (search_doc);
