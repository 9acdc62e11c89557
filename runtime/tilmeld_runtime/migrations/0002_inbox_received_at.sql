-- Inbox retention (retention.py) deletes rows by age. A BRIN index: the inbox is written in
-- time order, and a BRIN index costs next to nothing on the insert that every input makes.
CREATE INDEX inbox_received_at ON inbox USING brin (received_at);
