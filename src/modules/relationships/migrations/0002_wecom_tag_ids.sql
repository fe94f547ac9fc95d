-- The ids of the corp tags (type 1) WeCom shows on each relationship, as last read or marked, so a read reports
-- only what changed since; and when Siyu last marked tags on it, so a read that began before that mark (and so
-- cannot show it) does not take the mark for a removal.
ALTER TABLE customer_relationships
  ADD COLUMN wecom_tag_ids text[] NOT NULL DEFAULT '{}',
  ADD COLUMN wecom_tags_marked_at timestamptz;
CREATE INDEX customer_relationships_wecom_tags ON customer_relationships USING gin (wecom_tag_ids)
  WHERE status = 'active';
