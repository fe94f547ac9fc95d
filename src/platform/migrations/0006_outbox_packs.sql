-- Many domain events of one type written together (an ingestion batch's tracked events, a bulk tag, a traits
-- recompute) travel as one outbox row, a pack: `payload` is then the array of their payloads and `pack_size` its
-- length (NULL for a row holding one event). One row instead of hundreds is one index entry, one dispatch and one
-- receipt per subscriber instead of hundreds.
ALTER TABLE outbox_events ADD COLUMN pack_size int CHECK (pack_size > 0);
-- A pack is tens of kilobytes: kept out of line but not compressed, since compressing every ingestion batch's
-- pack costs more CPU than the bytes it saves, and outbox rows are read a few times soon after they are written.
ALTER TABLE outbox_events ALTER COLUMN payload SET STORAGE EXTERNAL;

-- Every domain event on a row of its own, packs unpacked: (id, index) identifies an event. security_invoker keeps
-- the row-level security of outbox_events in force for whoever reads through the view.
CREATE VIEW domain_events WITH (security_invoker = true) AS
SELECT o.workspace_id, o.id, e.index::int - 1 AS index, o.type, e.payload, o.occurred_at, o.dispatched_at, o.xid
  FROM outbox_events o
  CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN o.pack_size IS NULL THEN jsonb_build_array(o.payload) ELSE o.payload END
       ) WITH ORDINALITY AS e(payload, index);
GRANT SELECT ON domain_events TO siyu_app;
