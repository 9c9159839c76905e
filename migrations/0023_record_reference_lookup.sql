-- custodian: additive
-- A record's view lists its labels, sources and locations, withdrawn ones
-- included (with the reason), by (kind, record_id). The only index that
-- starts with those columns is the partial unique one of references not
-- withdrawn, which that query cannot use, so every record view scanned the
-- whole table: 48 ms at 100,000 bulletins (168,675 references), a quarter
-- of a second at a million, and the record views of issue 19's benchmark
-- missed their 200 ms even without load. With this index it is an index
-- scan (0.1 ms).
CREATE INDEX record_reference_record ON record_reference (kind, record_id);
