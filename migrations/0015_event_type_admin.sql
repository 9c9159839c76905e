-- custodian: additive
-- Administrators add event types and retire the ones no longer wanted. A
-- retired type stays on the events that have it and in their history, but
-- is no longer offered or accepted for new events. Nothing is deleted.

ALTER TABLE event_type ADD COLUMN retired_at timestamptz;

GRANT INSERT ON event_type TO custodian_runtime;
GRANT UPDATE (retired_at) ON event_type TO custodian_runtime;
