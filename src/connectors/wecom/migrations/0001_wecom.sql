-- The WeCom connector: each workspace's corp settings and callback keys, the nonces of recent callbacks (replay
-- protection), the callbacks refused (security log) and the inbox of accepted callbacks awaiting their job.
CREATE TABLE wecom_settings (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  corp_id text NOT NULL,
  agent_id int,
  -- Secrets and callback keys are written by the settings API and never read back out through it.
  contact_secret text,
  app_secret text,
  token text NOT NULL,
  encoding_aes_key text NOT NULL CHECK (length(encoding_aes_key) = 43),
  api_base_url text NOT NULL DEFAULT 'https://qyapi.weixin.qq.com',
  max_skew_seconds int NOT NULL DEFAULT 300 CHECK (max_skew_seconds BETWEEN 30 AND 3600),
  last_verified_at timestamptz,
  last_event_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT siyu_tenant_table('wecom_settings');

-- A signed request seen within the skew window; a second one with the same (signature, timestamp, nonce) is a replay.
CREATE TABLE wecom_callback_nonces (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  signature text NOT NULL,
  sent_at bigint NOT NULL, -- WeCom's timestamp (Unix seconds), as signed
  nonce text NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, signature, sent_at, nonce)
);
CREATE INDEX wecom_callback_nonces_seen ON wecom_callback_nonces (seen_at);
SELECT siyu_tenant_table('wecom_callback_nonces');

CREATE TABLE wecom_security_log (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  at timestamptz NOT NULL,
  code text NOT NULL,
  ip text,
  method text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX wecom_security_log_at ON wecom_security_log (at);
SELECT siyu_tenant_table('wecom_security_log');

CREATE TABLE wecom_inbox (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  dedup_key text NOT NULL,
  event text NOT NULL,
  change_type text,
  created_at timestamptz,
  received_at timestamptz NOT NULL,
  xml text NOT NULL,
  state text NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'processed', 'ignored', 'failed')),
  deliveries int NOT NULL DEFAULT 1,
  domain_event text,
  error text,
  processed_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, dedup_key)
);
CREATE INDEX wecom_inbox_received ON wecom_inbox (received_at);
SELECT siyu_tenant_table('wecom_inbox');
