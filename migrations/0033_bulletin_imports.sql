-- custodian: additive
-- Bulletins are imported from CSV (issue 16) by the same background jobs
-- as reference data: an import job may now hold bulletins. Only the list
-- of kinds grows, so releases built before it never write a row it
-- refuses (they show such a job's kind as its word).

ALTER TABLE import_job DROP CONSTRAINT import_job_kind_check;
ALTER TABLE import_job ADD CONSTRAINT import_job_kind_check
    CHECK (kind IN ('labels', 'sources', 'locations', 'bulletins'));
