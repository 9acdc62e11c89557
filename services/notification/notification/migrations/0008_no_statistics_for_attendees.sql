-- The statistics worker ANALYZEs the registrations read model as it grows through a rush, and
-- autovacuum does after every tenth of it changed. No query filters on these jsonb columns, yet
-- ANALYZE sorted and summarised a 30,000-row sample of each: 220-320 -> 80-100 ms per ANALYZE
-- at ~26,000 registrations (as migration 0006 did for mail_jobs).
ALTER TABLE registrations
    ALTER COLUMN attendee SET STATISTICS 0,
    ALTER COLUMN sessions SET STATISTICS 0;
