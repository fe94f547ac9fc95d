-- The media library (素材库): images an operator uploads once, kept here (bytes, content type from the magic bytes,
-- sha256 for dedupe), each with its current WeCom temporary media id (3 days), and what uses each image, so that
-- stale ids are renewed only for images in use and an image in use cannot be deleted.
CREATE TABLE wecom_media_assets (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
  size int NOT NULL CHECK (size > 0 AND size <= 10485760),
  sha256 text NOT NULL,
  data bytea NOT NULL,
  -- The current temporary media id, WeCom's upload time (its created_at) and where it was uploaded: corp id and
  -- API base URL, since an id is good only in the corp (and the API) that issued it.
  media_id text,
  media_uploaded_at timestamptz,
  media_target text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, sha256)
);
CREATE INDEX wecom_media_assets_created ON wecom_media_assets (workspace_id, created_at DESC, id DESC);
SELECT siyu_tenant_table('wecom_media_assets');

-- Who uses an image: owner is the kind of thing ('acquisition.code', 'acquisition.default_welcome'), owner_id its id.
-- Modules keep their rows current when they save; the foreign key is the second wall against deleting a used image.
CREATE TABLE wecom_media_uses (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  asset_id uuid NOT NULL,
  owner text NOT NULL,
  owner_id text NOT NULL,
  PRIMARY KEY (workspace_id, asset_id, owner, owner_id),
  FOREIGN KEY (workspace_id, asset_id) REFERENCES wecom_media_assets (workspace_id, id)
);
CREATE INDEX wecom_media_uses_owner ON wecom_media_uses (workspace_id, owner, owner_id);
SELECT siyu_tenant_table('wecom_media_uses');
