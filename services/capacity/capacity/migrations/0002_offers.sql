-- Promotion mode `offer`: a seat held for a waiter until they answer or the offer expires.

ALTER TABLE capacity_registration DROP CONSTRAINT capacity_registration_status_check;
ALTER TABLE capacity_registration ADD CONSTRAINT capacity_registration_status_check
    CHECK (status IN ('holding', 'offered', 'waiting', 'released', 'refused'));
-- The open offer's deadline; NULL unless status = 'offered'.
ALTER TABLE capacity_registration ADD COLUMN offer_expires_at timestamptz;

DROP INDEX capacity_registration_active;
CREATE INDEX capacity_registration_active
    ON capacity_registration (event_id, arrival) WHERE status IN ('holding', 'offered', 'waiting');

-- The durable timer: one row per open offer, written in the transaction that makes the offer
-- and deleted in the one that closes it. The timer worker takes due rows FOR UPDATE SKIP
-- LOCKED, sends itself an expire-offer command and deletes them, in one transaction; being
-- rows, the timers survive restarts.
CREATE TABLE capacity_offer_timer (
    event_id        text        NOT NULL,
    registration_id text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (event_id, registration_id),
    FOREIGN KEY (event_id, registration_id) REFERENCES capacity_registration
);
-- The worker sleeps until the earliest expiry and takes due rows in expiry order.
CREATE INDEX capacity_offer_timer_due ON capacity_offer_timer (expires_at);

-- A new timer may be due before the one the worker sleeps for: wake it at commit.
CREATE FUNCTION capacity_offer_timer_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('capacity_offer_timer', '');
    RETURN NULL;
END $$;
CREATE TRIGGER capacity_offer_timer_wake AFTER INSERT ON capacity_offer_timer
    FOR EACH STATEMENT EXECUTE FUNCTION capacity_offer_timer_wake();
