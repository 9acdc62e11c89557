-- A token that changes with every committed change to an event's seats: a process may reuse
-- the state it saved last only while the token is still the one it wrote.
ALTER TABLE capacity_event ADD COLUMN version uuid;
