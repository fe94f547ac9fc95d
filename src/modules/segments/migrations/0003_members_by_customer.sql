-- The membership subscriber asks which segments a batch of customers is in (`seq = ANY(...)`) after every batch of
-- events: without this index that is a scan of every member of every segment.
CREATE INDEX segment_members_customer ON segment_members (workspace_id, seq);
