-- Exports in CSV or Excel, written in parts (one per chunk job) instead of one growing bytea that every chunk
-- rewrote whole; a download streams the parts in order. An export remembers whether its creator could see
-- personal data in the clear, and in which language its header is written.
ALTER TABLE segment_exports DROP CONSTRAINT segment_exports_format_check;
ALTER TABLE segment_exports ADD CONSTRAINT segment_exports_format_check CHECK (format IN ('csv', 'xlsx'));
ALTER TABLE segment_exports ADD COLUMN clear_pii boolean NOT NULL DEFAULT false;
ALTER TABLE segment_exports ADD COLUMN locale text NOT NULL DEFAULT 'zh-CN';

CREATE TABLE segment_export_parts (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  export_id uuid NOT NULL,
  -- The last seq the part covers: parts sort in member order, and a chunk job run twice writes its part once.
  last_seq bigint NOT NULL,
  rows int NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (workspace_id, export_id, last_seq),
  FOREIGN KEY (workspace_id, export_id) REFERENCES segment_exports (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('segment_export_parts');

INSERT INTO segment_export_parts (workspace_id, export_id, last_seq, rows, data)
SELECT workspace_id, id, last_seq, done, content FROM segment_exports WHERE content IS NOT NULL;
ALTER TABLE segment_exports DROP COLUMN content;
