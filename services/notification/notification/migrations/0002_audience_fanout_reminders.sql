-- What the service knows of each registration, from the outcome facts it consumes (updated in
-- the same transaction as the mail job): who to tell about an organiser's change, a broadcast
-- or a reminder. `attendee` is the fact's attendee; `sessions` what the person holds.
CREATE TABLE registrations (
    registration_id text        PRIMARY KEY,
    event_id        text        NOT NULL,
    status          text        NOT NULL
                    CHECK (status IN ('confirmed', 'waitlisted', 'offered', 'cancelled')),
    attendee        jsonb       NOT NULL,
    sessions        jsonb       NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_by_event ON registrations (event_id, status);

-- Facts mailed before this table existed: the latest status-giving fact of each registration.
INSERT INTO registrations (registration_id, event_id, status, attendee, sessions)
SELECT DISTINCT ON (registration_id) registration_id, event_id,
       CASE template WHEN 'promoted' THEN 'confirmed' ELSE template END, fact -> 'attendee',
       COALESCE(fact -> 'sessions', '{}')
FROM mail_jobs
WHERE template IN ('confirmed', 'promoted', 'waitlisted', 'offered', 'cancelled')
  AND registration_id IS NOT NULL AND jsonb_typeof(fact -> 'attendee') = 'object'
ORDER BY registration_id, seq DESC;

-- Jobs of a fan-out (lane 1) yield to a person's own outcome mails (lane 0). `context` is what
-- the job needs beyond its fact: the registration as the service knew it (status and sessions
-- before, for calendar updates) or, for bulk mails, the attendee. `fanout_id` groups the jobs
-- of one organiser change, broadcast or reminder round.
ALTER TABLE mail_jobs
    ADD COLUMN lane smallint NOT NULL DEFAULT 0,
    ADD COLUMN context jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN fanout_id uuid,
    ADD COLUMN resent_after_interruption integer NOT NULL DEFAULT 0;
DROP INDEX mail_jobs_pending;
CREATE INDEX mail_jobs_pending ON mail_jobs (lane, seq) WHERE status = 'pending';
CREATE INDEX mail_jobs_by_fanout ON mail_jobs (fanout_id) WHERE fanout_id IS NOT NULL;

CREATE TABLE fanouts (
    id         uuid        PRIMARY KEY,
    event_id   text        NOT NULL,
    kind       text        NOT NULL,
    recipients integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A send in progress, written and committed BEFORE the mail goes to the relay, deleted in the
-- transaction that records the outcome. A row found when a job is picked means the previous
-- attempt was cut off between the two: the relay may or may not have the mail.
CREATE TABLE mail_in_flight (
    job_id     uuid        PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now()
);

-- The durable reminder schedule: one row per part (the event, or a network meeting) and number
-- of days before it. Due rows become one mail job per person with a seat at that moment.
CREATE TABLE reminder_slots (
    event_id       text        NOT NULL,
    part_id        text        NOT NULL,
    days_before    integer     NOT NULL,
    due_at         timestamptz NOT NULL,
    part_starts_at timestamptz NOT NULL,
    fired_at       timestamptz,
    outcome        text,
    recipients     integer,
    PRIMARY KEY (event_id, part_id, days_before, due_at)
);
CREATE INDEX reminder_slots_due ON reminder_slots (due_at) WHERE fired_at IS NULL;
