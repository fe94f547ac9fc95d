-- Customers: one profile per person, the identities that point at it, custom fields, and merge history.
-- `seq` is a dense per-workspace integer so audience bitmaps stay small (ARCHITECTURE §3, §6).
CREATE TABLE customer_seq (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  last_seq bigint NOT NULL DEFAULT 0
);
SELECT siyu_tenant_table('customer_seq');

CREATE TABLE customers (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  seq bigint NOT NULL,
  name text,
  gender text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('male', 'female', 'unknown')),
  birthday date,
  region text,
  city text,
  phone text,
  email text,
  occupation text,
  interests text[] NOT NULL DEFAULT '{}',
  source_channel text,
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  member_status text NOT NULL DEFAULT 'none',
  custom jsonb NOT NULL DEFAULT '{}',
  -- Set when this profile was merged into another; it then holds nothing and resolves to the survivor.
  merged_into uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, seq)
);
CREATE INDEX customers_created ON customers (workspace_id, created_at DESC, id DESC) WHERE merged_into IS NULL;
CREATE INDEX customers_last_seen ON customers (workspace_id, last_seen_at DESC) WHERE merged_into IS NULL;
CREATE INDEX customers_city ON customers (workspace_id, city) WHERE merged_into IS NULL;
SELECT siyu_tenant_table('customers');

-- Kinds: phone (E.164), email (lower case), wecom_external_userid, wechat_unionid, wechat_openid (per app_id),
-- member_card, pos_customer_id, anonymous_id, user_id (the brand's own id, Segment's userId), custom (per app_id).
CREATE TABLE customer_identities (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  kind text NOT NULL,
  app_id text NOT NULL DEFAULT '',
  value text NOT NULL,
  customer_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, kind, app_id, value),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_identities_customer ON customer_identities (workspace_id, customer_id);
SELECT siyu_tenant_table('customer_identities');

CREATE TABLE custom_fields (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  label text NOT NULL,
  type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'single_choice', 'multi_choice')),
  options text[] NOT NULL DEFAULT '{}',
  required boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, key)
);
SELECT siyu_tenant_table('custom_fields');

-- What a merge moved, so that unmerge can put every row back where it was.
CREATE TABLE customer_merges (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  survivor_id uuid NOT NULL,
  merged_id uuid NOT NULL,
  reason text NOT NULL,
  moved jsonb NOT NULL,
  merged_at timestamptz NOT NULL DEFAULT now(),
  unmerged_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX customer_merges_survivor ON customer_merges (workspace_id, survivor_id);
CREATE INDEX customer_merges_merged ON customer_merges (workspace_id, merged_id);
SELECT siyu_tenant_table('customer_merges');
