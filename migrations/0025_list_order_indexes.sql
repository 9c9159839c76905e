-- custodian: additive
-- Lists are ordered by last change (or creation) with the id as the tie
-- breaker, and paged by a cursor on those two values (issue 14), so each
-- page, the first or the thousandth, is a short walk of one of these
-- indexes instead of a sort of every visible record. The comparison
-- operators of timestamptz and bigint are leakproof, so PostgreSQL may use
-- the indexes below the row-level-security predicate. The status filter
-- gets its own ordered indexes: with the plain status index a rare status
-- meant visiting every row of that status to sort them. Indexes only:
-- releases built before it run unchanged.

CREATE INDEX bulletin_updated_order ON bulletin (updated_at, id);
CREATE INDEX bulletin_created_order ON bulletin (created_at, id);
CREATE INDEX actor_updated_order ON actor (updated_at, id);
CREATE INDEX actor_created_order ON actor (created_at, id);
CREATE INDEX incident_updated_order ON incident (updated_at, id);
CREATE INDEX incident_created_order ON incident (created_at, id);
CREATE INDEX bulletin_status_order ON bulletin (status, updated_at, id);
CREATE INDEX actor_status_order ON actor (status, updated_at, id);
CREATE INDEX incident_status_order ON incident (status, updated_at, id);
