-- custodian: additive
-- Narrower grants for the tables of 0035 and 0036 (found in review): the
-- runtime role inserts only the columns a request gives. A background
-- search's expiry, status, results and times, and a saved search's
-- creation time, keep their defaults, so no statement of the runtime role
-- can keep a search past its 24 hours or make one up as done. The code of
-- 0035 and 0036 inserts only these columns, so it runs on this schema.

REVOKE INSERT ON saved_search FROM custodian_runtime;
GRANT INSERT (owner, kind, name, query, shared_with) ON saved_search TO custodian_runtime;
REVOKE INSERT ON search_job FROM custodian_runtime;
GRANT INSERT (owner, kind, query) ON search_job TO custodian_runtime;
