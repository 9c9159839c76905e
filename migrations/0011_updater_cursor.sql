-- How far custodiand has copied custodian-updated's step log into the
-- activity log: one row, moved forward in the same transaction as the
-- entries it covers, so that no step is recorded twice or skipped.

CREATE TABLE updater_cursor (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq bigint NOT NULL CHECK (seq >= 0)
);
INSERT INTO updater_cursor (seq) VALUES (0);

GRANT SELECT, UPDATE ON updater_cursor TO custodian_runtime;
