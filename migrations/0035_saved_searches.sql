-- custodian: additive
-- Saved searches (issue 14): an account keeps a list's search, filters
-- and order under a name, and may share it with one of its access groups.
-- A saved search holds only the question (the list's query string, as
-- the list itself writes it), never results: opening it runs the list
-- again, under row-level security, as whoever opens it.
--
-- Row-level security decides who sees which: the owner sees its own,
-- an active member of the group it is shared with sees it too, and a
-- statement without an actor sees none. Only the owner may add or delete
-- one, and only share it with a group the owner belongs to.

CREATE TABLE saved_search (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner       bigint NOT NULL REFERENCES app_user (id),
    kind        text   NOT NULL CHECK (kind IN ('bulletin', 'actor', 'incident')),
    name        text   NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    query       text   NOT NULL CHECK (char_length(query) <= 4000),
    shared_with text   CHECK (char_length(shared_with) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner, kind, name)
);
CREATE INDEX saved_search_shared ON saved_search (shared_with, kind) WHERE shared_with IS NOT NULL;

ALTER TABLE saved_search ENABLE ROW LEVEL SECURITY;

CREATE POLICY saved_search_read ON saved_search FOR SELECT
    USING ((SELECT public.custodian_reader_groups()) IS NOT NULL
           AND (owner = public.custodian_actor()
                OR ARRAY[shared_with] <@ (SELECT public.custodian_reader_groups())));
CREATE POLICY saved_search_add ON saved_search FOR INSERT
    WITH CHECK (owner = public.custodian_actor()
                AND (SELECT public.custodian_reader_groups()) IS NOT NULL
                AND (shared_with IS NULL
                     OR ARRAY[shared_with] <@ (SELECT public.custodian_reader_groups())));
CREATE POLICY saved_search_remove ON saved_search FOR DELETE
    USING (owner = public.custodian_actor());

GRANT SELECT, INSERT, DELETE ON saved_search TO custodian_runtime;
