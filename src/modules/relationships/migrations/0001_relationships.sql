-- Relationships: staff linked to their WeCom member ids (guides), who follows whom in WeCom, transfers and
-- succession, churn records, staff notifications, follow-up SOP plans and their tasks, and the script library.

CREATE TABLE guides (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  staff_id uuid NOT NULL,
  wecom_userid text NOT NULL CHECK (wecom_userid ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  -- Told when this guide loses a customer; staff accounts are disabled, never deleted, so no action is needed.
  manager_staff_id uuid,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resigned')),
  resigned_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, staff_id),
  UNIQUE (workspace_id, wecom_userid),
  FOREIGN KEY (workspace_id, staff_id) REFERENCES staff (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, manager_staff_id) REFERENCES staff (workspace_id, id),
  CHECK (manager_staff_id IS DISTINCT FROM staff_id),
  CHECK ((status = 'resigned') = (resigned_at IS NOT NULL))
);
CREATE INDEX guides_manager ON guides (workspace_id, manager_staff_id) WHERE manager_staff_id IS NOT NULL;
SELECT siyu_tenant_table('guides');

-- One row per relationship episode between a WeCom member and an external contact: a customer who deletes a guide
-- and adds them again has two rows. At most one is active per pair. The guide is found through `guides` by the
-- WeCom user id, so a member linked to staff later owns the customers that already followed them.
CREATE TABLE customer_relationships (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL,
  wecom_userid text NOT NULL,
  external_userid text NOT NULL,
  contact_name text,
  contact_avatar text,
  state text,
  add_way int NOT NULL DEFAULT 0,
  added_at timestamptz,
  remark text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  wecom_tags jsonb NOT NULL DEFAULT '[]',
  pending boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('active', 'deleted_by_customer', 'deleted_by_guide', 'transferred', 'ended')),
  origin text NOT NULL CHECK (origin IN ('add', 'transfer', 'sync')),
  ended_at timestamptz,
  -- WeCom's time of the last change applied, so a callback that arrives late cannot undo a newer one.
  last_change_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
  CHECK ((status = 'active') = (ended_at IS NULL))
);
CREATE UNIQUE INDEX customer_relationships_active
  ON customer_relationships (workspace_id, wecom_userid, external_userid) WHERE status = 'active';
CREATE INDEX customer_relationships_customer ON customer_relationships (workspace_id, customer_id);
CREATE INDEX customer_relationships_guide ON customer_relationships (workspace_id, wecom_userid, status, added_at);
CREATE INDEX customer_relationships_pair ON customer_relationships (workspace_id, wecom_userid, external_userid);
SELECT siyu_tenant_table('customer_relationships');

-- Full syncs from WeCom's follow lists (batch_get_by_user): one job per guide, counted here.
CREATE TABLE relationship_sync_runs (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  guides int NOT NULL DEFAULT 0,
  guides_done int NOT NULL DEFAULT 0,
  contacts int NOT NULL DEFAULT 0,
  created int NOT NULL DEFAULT 0,
  ended int NOT NULL DEFAULT 0,
  updated int NOT NULL DEFAULT 0,
  errors jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX relationship_sync_runs_started ON relationship_sync_runs (workspace_id, started_at DESC);
SELECT siyu_tenant_table('relationship_sync_runs');

-- Transfers of one customer each, grouped by the request (batch) that asked for them. A failed one is retried as a
-- new transfer pointing back at it.
CREATE TABLE customer_transfers (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  batch_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('in_service', 'resigned')),
  customer_id uuid NOT NULL,
  external_userid text NOT NULL,
  handover_userid text NOT NULL,
  takeover_userid text NOT NULL,
  handover_staff_id uuid,
  takeover_staff_id uuid,
  message text,
  status text NOT NULL CHECK (status IN ('waiting', 'succeeded', 'failed')),
  fail_reason text,
  -- WeCom's errcode and errmsg when WeCom refused the transfer, for the reason's message.
  fail_detail jsonb,
  requested_by uuid,
  requested_by_name text,
  requested_at timestamptz NOT NULL,
  takeover_at timestamptz,
  settled_at timestamptz,
  retry_of uuid,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
  CHECK ((status = 'failed') = (fail_reason IS NOT NULL))
);
-- WeCom refuses a second transfer of a customer whose transfer still waits (40129); so do we, before asking.
CREATE UNIQUE INDEX customer_transfers_waiting ON customer_transfers (workspace_id, external_userid)
  WHERE status = 'waiting';
CREATE UNIQUE INDEX customer_transfers_retry ON customer_transfers (workspace_id, retry_of) WHERE retry_of IS NOT NULL;
CREATE INDEX customer_transfers_requested ON customer_transfers (workspace_id, requested_at DESC, id DESC);
CREATE INDEX customer_transfers_customer ON customer_transfers (workspace_id, customer_id);
SELECT siyu_tenant_table('customer_transfers');

-- A relationship that ended by a deletion (or vanished, found by a sync): one record per relationship.
CREATE TABLE relationship_churn (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  relationship_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  wecom_userid text NOT NULL,
  guide_staff_id uuid,
  direction text NOT NULL CHECK (direction IN ('customer_deleted_guide', 'guide_deleted_customer', 'unknown')),
  occurred_at timestamptz NOT NULL,
  added_at timestamptz,
  relationship_days int,
  last_interaction_at timestamptz,
  notified_staff_ids uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, relationship_id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX relationship_churn_occurred ON relationship_churn (workspace_id, occurred_at DESC, id DESC);
CREATE INDEX relationship_churn_guide ON relationship_churn (workspace_id, guide_staff_id, occurred_at);
SELECT siyu_tenant_table('relationship_churn');

-- The console inbox of each staff member. `data` holds what the text needs, rendered in the reader's language;
-- `dedupe_key` makes each notice once per recipient however often its cause is handled.
CREATE TABLE staff_notifications (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  recipient_staff_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('churn', 'task_overdue', 'transfer_failed')),
  data jsonb NOT NULL,
  dedupe_key text NOT NULL,
  read_at timestamptz,
  emailed_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, recipient_staff_id, dedupe_key),
  FOREIGN KEY (workspace_id, recipient_staff_id) REFERENCES staff (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_notifications_recipient ON staff_notifications (workspace_id, recipient_staff_id, created_at DESC, id DESC);
CREATE INDEX staff_notifications_unread ON staff_notifications (workspace_id, recipient_staff_id) WHERE read_at IS NULL;
SELECT siyu_tenant_table('staff_notifications');

-- Per-workspace settings: SMTP for notices by e-mail (the password is write-only through the API) and the festival
-- calendar's overrides and additions.
CREATE TABLE relationship_settings (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  smtp_enabled boolean NOT NULL DEFAULT false,
  smtp_host text,
  smtp_port int,
  smtp_secure boolean NOT NULL DEFAULT false,
  smtp_user text,
  smtp_password text,
  mail_from text,
  festivals jsonb NOT NULL DEFAULT '[]',
  -- Set once the shipped SOP templates were created as this workspace's plans; deleting one keeps it deleted.
  templates_installed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT siyu_tenant_table('relationship_settings');

CREATE TABLE script_categories (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  sort int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, name)
);
SELECT siyu_tenant_table('script_categories');

CREATE TABLE scripts (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  category_id uuid NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, category_id, title),
  FOREIGN KEY (workspace_id, category_id) REFERENCES script_categories (workspace_id, id)
);
SELECT siyu_tenant_table('scripts');

CREATE TABLE sop_plans (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  template_key text,
  trigger jsonb NOT NULL,
  -- The trigger's kind, copied out of `trigger` so the plans a domain event concerns are found by index.
  trigger_type text NOT NULL CHECK (trigger_type IN ('relationship_start', 'birthday', 'festival', 'segment_entered', 'tag_added')),
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX sop_plans_trigger ON sop_plans (workspace_id, trigger_type) WHERE enabled;
SELECT siyu_tenant_table('sop_plans');

CREATE TABLE sop_steps (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  plan_id uuid NOT NULL,
  position int NOT NULL,
  offset_days int NOT NULL CHECK (offset_days BETWEEN -30 AND 365),
  time_of_day text CHECK (time_of_day ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  title text NOT NULL,
  script_id uuid,
  script text,
  material jsonb,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, plan_id) REFERENCES sop_plans (workspace_id, id) ON DELETE CASCADE,
  -- A script a step uses cannot be deleted (script.in_use) until the step stops using it.
  FOREIGN KEY (workspace_id, script_id) REFERENCES scripts (workspace_id, id)
);
CREATE INDEX sop_steps_plan ON sop_steps (workspace_id, plan_id, position);
SELECT siyu_tenant_table('sop_steps');

-- One task per (plan step, subject, occurrence): the subject is the customer, or the guide for a task about all of
-- their customers; the occurrence names the trigger's instance (a relationship, a year's birthday, an event).
CREATE TABLE sop_tasks (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  plan_id uuid NOT NULL,
  step_id uuid,
  customer_id uuid,
  guide_staff_id uuid NOT NULL,
  subject text NOT NULL,
  occurrence text NOT NULL,
  due_at timestamptz NOT NULL,
  title text NOT NULL,
  script_id uuid,
  script text,
  material jsonb,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'skipped', 'overdue')),
  completed_at timestamptz,
  completed_by uuid,
  completed_by_name text,
  note text,
  overdue_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, plan_id) REFERENCES sop_plans (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, step_id) REFERENCES sop_steps (workspace_id, id) ON DELETE SET NULL (step_id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
-- The idempotency key. A deleted step's tasks keep a null step, which conflicts with nothing: no new task can come
-- from a step that is gone.
CREATE UNIQUE INDEX sop_tasks_once ON sop_tasks (workspace_id, step_id, subject, occurrence);
CREATE INDEX sop_tasks_guide ON sop_tasks (workspace_id, guide_staff_id, status, due_at);
CREATE INDEX sop_tasks_due ON sop_tasks (workspace_id, due_at) WHERE status = 'open';
CREATE INDEX sop_tasks_customer ON sop_tasks (workspace_id, customer_id);
SELECT siyu_tenant_table('sop_tasks');
