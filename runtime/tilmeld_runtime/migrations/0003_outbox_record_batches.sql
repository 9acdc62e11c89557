-- A row may carry several records for its topic and key (record_batches.py): `records` holds
-- them msgpack-encoded, `value` and the header columns are then empty, `record_count` says how
-- many records the row is (the relay's cycle and the backlog gauge count records, not rows).
ALTER TABLE outbox ADD COLUMN records bytea, ADD COLUMN record_count int NOT NULL DEFAULT 1;

-- A 500-record row is ~300-500 KB of JSON and goes to TOAST: lz4 compresses it ~5x for about
-- what it saves in writing (pglz, the default, took more than twice as long to write:
-- bench/RESULTS.md, seventeenth round). A server built without lz4 keeps its default.
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN records SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'outbox.records: lz4 not available, default TOAST compression kept';
END $$;
