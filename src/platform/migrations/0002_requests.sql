-- What the HTTP layer keeps: stored responses for Idempotency-Key replays, and the audit log.
CREATE TABLE idempotency_keys (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  principal text NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  status_code int,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
SELECT siyu_tenant_table('idempotency_keys');

CREATE TABLE audit_log (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  at timestamptz NOT NULL DEFAULT now(),
  actor_type text NOT NULL,
  actor_id text,
  actor_name text,
  action text NOT NULL,
  target_type text,
  target_id text,
  ip text,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX audit_log_action ON audit_log (workspace_id, action, id);
CREATE INDEX audit_log_actor ON audit_log (workspace_id, actor_id, id);
CREATE INDEX audit_log_target ON audit_log (workspace_id, target_type, target_id, id);
SELECT siyu_tenant_table('audit_log');
