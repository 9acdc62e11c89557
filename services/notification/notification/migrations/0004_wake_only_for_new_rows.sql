-- Wake the mailer and the webhook sender only when a statement inserted rows. The triggers of
-- 0001/0003 notified on every INSERT statement: each registration fact offered to webhook
-- subscriptions when there were none, and each replayed mail job, woke a worker for nothing
-- (it then queried for work and found none). The transition table holds exactly the rows the
-- statement inserted (none for `ON CONFLICT DO NOTHING` hits), so a real row still wakes its
-- worker at commit, as before.
CREATE FUNCTION wake_if_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted) THEN
        PERFORM pg_notify(TG_ARGV[0], '');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER webhook_deliveries_wake ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_wake AFTER INSERT ON webhook_deliveries
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION wake_if_inserted('webhook_deliveries');
DROP FUNCTION webhook_deliveries_wake();

-- `events_wake` (insert or update of an event) keeps mail_jobs_wake(): a transition table
-- cannot serve a trigger on two kinds of statement, and catalog facts are few.
DROP TRIGGER mail_jobs_wake ON mail_jobs;
CREATE TRIGGER mail_jobs_wake AFTER INSERT ON mail_jobs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION wake_if_inserted('mail_jobs');
