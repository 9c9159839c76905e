-- custodian: additive
-- The links' read policies with the record rule written inline (issue 14).
-- relation, record_reference and record_event were readable when
-- custodian_record_visible(kind, id) said so: a SQL function whose body has
-- sub-selects, which PostgreSQL never inlines, so every link row read was a
-- function call that ran its own query on the record table, and with it
-- that table's row-level security (the reader's facts fetched again on
-- every call). A list filtered by a label or an event type reads thousands
-- of links. The same rule is now in the policies themselves: a link is
-- visible when every record it touches is visible to the reader, asked
-- by primary key on the record tables under their own row-level security
-- (migration 0024: the reader's facts once per statement), one index probe
-- per link. Written as a scalar sub-select, not EXISTS: PostgreSQL may turn
-- an EXISTS into a hashed set of every visible record (a scan of the whole
-- table) and never does that to a scalar sub-select. The rule is unchanged, so releases built before it run on this
-- schema; custodian_record_visible stays for the insert and update rules.

ALTER POLICY record_reference_read ON record_reference
    USING (CASE kind
               WHEN 'bulletin' THEN coalesce((SELECT true FROM public.bulletin b WHERE b.id = record_id), false)
               WHEN 'actor'    THEN coalesce((SELECT true FROM public.actor a WHERE a.id = record_id), false)
               WHEN 'incident' THEN coalesce((SELECT true FROM public.incident i WHERE i.id = record_id), false)
               ELSE false
           END);

ALTER POLICY record_event_read ON record_event
    USING (CASE kind
               WHEN 'bulletin' THEN coalesce((SELECT true FROM public.bulletin b WHERE b.id = record_id), false)
               WHEN 'actor'    THEN coalesce((SELECT true FROM public.actor a WHERE a.id = record_id), false)
               WHEN 'incident' THEN coalesce((SELECT true FROM public.incident i WHERE i.id = record_id), false)
               ELSE false
           END);

ALTER POLICY relation_read ON relation
    USING (CASE from_kind
               WHEN 'bulletin' THEN coalesce((SELECT true FROM public.bulletin b WHERE b.id = from_id), false)
               WHEN 'actor'    THEN coalesce((SELECT true FROM public.actor a WHERE a.id = from_id), false)
               WHEN 'incident' THEN coalesce((SELECT true FROM public.incident i WHERE i.id = from_id), false)
               ELSE false
           END
           AND CASE to_kind
               WHEN 'bulletin' THEN coalesce((SELECT true FROM public.bulletin b WHERE b.id = to_id), false)
               WHEN 'actor'    THEN coalesce((SELECT true FROM public.actor a WHERE a.id = to_id), false)
               WHEN 'incident' THEN coalesce((SELECT true FROM public.incident i WHERE i.id = to_id), false)
               ELSE false
           END);
