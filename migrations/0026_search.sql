-- custodian: additive
-- Full-text search over every kind (issue 14), in English and Arabic.
--
-- Folding. custodian_fold unifies the spellings of one Arabic word: the
-- hamza forms of alef (أ إ آ ٱ) become bare alef, hamza on waw and ya (ؤ ئ)
-- become waw and ya, alef maqsura (ى) becomes ya, ta marbuta (ة) becomes
-- ha, and tatweel and the diacritics (U+064B-U+065F, superscript alef
-- U+0670) are removed. It is applied to the documents (in the generated
-- columns below) and by custodiand to every query, so قَصْف, قـصـف and قصف
-- are one word, and so are مستشفى and مستشفي. IMMUTABLE, one
-- translate(): it may stand in a generated column and is inlined.
--
-- Words. The configuration custodian_search stems ASCII words as English
-- (shelling = shell) and other words as Arabic (the Snowball stemmer,
-- which also drops the article: المستشفى = مستشفى); stop words of neither
-- language count. The parser skips the tags of the stored (sanitised)
-- HTML descriptions.
--
-- Why a definer function. Row-level security keeps a query's own
-- conditions above its predicate unless they are leakproof, and the text
-- search match (@@), ILIKE and array overlap are not, so under the
-- runtime role the GIN indexes below could never be used: every search
-- was a scan of the whole table. custodian_search_ids runs with the
-- owner's rights (no row-level security) so that the planner may use the
-- indexes, applies the very predicate of the read policies (0024) itself,
-- so it never tells the caller about a record the actor may not see, and
-- returns at most `lim` ids. custodiand then reads those ids through the
-- table, under row-level security as always (bigint equality is
-- leakproof, so that read is a primary-key look-up).
--
-- Substrings. Identifiers (case numbers, file names) are found inside
-- titles with pg_trgm (a trusted extension: the database owner may create
-- it). Only titles: descriptions are long and their trigram index large.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE FUNCTION custodian_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    -- translate() compares every character with each one of the set,
    -- which made folding most of the cost of indexing a record; text
    -- without a character of the Arabic block is returned as it is.
    RETURN CASE WHEN t !~ U&'[\0600-\06FF]' THEN t ELSE pg_catalog.translate(t,
        U&'\0623\0625\0622\0671\0624\0626\0649\0629\0640\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0656\0657\0658\0659\065A\065B\065C\065D\065E\065F\0670',
        U&'\0627\0627\0627\0627\0648\064A\064A\0647') END;

CREATE TEXT SEARCH CONFIGURATION custodian_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION custodian_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH pg_catalog.english_stem;
ALTER TEXT SEARCH CONFIGURATION custodian_search
    ALTER MAPPING FOR word, hword, hword_part WITH pg_catalog.arabic_stem;

-- Title weighs most (A), then the description (B), then the kind's own
-- text fields (C). Stored, so that a filter or a ranking reads it instead
-- of parsing the text again for every row.
ALTER TABLE bulletin ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
    || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')) STORED;
ALTER TABLE actor ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
    || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')
    || setweight(to_tsvector('public.custodian_search',
                             public.custodian_fold(coalesce(details->>'nationality', ''))), 'C')) STORED;
ALTER TABLE incident ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('public.custodian_search', public.custodian_fold(title)), 'A')
    || setweight(to_tsvector('public.custodian_search', public.custodian_fold(description)), 'B')
    || setweight(to_tsvector('public.custodian_search',
                             public.custodian_fold(coalesce(details->>'potential_violations', '') || ' '
                                                   || coalesce(details->>'claimed_violations', ''))), 'C')) STORED;

CREATE INDEX bulletin_search ON bulletin USING gin (search_doc);
CREATE INDEX actor_search ON actor USING gin (search_doc);
CREATE INDEX incident_search ON incident USING gin (search_doc);
CREATE INDEX bulletin_title_trgm ON bulletin USING gin (title public.gin_trgm_ops);
CREATE INDEX actor_title_trgm ON actor USING gin (title public.gin_trgm_ops);
CREATE INDEX incident_title_trgm ON incident USING gin (title public.gin_trgm_ops);

-- The visible records of `kind` whose words match `query` or whose title
-- contains `pattern` (an ILIKE pattern, its wildcards escaped by the
-- caller); either may be NULL. At most `lim` ids, in no order.
CREATE FUNCTION custodian_search_ids(kind text, query tsquery, pattern text, lim integer)
    RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF kind IS NULL OR kind NOT IN ('bulletin', 'actor', 'incident') THEN
        RAISE EXCEPTION 'custodian_search_ids: no such kind %', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Dynamic so that each search is planned for its own words (a rare
    -- word through the index, a common one too), never a generic plan.
    RETURN QUERY EXECUTE format(
        'SELECT r.id FROM public.%I r
          WHERE (r.search_doc @@ $1 OR r.title ILIKE $2)
            AND (SELECT public.custodian_reader_groups()) IS NOT NULL
            AND ((SELECT public.custodian_reader_sees_all())
                 OR cardinality(r.access_groups) = 0
                 OR r.access_groups && (SELECT public.custodian_reader_groups()))
          LIMIT $3', kind)
        USING query, pattern, greatest(coalesce(lim, 0), 0);
END
$$;
REVOKE ALL ON FUNCTION custodian_search_ids(text, tsquery, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian_search_ids(text, tsquery, text, integer) TO custodian_runtime;
GRANT EXECUTE ON FUNCTION custodian_fold(text) TO custodian_runtime;
