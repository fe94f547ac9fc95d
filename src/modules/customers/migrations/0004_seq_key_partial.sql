-- Every foreign key into customers is checked with `workspace_id = $1 AND id = $2`, and PostgreSQL keeps the plan
-- of that check for the life of the connection. Planned while customers was still empty (a new database, the first
-- batch of an import or of ingestion), the check chose the customer-number key (workspace_id, seq) over the primary
-- key: on an empty table both cost the same, and the tie did not go to the key. Every identity, tag or trait
-- written then read all of the workspace's customers, until the table was first analyzed. The customer number stays
-- unique, through an index no foreign-key check can use: a partial one, whose predicate a look-up by seq implies
-- (every `seq = ...` or `seq > ...` is false for NULL) and a look-up by id does not.
ALTER TABLE customers DROP CONSTRAINT customers_workspace_id_seq_key;
CREATE UNIQUE INDEX customers_seq ON customers (workspace_id, seq) WHERE seq IS NOT NULL;
