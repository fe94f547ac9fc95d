-- Membership: who joined (card number, consent to the member terms), the tier ladder, each member's growth value
-- and tier, and every tier change. Growth value is earned value and never spendable: points live in the ledger.
CREATE TABLE tiers (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- Stable key for integrations (POS, e-commerce, segment rules): normal, silver, gold, diamond …
  code text NOT NULL,
  name text NOT NULL,
  -- Ladder position; the lowest rank is the tier every new member starts in.
  rank int NOT NULL,
  -- Growth value needed to hold this tier (0 for the entry tier).
  growth_threshold bigint NOT NULL CHECK (growth_threshold >= 0),
  -- Purchase points multiplier in percent (100 = 1×, 150 = 1.5×): integer so points never round through floats.
  points_multiplier_pct int NOT NULL DEFAULT 100 CHECK (points_multiplier_pct BETWEEN 0 AND 1000),
  -- Benefits read by POS and e-commerce: discount, free shipping, birthday gift, exclusive service, early access …
  benefits jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, code),
  UNIQUE (workspace_id, rank)
);
SELECT siyu_tenant_table('tiers');

CREATE TABLE members (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  card_no text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'cancelled')),
  tier_id uuid NOT NULL,
  growth bigint NOT NULL DEFAULT 0 CHECK (growth >= 0),
  tier_since timestamptz NOT NULL DEFAULT now(),
  -- A member is not downgraded before this moment (protection period after an upgrade).
  tier_protected_until timestamptz,
  -- Set when a downgrade has been announced: it happens at this moment unless growth recovers first.
  downgrade_due_at timestamptz,
  join_channel text NOT NULL DEFAULT 'api',
  terms_version text NOT NULL,
  consented_at timestamptz NOT NULL,
  -- The member who invited this one (invite rewards are paid once the invitee qualifies).
  invited_by uuid,
  joined_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id),
  UNIQUE (workspace_id, card_no),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, tier_id) REFERENCES tiers (workspace_id, id)
);
CREATE INDEX members_tier ON members (workspace_id, tier_id);
SELECT siyu_tenant_table('members');

-- Every growth movement, with an idempotency key from its cause (order id, check-in date, task id).
CREATE TABLE growth_entries (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  amount bigint NOT NULL,
  cause text NOT NULL,
  idempotency_key text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idempotency_key),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES members (workspace_id, customer_id) ON DELETE CASCADE
);
CREATE INDEX growth_entries_customer ON growth_entries (workspace_id, customer_id, at DESC);
SELECT siyu_tenant_table('growth_entries');

CREATE TABLE tier_history (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  from_tier_id uuid,
  to_tier_id uuid NOT NULL,
  reason text NOT NULL CHECK (reason IN ('join', 'upgrade', 'downgrade', 'manual')),
  growth bigint NOT NULL,
  actor_id text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES members (workspace_id, customer_id) ON DELETE CASCADE
);
CREATE INDEX tier_history_customer ON tier_history (workspace_id, customer_id, at DESC);
SELECT siyu_tenant_table('tier_history');
