-- Tag groups (兴趣, 来源, 生命周期 …), tags, which customer has which tag, and every change for the timeline.
CREATE TABLE tag_groups (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  sort int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, name)
);
SELECT siyu_tenant_table('tag_groups');

CREATE TABLE tags (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  group_id uuid NOT NULL,
  name text NOT NULL,
  color text,
  -- While set, the tag is kept equal to this segment rule's members (auto-tag).
  rule jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, group_id, name),
  FOREIGN KEY (workspace_id, group_id) REFERENCES tag_groups (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('tags');

CREATE TABLE customer_tags (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'bulk', 'rule', 'import', 'api', 'wecom')),
  tagged_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id, tag_id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, tag_id) REFERENCES tags (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_tags_tag ON customer_tags (workspace_id, tag_id);
SELECT siyu_tenant_table('customer_tags');

CREATE TABLE tag_history (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  tag_name text NOT NULL,
  change text NOT NULL CHECK (change IN ('added', 'removed')),
  source text NOT NULL,
  actor_id text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX tag_history_customer ON tag_history (workspace_id, customer_id, at DESC);
SELECT siyu_tenant_table('tag_history');
