-- Readers that tail the outbox (the audience engine in every process) ask "what committed since my last look" by
-- transaction snapshot, not by id: ids are handed out when a transaction inserts, not when it commits, so an
-- id-ordered reader must either wait on every gap or skip the events of a transaction that commits late.
ALTER TABLE outbox_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_workspace_xid ON outbox_events (workspace_id, xid);
