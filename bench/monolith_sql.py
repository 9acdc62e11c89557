"""Tables of the classic monolith baseline, recreated in the `bench` database on every run so
each run starts from the same empty state."""

SCHEMA = """
DROP TABLE IF EXISTS mono_seats, mono_registrations, mono_sessions, mono_events;
CREATE TABLE mono_events (
    id text PRIMARY KEY,
    capacity integer,
    per_organisation_max integer
);
CREATE TABLE mono_sessions (
    event_id text NOT NULL REFERENCES mono_events (id),
    round_id text NOT NULL,
    session_id text NOT NULL,
    capacity integer,
    PRIMARY KEY (event_id, round_id, session_id)
);
CREATE TABLE mono_registrations (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL REFERENCES mono_events (id),
    request_id text NOT NULL UNIQUE,
    email text NOT NULL,
    organisation_key text NOT NULL,
    attendee jsonb NOT NULL,
    choices jsonb NOT NULL,
    status text NOT NULL,
    position integer,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON mono_registrations (event_id, status);
CREATE INDEX ON mono_registrations (event_id, organisation_key);
CREATE INDEX ON mono_registrations (event_id, lower(email));
CREATE INDEX ON mono_registrations (event_id, position);
CREATE TABLE mono_seats (
    registration_id bigint NOT NULL REFERENCES mono_registrations (id),
    event_id text NOT NULL,
    round_id text NOT NULL,
    session_id text NOT NULL,
    PRIMARY KEY (registration_id, round_id)
);
CREATE INDEX ON mono_seats (event_id, round_id, session_id);
"""

LOCK_EVENT = "SELECT capacity, per_organisation_max FROM mono_events WHERE id = $1 FOR UPDATE"
ACTIVE = "status IN ('confirmed', 'waitlisted')"
SAME_EMAIL = (
    "SELECT id FROM mono_registrations"
    f" WHERE event_id = $1 AND lower(email) = lower($2) AND {ACTIVE}"
)
IN_ORGANISATION = (
    f"SELECT count(*) FROM mono_registrations WHERE event_id = $1 AND organisation_key = $2"
    f" AND {ACTIVE}"
)
CONFIRMED = "SELECT count(*) FROM mono_registrations WHERE event_id = $1 AND status = 'confirmed'"
LAST_POSITION = "SELECT coalesce(max(position), 0) FROM mono_registrations WHERE event_id = $1"
SESSION_SEATS = """
SELECT s.round_id, s.session_id, s.capacity, count(t.registration_id) AS taken
FROM mono_sessions s
LEFT JOIN mono_seats t
  ON t.event_id = s.event_id AND t.round_id = s.round_id AND t.session_id = s.session_id
WHERE s.event_id = $1
GROUP BY s.round_id, s.session_id, s.capacity
"""
INSERT = """
INSERT INTO mono_registrations
    (event_id, request_id, email, organisation_key, attendee, choices, status, position, reason)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)
RETURNING id
"""
INSERT_SEAT = (
    "INSERT INTO mono_seats (registration_id, event_id, round_id, session_id)"
    " VALUES ($1, $2, $3, $4)"
)
RESULTS = """
SELECT r.request_id, r.status, r.position, r.reason,
       coalesce(jsonb_object_agg(s.round_id, s.session_id)
                FILTER (WHERE s.round_id IS NOT NULL), '{}') AS sessions
FROM mono_registrations r LEFT JOIN mono_seats s ON s.registration_id = r.id
WHERE r.event_id = $1
GROUP BY r.id
"""
