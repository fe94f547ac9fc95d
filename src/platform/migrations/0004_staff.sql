-- Staff accounts of a workspace, their console sessions and the workspace's API keys.
CREATE TABLE staff (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  email text CHECK (email = lower(email)),
  phone text,
  department text,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'guide', 'analyst', 'auditor')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash text,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX staff_email ON staff (workspace_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX staff_phone ON staff (workspace_id, phone) WHERE phone IS NOT NULL;
-- Sign-in looks an account up before it knows the workspace.
CREATE INDEX staff_login_email ON staff (email) WHERE email IS NOT NULL;
CREATE INDEX staff_login_phone ON staff (phone) WHERE phone IS NOT NULL;
SELECT siyu_tenant_table('staff');

CREATE TABLE staff_sessions (
  workspace_id uuid NOT NULL,
  token_hash text NOT NULL,
  staff_id uuid NOT NULL,
  csrf_token text NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, token_hash),
  FOREIGN KEY (workspace_id, staff_id) REFERENCES staff (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX staff_sessions_token ON staff_sessions (token_hash);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
SELECT siyu_tenant_table('staff_sessions');

CREATE TABLE api_keys (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  prefix text NOT NULL,
  secret_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'guide', 'analyst', 'auditor')),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX api_keys_secret ON api_keys (secret_hash);
SELECT siyu_tenant_table('api_keys');
