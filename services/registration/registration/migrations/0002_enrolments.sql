-- One row per organisation enrolled in an event with a fee per organisation: billed once,
-- when its first participant is confirmed.
CREATE TABLE enrolments (
    event_id         text        NOT NULL,
    organisation_key text        NOT NULL,
    registration_id  text        NOT NULL,
    fee_dkk          integer     NOT NULL,
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, organisation_key)
);
