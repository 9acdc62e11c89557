-- Inbox: one row per input handled, written in the same transaction as its effect.
CREATE TABLE inbox (
    source      text        NOT NULL,
    id          text        NOT NULL,
    topic       text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, id)
);

-- Outbox: records to publish, written in the business transaction; only the relay reads it.
CREATE TABLE outbox (
    seq           bigserial   PRIMARY KEY,
    topic         text        NOT NULL,
    key           bytea,
    value         bytea,
    header_names  text[]      NOT NULL DEFAULT '{}',
    header_values bytea[]     NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Wake the relay at commit time instead of making it poll.
CREATE FUNCTION outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_wake AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake();
