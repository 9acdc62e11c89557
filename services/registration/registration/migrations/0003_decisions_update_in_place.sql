-- A decision (pending → confirmed, waitlisted, offered) rewrites its registration once. With
-- `status` in an index or in a partial index's predicate, and pages filled to the brim, every
-- such update was a new row version in another page plus a new entry in each of the four
-- indexes (~45 µs a registration in a rush, the registration database's costliest statement).
-- PostgreSQL updates a row in place (HOT: no index entries) when no indexed column changes and
-- its page has room. So:
-- * `active` (holds or waits for a seat; domain/statuses.py ACTIVE) is derived from `status`
--   and stays true through a decision; the partial indexes are on it instead of on `status`;
-- * so is `seated` (confirmed): the seat and session counts read only the seated rows, and
--   only a confirmation (a few hundred an event, against thousands waitlisted) changes it;
-- * the event's registrations are otherwise indexed by the event alone;
-- * each page keeps half its room for the next versions of its rows.
ALTER TABLE registrations SET (fillfactor = 50);
ALTER TABLE registrations ADD COLUMN active boolean NOT NULL
    GENERATED ALWAYS AS (status IN ('pending', 'confirmed', 'waitlisted', 'offered')) STORED;
ALTER TABLE registrations ADD COLUMN seated boolean NOT NULL
    GENERATED ALWAYS AS (status = 'confirmed') STORED;

DROP INDEX registrations_active_email;
DROP INDEX registrations_active_organisation;
DROP INDEX registrations_event_status;
CREATE INDEX registrations_active_email ON registrations (event_id, email) WHERE active;
CREATE INDEX registrations_active_organisation ON registrations (event_id, organisation_key)
    WHERE active;
CREATE INDEX registrations_seated ON registrations (event_id) WHERE seated;
CREATE INDEX registrations_by_event ON registrations (event_id);
-- The planner learns the new columns now, not at autovacuum's next look (until then it took
-- `seated` for a third of the rows and scanned the table for the session counts).
ANALYZE registrations;
