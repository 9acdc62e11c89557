CREATE TABLE events (
    id          text        PRIMARY KEY,
    definition  jsonb       NOT NULL,
    cancelled   boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registrations (
    id                text        PRIMARY KEY,
    event_id          text        NOT NULL,
    email             text        NOT NULL,
    organisation_key  text        NOT NULL,
    attendee          jsonb       NOT NULL,
    choices           jsonb       NOT NULL DEFAULT '{}',
    status            text        NOT NULL,
    sessions          jsonb       NOT NULL DEFAULT '{}',
    session_waitlists jsonb       NOT NULL DEFAULT '{}',
    position          integer,
    offer_expires_at  timestamptz,
    reason            text,
    detail            text,
    request_source    text        NOT NULL,
    request_id        text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Duplicate and quota checks look only at registrations that hold or wait for a seat.
CREATE INDEX registrations_active_email ON registrations (event_id, email)
    WHERE status IN ('pending', 'confirmed', 'waitlisted', 'offered');
CREATE INDEX registrations_active_organisation ON registrations (event_id, organisation_key)
    WHERE status IN ('pending', 'confirmed', 'waitlisted', 'offered');
CREATE INDEX registrations_event_status ON registrations (event_id, status);
