-- Background work: jobs claimed with FOR UPDATE SKIP LOCKED under a lease, cron schedules, and the
-- domain-event outbox written in the same transaction as the change it announces.
-- workspace_id is null for system jobs (schedules, sweeps across workspaces); a workspace's jobs run in its tenant
-- transaction.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
  attempts int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL DEFAULT 8 CHECK (max_attempts > 0),
  run_at timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  dedupe_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE state = 'running';
-- The console lists a workspace's jobs newest first, with or without a state filter.
CREATE INDEX jobs_workspace_state ON jobs (workspace_id, state, id);
CREATE INDEX jobs_workspace ON jobs (workspace_id, id);
SELECT siyu_tenant_table('jobs');

-- System-wide, not per workspace: rows are upserted from the code's schedule list when a worker starts.
CREATE TABLE job_schedules (
  name text PRIMARY KEY,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'Asia/Shanghai',
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  next_run_at timestamptz NOT NULL,
  last_run_at timestamptz
);

-- workspace_id leads the keys here so the outbox can be distributed by workspace later (ARCHITECTURE §2).
CREATE TABLE outbox_events (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  type text NOT NULL,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX outbox_pending ON outbox_events (id) WHERE dispatched_at IS NULL;
SELECT siyu_tenant_table('outbox_events');

-- Which subscriber has handled which event: the record that makes every subscriber idempotent.
CREATE TABLE event_receipts (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subscriber text NOT NULL,
  event_id bigint NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, subscriber, event_id)
);
SELECT siyu_tenant_table('event_receipts');
