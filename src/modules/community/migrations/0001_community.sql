-- Customer groups (客户群) as WeCom reports them, their members and every join and leave, group messages from the
-- session archive, and what the module does with them: group live codes, keyword auto-replies, moderation
-- (violations, removal requests, the blacklist), group SOP, check-ins, and the group messages it sends.

CREATE TABLE community_groups (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  chat_id text NOT NULL,
  name text NOT NULL DEFAULT '',
  owner_userid text NOT NULL DEFAULT '',
  admin_userids text[] NOT NULL DEFAULT '{}',
  notice text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dismissed')),
  -- Kept equal to the active rows of community_members by every refresh.
  member_count int NOT NULL DEFAULT 0,
  external_count int NOT NULL DEFAULT 0,
  member_version text,
  wecom_created_at timestamptz,
  synced_at timestamptz,
  sync_error text,
  dismissed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, chat_id)
);
SELECT siyu_tenant_table('community_groups');

-- One row per group and member (a WeCom UserID for staff, an external_userid for customers): the current
-- membership. Leaving keeps the row (status left); joining again reopens it. The history is community_member_events.
CREATE TABLE community_members (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  group_id uuid NOT NULL,
  member_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('internal', 'external')),
  name text NOT NULL DEFAULT '',
  group_nickname text NOT NULL DEFAULT '',
  unionid text,
  customer_id uuid,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'koc', 'member')),
  status text NOT NULL CHECK (status IN ('active', 'left')),
  -- Null only for a member seen leaving before anything told when they joined.
  joined_at timestamptz,
  join_scene smallint,
  invitor_id text,
  join_state text,
  left_at timestamptz,
  quit_scene smallint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, group_id, member_id),
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE SET NULL (customer_id)
);
CREATE INDEX community_members_customer ON community_members (workspace_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX community_members_member ON community_members (workspace_id, member_id);
SELECT siyu_tenant_table('community_members');

-- Every join and leave, for the daily statistics and the customer timeline. `at` is WeCom's join_time or the
-- callback's time. A change is written once: only when a membership changes state, and refreshes of one group
-- take turns (the group row's lock), so a callback seen three times or racing a sync writes nothing more.
CREATE TABLE community_member_events (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  group_id uuid NOT NULL,
  member_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('join', 'leave')),
  at timestamptz NOT NULL,
  scene smallint,
  invitor_id text,
  join_state text,
  customer_id uuid,
  source text NOT NULL CHECK (source IN ('callback', 'sync')),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX community_member_events_member ON community_member_events (workspace_id, group_id, member_id, at);
CREATE INDEX community_member_events_at ON community_member_events (workspace_id, at);
CREATE INDEX community_member_events_state ON community_member_events (workspace_id, join_state, at)
  WHERE join_state IS NOT NULL;
CREATE INDEX community_member_events_customer ON community_member_events (workspace_id, customer_id, at DESC)
  WHERE customer_id IS NOT NULL;
SELECT siyu_tenant_table('community_member_events');

-- Group messages from the session archive, once each (msgid). Keyed by the chat id rather than the group row, so a
-- message of a group Siyu has not synced yet is kept and joins its group when the group arrives.
CREATE TABLE community_messages (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  msgid text NOT NULL,
  chat_id text NOT NULL,
  sender_id text NOT NULL,
  msgtype text NOT NULL CHECK (msgtype IN ('text', 'image', 'link', 'weapp', 'card', 'other')),
  content text NOT NULL DEFAULT '',
  url text,
  qr_code boolean NOT NULL DEFAULT false,
  sentiment smallint NOT NULL DEFAULT 0,
  recalled boolean NOT NULL DEFAULT false,
  sent_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, msgid)
);
CREATE INDEX community_messages_chat ON community_messages (workspace_id, chat_id, sent_at);
CREATE INDEX community_messages_sender ON community_messages (workspace_id, sender_id, sent_at);
CREATE INDEX community_messages_sent ON community_messages (workspace_id, sent_at);
SELECT siyu_tenant_table('community_messages');

CREATE TABLE community_settings (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  check_in_enabled boolean NOT NULL DEFAULT true,
  check_in_keywords text[] NOT NULL DEFAULT '{签到,打卡}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT siyu_tenant_table('community_settings');

CREATE TABLE community_check_ins (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  group_id uuid NOT NULL,
  member_id text NOT NULL,
  day date NOT NULL,
  customer_id uuid,
  streak int NOT NULL,
  points bigint NOT NULL DEFAULT 0,
  points_status text NOT NULL
    CHECK (points_status IN ('awarded', 'already_today', 'capped', 'not_member', 'no_customer')),
  message_id bigint,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, group_id, member_id, day),
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX community_check_ins_day ON community_check_ins (workspace_id, day DESC);
SELECT siyu_tenant_table('community_check_ins');

-- Group messages Siyu sends through WeCom's group message templates: auto-replies, moderation warnings and SOP
-- runs. `dedupe_key` names the cause (rule and message, violation, plan occurrence and owner): one send per cause.
CREATE TABLE community_sends (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('auto_reply', 'warning', 'sop')),
  source_id text NOT NULL,
  dedupe_key text NOT NULL,
  sender text NOT NULL,
  chat_ids text[] NOT NULL,
  text text NOT NULL,
  link jsonb,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  msgid text,
  error text,
  results jsonb NOT NULL DEFAULT '[]',
  results_at timestamptz,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, dedupe_key)
);
CREATE INDEX community_sends_source ON community_sends (workspace_id, kind, source_id, created_at DESC);
CREATE INDEX community_sends_created ON community_sends (workspace_id, created_at DESC);
SELECT siyu_tenant_table('community_sends');

CREATE TABLE community_auto_replies (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  match_kind text NOT NULL CHECK (match_kind IN ('exact', 'contains', 'regex')),
  keywords text[] NOT NULL,
  reply text NOT NULL,
  group_ids uuid[],
  window_start text,
  window_end text,
  cooldown_seconds int NOT NULL DEFAULT 60,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
SELECT siyu_tenant_table('community_auto_replies');

-- Each reply a rule made: the message that triggered it, for the cooldown (last reply per rule and group).
CREATE TABLE community_auto_reply_hits (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  rule_id uuid NOT NULL,
  message_id bigint NOT NULL,
  group_id uuid NOT NULL,
  send_id uuid NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, rule_id, message_id),
  FOREIGN KEY (workspace_id, rule_id) REFERENCES community_auto_replies (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX community_auto_reply_hits_group ON community_auto_reply_hits (workspace_id, rule_id, group_id, at DESC);
SELECT siyu_tenant_table('community_auto_reply_hits');

CREATE TABLE community_moderation_rules (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('ad_link', 'qr_code', 'sensitive_words', 'flood')),
  action text NOT NULL CHECK (action IN ('warn', 'remove', 'blacklist')),
  group_ids uuid[],
  enabled boolean NOT NULL DEFAULT true,
  allow_domains text[] NOT NULL DEFAULT '{}',
  words text[] NOT NULL DEFAULT '{}',
  flag_images boolean NOT NULL DEFAULT true,
  flag_mini_programs boolean NOT NULL DEFAULT true,
  flag_cards boolean NOT NULL DEFAULT true,
  max_messages int,
  window_seconds int,
  warning_text text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
SELECT siyu_tenant_table('community_moderation_rules');

-- A rule broken by a message, with the evidence as it was written (a rule deleted later keeps its name here).
CREATE TABLE community_violations (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  rule_id uuid,
  rule_name text NOT NULL,
  kind text NOT NULL,
  action text NOT NULL,
  group_id uuid NOT NULL,
  member_id text NOT NULL,
  customer_id uuid,
  message_id bigint,
  msgid text,
  evidence text NOT NULL,
  matched text[] NOT NULL DEFAULT '{}',
  warning_send_id uuid,
  removal_id uuid,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX community_violations_once ON community_violations (workspace_id, rule_id, message_id);
CREATE INDEX community_violations_member ON community_violations (workspace_id, group_id, member_id, at DESC);
CREATE INDEX community_violations_at ON community_violations (workspace_id, at DESC);
SELECT siyu_tenant_table('community_violations');

-- Requests to a group's owner and admins to remove a member in WeCom; done when the del_member callback arrives.
CREATE TABLE community_removals (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  group_id uuid NOT NULL,
  member_id text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('moderation', 'blacklist')),
  violation_id bigint,
  status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'done', 'cancelled')),
  assignees text[] NOT NULL,
  notified_at timestamptz,
  notify_error text,
  requested_at timestamptz NOT NULL,
  done_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE
);
-- One open request per member and group: a second violation while one waits adds nothing.
CREATE UNIQUE INDEX community_removals_open ON community_removals (workspace_id, group_id, member_id)
  WHERE status = 'requested';
CREATE INDEX community_removals_requested ON community_removals (workspace_id, requested_at DESC);
SELECT siyu_tenant_table('community_removals');

CREATE TABLE community_blacklist (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  member_id text NOT NULL,
  customer_id uuid,
  name text NOT NULL DEFAULT '',
  reason text NOT NULL,
  violation_id bigint,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, member_id)
);
CREATE INDEX community_blacklist_customer ON community_blacklist (workspace_id, customer_id) WHERE customer_id IS NOT NULL;
SELECT siyu_tenant_table('community_blacklist');

CREATE TABLE community_live_codes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  remark text NOT NULL DEFAULT '',
  state text NOT NULL,
  cap int NOT NULL DEFAULT 200 CHECK (cap BETWEEN 2 AND 200),
  auto_create boolean NOT NULL DEFAULT false,
  room_base_name text,
  room_base_id int,
  config_id text,
  qr_code text,
  pushed_chat_ids text[] NOT NULL DEFAULT '{}',
  -- Bumped whenever the groups WeCom should see change; a push job carries the version it was made for.
  push_version int NOT NULL DEFAULT 0,
  sync_state text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'failed')),
  sync_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, state)
);
SELECT siyu_tenant_table('community_live_codes');

CREATE TABLE community_live_code_groups (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  code_id uuid NOT NULL,
  group_id uuid NOT NULL,
  position int NOT NULL,
  PRIMARY KEY (workspace_id, code_id, group_id),
  FOREIGN KEY (workspace_id, code_id) REFERENCES community_live_codes (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, group_id) REFERENCES community_groups (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX community_live_code_groups_group ON community_live_code_groups (workspace_id, group_id);
SELECT siyu_tenant_table('community_live_code_groups');

CREATE TABLE community_sop_plans (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  group_ids uuid[],
  schedule text NOT NULL CHECK (schedule IN ('once', 'daily', 'weekly')),
  run_at timestamptz,
  time_of_day text,
  weekdays int[] NOT NULL DEFAULT '{}',
  text text NOT NULL,
  link jsonb,
  starts_on date,
  ends_on date,
  enabled boolean NOT NULL DEFAULT true,
  next_run_at timestamptz,
  last_run_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX community_sop_plans_due ON community_sop_plans (workspace_id, next_run_at) WHERE enabled;
SELECT siyu_tenant_table('community_sop_plans');

-- Each occurrence of a plan, once (a second tick or a retried job finds it and sends nothing more).
CREATE TABLE community_sop_runs (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  plan_id uuid NOT NULL,
  occurrence timestamptz NOT NULL,
  manual boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, plan_id, occurrence),
  FOREIGN KEY (workspace_id, plan_id) REFERENCES community_sop_plans (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('community_sop_runs');
