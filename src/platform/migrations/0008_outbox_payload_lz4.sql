-- A packed outbox row holds up to a thousand events' payloads (an ingestion batch of 500 tracked events is one row
-- of about 100 KB), compressed as it is stored. pglz took about a sixth of the batch insert's time; lz4 compresses
-- several times faster for a similar size. PGlite is built without lz4 and keeps pglz.
DO $$
BEGIN
  ALTER TABLE outbox_events ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
