-- A batch's optimistic attempt reads without locks and checks in its closing statement that
-- what it read is unchanged (writes.py, `unchanged`). Where it changed, this fails the whole
-- statement as a serialization failure, PostgreSQL's own word for "someone else changed what
-- you read", and the pipeline handles the batch again in a transaction with locks.
CREATE OR REPLACE FUNCTION tilmeld_changed_meanwhile(what text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'tilmeld: % changed since it was read', what
        USING ERRCODE = 'serialization_failure';
END $$;
