-- custodian: additive
-- The newest entry of an action (the backups page and custodiand's backup
-- watcher ask for `backup.finished`, `backup.drill_passed`, the failures
-- and `backup.stale_notified` every few minutes) was found by walking the
-- log backwards by `seq` until a row matched: cheap when the action is
-- recent, a scan of the whole log when it never happened, and the log
-- holds a row for every record view. With this index each lookup is one
-- descent. The log stays append-only; the index only orders what is there.

CREATE INDEX audit_log_action_seq ON audit_log (action, seq);
