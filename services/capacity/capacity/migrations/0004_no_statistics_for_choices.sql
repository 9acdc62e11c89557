-- The statistics worker ANALYZEs capacity_registration as it grows through a rush, and
-- autovacuum does after every tenth of it changed. No query filters on `choices`, yet ANALYZE
-- sorted and summarised a 30,000-row sample of it: 490-545 -> 180-220 ms per ANALYZE at
-- ~35,000 registrations, taken from a rush's CPU.
ALTER TABLE capacity_registration ALTER COLUMN choices SET STATISTICS 0;
