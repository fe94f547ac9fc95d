-- Segments (dynamic: a rule kept current by the audience engine; static: a snapshot of members), their members,
-- and export jobs. Dynamic segments keep their members here too, so entering and leaving can be told apart.
CREATE TABLE segments (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  kind text NOT NULL CHECK (kind IN ('dynamic', 'static')),
  rule jsonb NOT NULL,
  member_count int NOT NULL DEFAULT 0,
  -- When the members were last brought up to date (a full refresh, or an event that moved someone in or out).
  refreshed_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, name)
);
CREATE INDEX segments_kind ON segments (workspace_id, kind);
SELECT siyu_tenant_table('segments');

CREATE TABLE segment_members (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  segment_id uuid NOT NULL,
  seq bigint NOT NULL,
  customer_id uuid NOT NULL,
  entered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, segment_id, seq),
  FOREIGN KEY (workspace_id, segment_id) REFERENCES segments (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('segment_members');

CREATE TABLE segment_exports (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  segment_id uuid NOT NULL,
  format text NOT NULL CHECK (format IN ('csv')),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  total int NOT NULL DEFAULT 0,
  done int NOT NULL DEFAULT 0,
  -- Exports run in chunks of members by seq, each its own job, so progress is committed as it goes.
  last_seq bigint NOT NULL DEFAULT 0,
  content bytea,
  error text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, segment_id) REFERENCES segments (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('segment_exports');
