-- What we know about each event from tilmeld.catalog. `definition` is the whole published
-- EventDefinition (rendering needs rounds, sessions and meetings, and the contract may grow
-- optional fields); the columns beside it are what we query or show without parsing it.
-- A cancellation may arrive before we have seen the definition, hence the nullable columns.
CREATE TABLE events (
    event_id      text        PRIMARY KEY,
    kind          text,
    title         text,
    language      text,
    starts_at     timestamptz,
    ends_at       timestamptz,
    definition    jsonb,
    cancelled_at  timestamptz,
    cancel_reason text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One mail per registration fact. The id is the notification_id and the Message-ID's local
-- part; `seq` keeps the order facts arrived in (per registration it must not be overtaken).
CREATE TABLE mail_jobs (
    id              uuid        PRIMARY KEY,
    seq             bigserial   NOT NULL UNIQUE,
    fact_source     text        NOT NULL,
    fact_id         text        NOT NULL,
    fact_type       text        NOT NULL,
    template        text        NOT NULL,
    event_id        text        NOT NULL,
    registration_id text,
    recipient       text,
    fact            jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    message_id      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK (status <> 'pending' OR recipient IS NOT NULL),
    -- A fact replayed under the same CloudEvents source+id never makes a second mail, even if
    -- the inbox row were pruned.
    UNIQUE (fact_source, fact_id)
);
CREATE INDEX mail_jobs_pending ON mail_jobs (seq) WHERE status = 'pending';
CREATE INDEX mail_jobs_pending_by_registration ON mail_jobs (registration_id, seq)
    WHERE status = 'pending';

-- Wake the mailer at commit time: a new job, or an event that jobs may have been waiting for.
CREATE FUNCTION mail_jobs_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mail_jobs', '');
    RETURN NULL;
END $$;
CREATE TRIGGER mail_jobs_wake AFTER INSERT ON mail_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION mail_jobs_wake();
CREATE TRIGGER events_wake AFTER INSERT OR UPDATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION mail_jobs_wake();
