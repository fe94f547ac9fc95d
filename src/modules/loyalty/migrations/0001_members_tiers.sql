-- Membership: the tier ladder and its policy, growth rules, member terms, who joined (card number, invite code,
-- consent to the terms), each member's growth value and tier, every tier change, and the member H5's sign-in
-- (verification codes and member sessions). Growth value is earned value and never spendable: points live in the
-- ledger (0002_ledger.sql).
CREATE TABLE tiers (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- Stable key for integrations (POS, e-commerce, segment rules): normal, silver, gold, diamond … Never changes.
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
  name text NOT NULL,
  -- Ladder position; the lowest rank is the tier every new member starts in.
  rank int NOT NULL CHECK (rank BETWEEN 0 AND 1000),
  -- Growth value (over the evaluation window) needed to reach and to keep this tier; 0 for the entry tier.
  growth_threshold bigint NOT NULL CHECK (growth_threshold >= 0),
  -- Purchase points multiplier in percent (100 = 1×, 150 = 1.5×): integer so points never round through floats.
  points_multiplier_pct int NOT NULL DEFAULT 100 CHECK (points_multiplier_pct BETWEEN 0 AND 1000),
  -- Benefits read by POS and e-commerce, a typed list (src/contracts/loyalty.ts): discount, free shipping …
  benefits jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, code),
  -- Checked at commit, so that an edit may move two tiers past each other within one transaction.
  UNIQUE (workspace_id, rank) DEFERRABLE INITIALLY DEFERRED
);
SELECT siyu_tenant_table('tiers');

-- One row per workspace, created with the default ladder on the workspace's first use of loyalty.
CREATE TABLE membership_settings (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  -- Growth earned in this many months up to now decides the tier a member reaches and keeps (rolling window).
  evaluation_months int NOT NULL DEFAULT 12 CHECK (evaluation_months BETWEEN 1 AND 60),
  -- After an upgrade (or a tier set by hand) a member is not downgraded for this many months.
  protection_months int NOT NULL DEFAULT 12 CHECK (protection_months BETWEEN 0 AND 60),
  -- A downgrade is announced this many days before it happens.
  notice_days int NOT NULL DEFAULT 30 CHECK (notice_days BETWEEN 0 AND 365),
  -- The member terms a new member must consent to (member_terms.version).
  terms_version text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT siyu_tenant_table('membership_settings');

-- How growth value is earned. Spend: `spend_growth` for every `spend_unit_yuan` yuan paid (net of refunds),
-- proportionally and rounded down per order; check-in and task: a fixed amount each.
CREATE TABLE growth_rules (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  spend_unit_yuan int NOT NULL DEFAULT 1 CHECK (spend_unit_yuan BETWEEN 1 AND 10000),
  spend_growth int NOT NULL DEFAULT 1 CHECK (spend_growth BETWEEN 0 AND 10000),
  check_in_growth int NOT NULL DEFAULT 1 CHECK (check_in_growth BETWEEN 0 AND 10000),
  task_growth int NOT NULL DEFAULT 5 CHECK (task_growth BETWEEN 0 AND 100000),
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT siyu_tenant_table('growth_rules');

-- Every published version of the member terms, kept: a member's consent names the version they agreed to.
CREATE TABLE member_terms (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  version text NOT NULL CHECK (version ~ '^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$'),
  body text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  published_by text,
  PRIMARY KEY (workspace_id, version)
);
SELECT siyu_tenant_table('member_terms');

-- Every card number ever issued: a number is never handed out twice, even after its member is gone.
CREATE TABLE member_cards (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  card_no text NOT NULL CHECK (card_no ~ '^[0-9]{12}$'),
  customer_id uuid NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, card_no)
);
SELECT siyu_tenant_table('member_cards');

CREATE TABLE members (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  card_no text NOT NULL,
  -- `merged`: the customer was merged into another member, who kept their own membership (see README).
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'cancelled', 'merged')),
  tier_id uuid NOT NULL,
  -- Lifetime growth value (every entry of growth_entries); tiers follow the evaluation window's share of it.
  growth bigint NOT NULL DEFAULT 0 CHECK (growth >= 0),
  tier_since timestamptz NOT NULL DEFAULT now(),
  -- A member is not downgraded before this moment (protection period after an upgrade).
  tier_protected_until timestamptz,
  -- Set when a downgrade has been announced: it happens at this moment unless growth recovers first.
  downgrade_due_at timestamptz,
  -- The tier announced with the downgrade notice (the downgrade itself goes to what growth supports when due).
  downgrade_to_tier_id uuid,
  join_channel text NOT NULL DEFAULT 'api' CHECK (join_channel IN ('api', 'h5', 'console', 'demo')),
  terms_version text NOT NULL,
  consented_at timestamptz NOT NULL,
  consent_ip text,
  -- What this member hands to friends; whoever joins with it has `invited_by` set to this member.
  invite_code text NOT NULL CHECK (invite_code ~ '^[2-9A-HJ-NP-Z]{8}$'),
  -- The member who invited this one (invite rewards are paid once the invitee qualifies).
  invited_by uuid,
  joined_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id),
  UNIQUE (workspace_id, card_no),
  UNIQUE (workspace_id, invite_code),
  -- ON UPDATE CASCADE throughout: a merge moves a membership to the surviving customer by changing its key.
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE ON UPDATE CASCADE,
  FOREIGN KEY (workspace_id, card_no) REFERENCES member_cards (workspace_id, card_no),
  FOREIGN KEY (workspace_id, tier_id) REFERENCES tiers (workspace_id, id)
);
CREATE INDEX members_tier ON members (workspace_id, tier_id);
CREATE INDEX members_joined ON members (workspace_id, joined_at DESC, customer_id DESC);
-- The downgrade schedule looks at members above the entry tier whose protection has ended.
CREATE INDEX members_downgrade ON members (workspace_id, downgrade_due_at) WHERE downgrade_due_at IS NOT NULL;
CREATE INDEX members_invited_by ON members (workspace_id, invited_by) WHERE invited_by IS NOT NULL;
SELECT siyu_tenant_table('members');

-- Every growth movement, with an idempotency key from its cause (order id, check-in date, task key). `at` is when
-- the growth counts for the evaluation window: an order's refund counts at the order's time, with its earning.
CREATE TABLE growth_entries (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  amount bigint NOT NULL,
  cause text NOT NULL CHECK (cause IN ('order', 'check_in', 'task', 'demo')),
  -- The cause's id: the order id, the check-in date, the task's key.
  ref text NOT NULL,
  idempotency_key text NOT NULL,
  at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idempotency_key),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES members (workspace_id, customer_id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX growth_entries_customer ON growth_entries (workspace_id, customer_id, at DESC);
SELECT siyu_tenant_table('growth_entries');

-- The growth an order has given so far: orders change (paid, refunded in part or whole) and their events arrive in
-- any order, so each one brings the order's growth to what its current state is worth.
CREATE TABLE order_growth (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  order_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  -- Paid amount the earning was computed on, and the growth it earned: refunds take a proportional share back.
  basis_fen bigint NOT NULL,
  earned bigint NOT NULL,
  -- Growth standing for the order now (earned less refunds); `revision` numbers its entries' idempotency keys.
  granted bigint NOT NULL,
  revision int NOT NULL DEFAULT 0,
  at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, order_id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES members (workspace_id, customer_id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX order_growth_customer ON order_growth (workspace_id, customer_id);
SELECT siyu_tenant_table('order_growth');

CREATE TABLE tier_history (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  from_tier_id uuid,
  to_tier_id uuid NOT NULL,
  reason text NOT NULL CHECK (reason IN ('join', 'upgrade', 'downgrade', 'manual', 'merge')),
  -- Growth over the evaluation window when the tier changed.
  growth bigint NOT NULL,
  actor_id text,
  note text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES members (workspace_id, customer_id)
    ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX tier_history_customer ON tier_history (workspace_id, customer_id, at DESC);
SELECT siyu_tenant_table('tier_history');

-- Verification codes sent to phones for the member H5's sign-in: only a salted hash of each code is kept. The rows
-- also count sends for the cooldown and the hourly limits per phone and per client address.
CREATE TABLE member_codes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  phone text NOT NULL,
  code_hash text NOT NULL,
  salt text NOT NULL,
  ip text NOT NULL,
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  used_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX member_codes_phone ON member_codes (workspace_id, phone, sent_at DESC);
CREATE INDEX member_codes_ip ON member_codes (workspace_id, ip, sent_at DESC);
SELECT siyu_tenant_table('member_codes');

-- Member sessions of the H5 (httpOnly cookie `siyu_member`): looked up by the SHA-256 of the token before the
-- workspace is known, like staff sessions.
CREATE TABLE member_sessions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  token_hash text NOT NULL,
  customer_id uuid NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, token_hash),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX member_sessions_token ON member_sessions (token_hash);
CREATE INDEX member_sessions_customer ON member_sessions (workspace_id, customer_id);
CREATE INDEX member_sessions_expiry ON member_sessions (expires_at);
SELECT siyu_tenant_table('member_sessions');
