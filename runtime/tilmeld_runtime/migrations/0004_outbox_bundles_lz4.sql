-- A bundle on an internal topic (a batch's seat requests or decisions, up to 512 KB) is one
-- record in `value`, which kept the default TOAST compression, pglz, when `records` got lz4
-- (0003). pglz took ~3 times as long to write the same bytes: on the sign-up hop, the one that
-- sets a rush's pace, inside its transaction (bench/RESULTS.md, nineteenth round).
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN value SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'outbox.value: lz4 not available, default TOAST compression kept';
END $$;
