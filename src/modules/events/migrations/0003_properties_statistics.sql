-- Planner statistics of the properties documents are never used (rules read properties->>'key', which no column
-- statistics describe) and were most of what an ANALYZE of events cost.
ALTER TABLE events ALTER COLUMN properties SET STATISTICS 0;
