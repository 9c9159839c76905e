-- custodian: additive
-- Indexes for the list filters (issue 14): assignee and reviewer (each
-- with the list's order, so a filtered page is a short walk of one index,
-- as for the status filter), and the links a filter asks about (a label,
-- source or location; an event type or dates), from the reference or
-- event to the records that carry it. bigint and date comparisons are
-- leakproof, so PostgreSQL may use them below the row-level-security
-- predicate. Indexes only: releases built before it run unchanged.

CREATE INDEX bulletin_assignee_order ON bulletin (assigned_to, updated_at, id);
CREATE INDEX actor_assignee_order ON actor (assigned_to, updated_at, id);
CREATE INDEX incident_assignee_order ON incident (assigned_to, updated_at, id);
CREATE INDEX bulletin_reviewer_order ON bulletin (reviewer, updated_at, id);
CREATE INDEX actor_reviewer_order ON actor (reviewer, updated_at, id);
CREATE INDEX incident_reviewer_order ON incident (reviewer, updated_at, id);

CREATE INDEX record_reference_label ON record_reference (label_id, kind, record_id)
    WHERE label_id IS NOT NULL AND withdrawn_at IS NULL;
CREATE INDEX record_reference_source ON record_reference (source_id, kind, record_id)
    WHERE source_id IS NOT NULL AND withdrawn_at IS NULL;
CREATE INDEX record_reference_location ON record_reference (location_id, kind, record_id)
    WHERE location_id IS NOT NULL AND withdrawn_at IS NULL;
CREATE INDEX record_event_type ON record_event (event_type_id, kind, record_id)
    WHERE withdrawn_at IS NULL;
CREATE INDEX record_event_dates ON record_event (kind, from_date, to_date)
    WHERE withdrawn_at IS NULL;
