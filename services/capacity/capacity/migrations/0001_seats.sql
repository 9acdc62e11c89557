-- The seats of each event, written only by the capacity service (one consumer per event key).

-- One row per event; locked FOR UPDATE while a command for the event is decided.
CREATE TABLE capacity_event (
    event_id   text        PRIMARY KEY,
    layout     jsonb,                          -- capacity, rounds, sessions; NULL until defined
    cancelled  boolean     NOT NULL DEFAULT false,
    arrivals   bigint      NOT NULL DEFAULT 0, -- arrival number of the next new registration
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every registration the event has seen: active ones (holding, waiting) decide the seats;
-- closed ones (released, refused) are kept so a replayed request gets no second answer.
CREATE TABLE capacity_registration (
    event_id         text        NOT NULL REFERENCES capacity_event (event_id),
    registration_id  text        NOT NULL,
    arrival          bigint      NOT NULL,
    status           text        NOT NULL
                     CHECK (status IN ('holding', 'waiting', 'released', 'refused')),
    organisation_key text        NOT NULL,
    choices          jsonb       NOT NULL DEFAULT '{}',  -- {round: [session, ...]}, best first
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, registration_id),
    UNIQUE (event_id, arrival)
);
-- Loading an event reads only its active registrations, in arrival order.
CREATE INDEX capacity_registration_active
    ON capacity_registration (event_id, arrival) WHERE status IN ('holding', 'waiting');

-- A holder's place per round they chose in: a session, or NULL while waiting for one.
CREATE TABLE capacity_session_seat (
    event_id        text NOT NULL,
    registration_id text NOT NULL,
    round_id        text NOT NULL,
    session_id      text,
    PRIMARY KEY (event_id, registration_id, round_id),
    FOREIGN KEY (event_id, registration_id) REFERENCES capacity_registration
);
-- Seats taken per session.
CREATE INDEX capacity_session_seat_session ON capacity_session_seat (event_id, session_id);
