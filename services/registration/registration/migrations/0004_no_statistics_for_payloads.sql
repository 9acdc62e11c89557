-- The statistics worker ANALYZEs registrations as it grows through a rush, and autovacuum does
-- after every tenth of it changed. No query filters, joins or groups on these columns, yet
-- ANALYZE sorted and summarised a 30,000-row sample of each, the jsonb ones dearest:
-- 730-1,010 -> 230-300 ms per ANALYZE at ~35,000 registrations, taken from a rush's CPU.
ALTER TABLE registrations
    ALTER COLUMN attendee SET STATISTICS 0,
    ALTER COLUMN choices SET STATISTICS 0,
    ALTER COLUMN sessions SET STATISTICS 0,
    ALTER COLUMN session_waitlists SET STATISTICS 0,
    ALTER COLUMN request_source SET STATISTICS 0,
    ALTER COLUMN request_id SET STATISTICS 0,
    ALTER COLUMN reason SET STATISTICS 0,
    ALTER COLUMN detail SET STATISTICS 0;
