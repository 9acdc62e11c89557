-- The mailer sends several claimed jobs per transaction (mailer.py) and marks each one delivered
-- the moment the relay took it, committed on its own: a process that dies before the batch's
-- commit leaves delivered jobs that are recorded as sent on the next claim, not sent again.
ALTER TABLE mail_in_flight ADD COLUMN delivered_at timestamptz;
