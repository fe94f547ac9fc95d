-- Tags mirrored as WeCom corp tags (企业客户标签): a group with wecom_sync is kept equal to a corp tag group, each of
-- its tags to a corp tag. wecom_name is the name WeCom last had (read or written), so a sync tells a rename made in
-- Siyu (not pushed yet) from one made in WeCom, and a change that came from WeCom is never pushed back.
ALTER TABLE tag_groups
  ADD COLUMN source text NOT NULL DEFAULT 'siyu' CHECK (source IN ('siyu', 'wecom')),
  ADD COLUMN wecom_sync boolean NOT NULL DEFAULT false,
  ADD COLUMN wecom_group_id text,
  ADD COLUMN wecom_name text,
  -- Deleted in WeCom: kept with its tags for history, no longer synced.
  ADD COLUMN archived_at timestamptz,
  ADD CHECK (wecom_group_id IS NULL OR wecom_sync);
CREATE UNIQUE INDEX tag_groups_wecom ON tag_groups (workspace_id, wecom_group_id) WHERE wecom_group_id IS NOT NULL;

ALTER TABLE tags
  ADD COLUMN wecom_tag_id text,
  ADD COLUMN wecom_name text,
  ADD COLUMN archived_at timestamptz;
CREATE UNIQUE INDEX tags_wecom ON tags (workspace_id, wecom_tag_id) WHERE wecom_tag_id IS NOT NULL;

-- One row per workspace: whether a sync from WeCom is queued or running, and how the last one went.
CREATE TABLE tag_wecom_sync (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'idle' CHECK (state IN ('idle', 'queued', 'running')),
  requested_at timestamptz,
  last_finished_at timestamptz,
  last_status text CHECK (last_status IN ('succeeded', 'failed')),
  last_result jsonb,
  last_error jsonb,
  PRIMARY KEY (workspace_id)
);
SELECT siyu_tenant_table('tag_wecom_sync');

-- Corp tags and groups of synced tags and groups deleted in Siyu, until the push has deleted them in WeCom: a sync
-- from WeCom in between must not bring them back.
CREATE TABLE tag_wecom_deletions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  wecom_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('tag', 'group')),
  deleted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, wecom_id)
);
SELECT siyu_tenant_table('tag_wecom_deletions');
