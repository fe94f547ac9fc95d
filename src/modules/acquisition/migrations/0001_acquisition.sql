-- Acquisition: the workspace's channels, channel live codes (渠道活码) with their guide pools and rotation state, the
-- WeCom contact ways behind codes and links, trackable links and their clicks, every add attributed to a code, and
-- every welcome message sent from an add.

CREATE TABLE acquisition_channels (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{1,31}$'),
  name text NOT NULL,
  sort int NOT NULL DEFAULT 0,
  builtin boolean NOT NULL DEFAULT false,
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, key)
);
SELECT siyu_tenant_table('acquisition_channels');

CREATE TABLE acquisition_settings (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  default_welcome_enabled boolean NOT NULL DEFAULT false,
  -- { text, attachments } as the contract's WelcomeMessage.
  default_welcome jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT siyu_tenant_table('acquisition_settings');

CREATE TABLE acquisition_codes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  remark text NOT NULL DEFAULT '',
  channel_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('round_robin', 'weighted', 'all')),
  daily_cap int CHECK (daily_cap > 0),
  -- { days: [1..7], from: 'HH:MM', to: 'HH:MM' } in the workspace's time zone; null: always.
  working_hours jsonb,
  backup_staff_id uuid,
  skip_verify boolean NOT NULL DEFAULT true,
  tag_ids uuid[] NOT NULL DEFAULT '{}',
  welcome jsonb,
  expires_at timestamptz,
  paused_at timestamptz,
  -- Set once the expiry has been acted on (contact ways queued for deletion in WeCom).
  expired_at timestamptz,
  deleted_at timestamptz,
  -- Rotation: the guide exposed now (round_robin, weighted), the smooth weighted round-robin's current weights by
  -- staff id, and the WeCom user list WeCom should show (every contact way of the code is pushed this list).
  current_staff_id uuid,
  swrr jsonb NOT NULL DEFAULT '{}',
  exposed_userids text[] NOT NULL DEFAULT '{}',
  exposure text NOT NULL DEFAULT 'pool' CHECK (exposure IN ('pool', 'backup', 'fallback')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, channel_id) REFERENCES acquisition_channels (workspace_id, id)
);
CREATE INDEX acquisition_codes_live ON acquisition_codes (workspace_id, created_at DESC)
  WHERE deleted_at IS NULL;
SELECT siyu_tenant_table('acquisition_codes');

-- The guide pool of a code, in rotation order.
CREATE TABLE acquisition_code_guides (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  code_id uuid NOT NULL,
  staff_id uuid NOT NULL,
  weight int NOT NULL DEFAULT 1 CHECK (weight > 0),
  position int NOT NULL,
  PRIMARY KEY (workspace_id, code_id, staff_id),
  FOREIGN KEY (workspace_id, code_id) REFERENCES acquisition_codes (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX acquisition_code_guides_staff ON acquisition_code_guides (workspace_id, staff_id);
SELECT siyu_tenant_table('acquisition_code_guides');

-- Short links for H5 landing pages. The slug is unique across workspaces: GET /l/:slug finds its workspace by it.
CREATE TABLE acquisition_links (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  channel_id uuid,
  target_kind text NOT NULL CHECK (target_kind IN ('code', 'url')),
  code_id uuid,
  url text,
  slug text NOT NULL CHECK (slug ~ '^[A-Za-z0-9]{6,16}$'),
  title text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, channel_id) REFERENCES acquisition_channels (workspace_id, id),
  FOREIGN KEY (workspace_id, code_id) REFERENCES acquisition_codes (workspace_id, id),
  CHECK ((target_kind = 'code') = (code_id IS NOT NULL)),
  CHECK ((target_kind = 'url') = (url IS NOT NULL))
);
CREATE UNIQUE INDEX acquisition_links_slug ON acquisition_links (slug);
CREATE INDEX acquisition_links_live ON acquisition_links (workspace_id, created_at DESC) WHERE deleted_at IS NULL;
SELECT siyu_tenant_table('acquisition_links');

-- WeCom contact ways (externalcontact/add_contact_way, several users, QR code): one per code, one per code link.
-- The state is how an add names its way; WeCom allows 30 characters.
CREATE TABLE acquisition_ways (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  code_id uuid NOT NULL,
  link_id uuid,
  state text NOT NULL CHECK (length(state) BETWEEN 1 AND 30),
  config_id text,
  qr_code text,
  pushed_userids text[] NOT NULL DEFAULT '{}',
  push_version int NOT NULL DEFAULT 0,
  sync_state text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'failed')),
  sync_error text,
  synced_at timestamptz,
  -- Set when the way is gone from WeCom (or queued for deletion): code or link deleted, code expired.
  removed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, state),
  FOREIGN KEY (workspace_id, code_id) REFERENCES acquisition_codes (workspace_id, id),
  FOREIGN KEY (workspace_id, link_id) REFERENCES acquisition_links (workspace_id, id)
);
CREATE INDEX acquisition_ways_code ON acquisition_ways (workspace_id, code_id);
-- At most one live way per code (its own) and per link; removed ones stay for the adds that came through them.
CREATE UNIQUE INDEX acquisition_ways_own ON acquisition_ways (workspace_id, code_id)
  WHERE link_id IS NULL AND removed_at IS NULL;
CREATE UNIQUE INDEX acquisition_ways_link ON acquisition_ways (workspace_id, link_id)
  WHERE link_id IS NOT NULL AND removed_at IS NULL;
SELECT siyu_tenant_table('acquisition_ways');

-- One row per visit of a link. The visitor is a random id kept in a cookie; first_visit marks its first click on
-- this link, so unique visitors are a count of rows, not a DISTINCT over all of them.
CREATE TABLE acquisition_link_clicks (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  link_id uuid NOT NULL,
  at timestamptz NOT NULL,
  visitor text NOT NULL,
  first_visit boolean NOT NULL,
  ua_kind text NOT NULL CHECK (ua_kind IN ('wechat', 'wecom', 'mobile', 'desktop', 'bot', 'other')),
  referrer_host text,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, link_id) REFERENCES acquisition_links (workspace_id, id)
);
CREATE INDEX acquisition_link_clicks_link ON acquisition_link_clicks (workspace_id, link_id, at);
CREATE INDEX acquisition_link_clicks_visitor ON acquisition_link_clicks (workspace_id, link_id, visitor);
SELECT siyu_tenant_table('acquisition_link_clicks');

-- Every add through a code (or one of its links), attributed from relationships' relationship.started: the channel
-- it had then, the guide, the customer; lost_at when the relationship ended by a deletion.
CREATE TABLE acquisitions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  relationship_id uuid NOT NULL,
  code_id uuid NOT NULL,
  way_id uuid NOT NULL,
  link_id uuid,
  channel_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  staff_id uuid,
  wecom_userid text NOT NULL,
  external_userid text NOT NULL,
  added_at timestamptz NOT NULL,
  lost_at timestamptz,
  lost_status text CHECK (lost_status IN ('deleted_by_customer', 'deleted_by_guide', 'ended')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, relationship_id),
  FOREIGN KEY (workspace_id, code_id) REFERENCES acquisition_codes (workspace_id, id),
  FOREIGN KEY (workspace_id, channel_id) REFERENCES acquisition_channels (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
  CHECK ((lost_at IS NULL) = (lost_status IS NULL))
);
CREATE INDEX acquisitions_added ON acquisitions (workspace_id, added_at);
CREATE INDEX acquisitions_code ON acquisitions (workspace_id, code_id, added_at);
-- Daily caps: a code's adds per guide today.
CREATE INDEX acquisitions_code_guide ON acquisitions (workspace_id, code_id, wecom_userid, added_at);
CREATE INDEX acquisitions_channel ON acquisitions (workspace_id, channel_id, added_at);
CREATE INDEX acquisitions_link ON acquisitions (workspace_id, link_id, added_at) WHERE link_id IS NOT NULL;
CREATE INDEX acquisitions_customer ON acquisitions (workspace_id, customer_id);
CREATE INDEX acquisitions_lost ON acquisitions (workspace_id, lost_at) WHERE lost_at IS NOT NULL;
SELECT siyu_tenant_table('acquisitions');

-- relationship.ended handled before the relationship.started of the same relationship (subscriber jobs run in any
-- order): kept here until the start arrives, pruned after two days.
CREATE TABLE acquisition_early_ends (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  relationship_id uuid NOT NULL,
  status text NOT NULL,
  ended_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, relationship_id)
);
SELECT siyu_tenant_table('acquisition_early_ends');

-- One row per welcome code WeCom gave with an add: claimed before the send (the unique key makes a redelivered
-- event send nothing), then sent, failed or skipped.
CREATE TABLE acquisition_welcomes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  welcome_code text NOT NULL,
  code_id uuid,
  link_id uuid,
  source text CHECK (source IN ('code', 'default')),
  wecom_userid text NOT NULL,
  external_userid text NOT NULL,
  half boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
  error text,
  text text,
  attachment_count int NOT NULL DEFAULT 0,
  added_at timestamptz NOT NULL,
  sent_at timestamptz,
  latency_ms int,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, welcome_code)
);
CREATE INDEX acquisition_welcomes_pair ON acquisition_welcomes (workspace_id, wecom_userid, external_userid, added_at);
CREATE INDEX acquisition_welcomes_recent ON acquisition_welcomes (workspace_id, added_at DESC, id);
SELECT siyu_tenant_table('acquisition_welcomes');
