-- Webhook subscriptions (from TILMELD_WEBHOOKS_FILE), one delivery per subscription and
-- CloudEvent, and a log line per attempt.
CREATE TABLE webhook_subscriptions (
    id              text        PRIMARY KEY,
    url             text        NOT NULL,
    secret          text        NOT NULL,
    event_id        text,                      -- NULL: every event
    types           text[]      NOT NULL DEFAULT '{}',  -- empty: every type
    disabled_at     timestamptz,
    disabled_reason text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- `ordering_key` is the registration id (or the event id for facts about a whole event): a
-- delivery is not attempted while an earlier one with the same subscription and key is pending.
CREATE TABLE webhook_deliveries (
    id              uuid        PRIMARY KEY,
    seq             bigserial   NOT NULL UNIQUE,
    subscription_id text        NOT NULL,
    ordering_key    text        NOT NULL,
    event_id        text        NOT NULL,
    ce_source       text        NOT NULL,
    ce_id           text        NOT NULL,
    ce_type         text        NOT NULL,
    body            bytea       NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (subscription_id, ce_source, ce_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_pending_by_key
    ON webhook_deliveries (subscription_id, ordering_key, seq) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    delivery_id  uuid        NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code  integer,
    error        text,
    duration_ms  integer     NOT NULL,
    PRIMARY KEY (delivery_id, attempted_at)
);

CREATE FUNCTION webhook_deliveries_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('webhook_deliveries', '');
    RETURN NULL;
END $$;
CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_deliveries_wake();
