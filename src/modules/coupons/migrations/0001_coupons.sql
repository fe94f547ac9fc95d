-- Coupons: templates (what a coupon is worth, where and when it applies, how many exist), the coupons issued from
-- them with their unique codes, per-member issue counts (the atomic counter behind the per-member limit),
-- issuance batches (a hand-made list or a whole segment), issuance rules (a domain event issues a coupon), and
-- redemptions (which order took which coupon, undone on refund).
CREATE TABLE coupon_templates (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- What the member sees in the wallet: 新人满100减20 …
  title text NOT NULL,
  description text,
  kind text NOT NULL CHECK (kind IN ('amount_off', 'percent_off', 'gift', 'free_shipping')),
  -- amount_off: the fixed discount (满减 when min_spend_fen > 0, 无门槛 when 0).
  amount_off_fen bigint CHECK (amount_off_fen > 0),
  -- percent_off: the share taken off in basis points (1500 = 15 % off = 8.5折), capped by max_discount_fen.
  percent_off_bp int CHECK (percent_off_bp BETWEEN 1 AND 9999),
  max_discount_fen bigint CHECK (max_discount_fen > 0),
  -- The least the applicable items must cost before the coupon applies (every kind; 0 = no threshold).
  min_spend_fen bigint NOT NULL DEFAULT 0 CHECK (min_spend_fen >= 0),
  gift_sku text,
  gift_name text,
  -- fixed: usable from valid_from until valid_until (exclusive); relative: from issue to the end of the
  -- valid_days-th local day counting the day of issue (领取后N天内有效, 含当天).
  validity_kind text NOT NULL CHECK (validity_kind IN ('fixed', 'relative')),
  valid_from timestamptz,
  valid_until timestamptz,
  valid_days int CHECK (valid_days BETWEEN 1 AND 3650),
  -- NULL = unlimited. issued_count only grows (a redeemed or expired coupon does not give its stock back), and the
  -- check below is the database's own wall against overselling, behind the locked update in issuance.ts.
  total_stock int CHECK (total_stock > 0),
  issued_count int NOT NULL DEFAULT 0 CHECK (issued_count >= 0),
  per_member_limit int CHECK (per_member_limit > 0),
  -- Stacking: whether another coupon may go on the same order, which coupons exclude each other even when
  -- stackable (one per exclusive group), and whether points may also pay part of the order.
  stackable boolean NOT NULL DEFAULT false,
  exclusive_group text,
  points_offset boolean NOT NULL DEFAULT true,
  -- Applicable scope; an empty list means "any". Items match by SKU or by category; channel and store must be
  -- listed when their list is not empty.
  scope_skus text[] NOT NULL DEFAULT '{}',
  scope_categories text[] NOT NULL DEFAULT '{}',
  scope_channels text[] NOT NULL DEFAULT '{}',
  scope_stores text[] NOT NULL DEFAULT '{}',
  -- coupon.expiring is announced this many days before a coupon's end (0 = never).
  expiry_reminder_days int NOT NULL DEFAULT 3 CHECK (expiry_reminder_days BETWEEN 0 AND 30),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'ended')),
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CHECK (total_stock IS NULL OR issued_count <= total_stock),
  CHECK (validity_kind <> 'fixed' OR (valid_from IS NOT NULL AND valid_until > valid_from)),
  CHECK (validity_kind <> 'relative' OR valid_days IS NOT NULL)
);
CREATE INDEX coupon_templates_listing ON coupon_templates (workspace_id, created_at DESC, id DESC);
SELECT siyu_tenant_table('coupon_templates');

CREATE TABLE coupons (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- 12 characters of an unambiguous alphabet, the last a check character (codes.ts); random, never sequential.
  code text NOT NULL,
  template_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  -- available until redeemed, expired (its end passed) or void (its template ended).
  status text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'redeemed', 'expired', 'void')),
  source text NOT NULL CHECK (source IN ('manual', 'segment', 'rule', 'reward', 'campaign', 'journey')),
  -- The issuance, rule or caller's key behind the coupon.
  source_ref text,
  -- `<source>:<key>`: a second issue of the template with the same key answers the first coupon instead of
  -- issuing another.
  idempotency_key text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  issued_at timestamptz NOT NULL,
  -- When the status last changed (redeemed, expired, void, or back to available).
  status_at timestamptz NOT NULL,
  -- When coupon.expiring was announced (once per coupon).
  reminded_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, code),
  UNIQUE (workspace_id, template_id, idempotency_key),
  FOREIGN KEY (workspace_id, template_id) REFERENCES coupon_templates (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX coupons_customer ON coupons (workspace_id, customer_id, issued_at DESC);
CREATE INDEX coupons_listing ON coupons (workspace_id, issued_at DESC, id DESC);
CREATE INDEX coupons_template ON coupons (workspace_id, template_id, status);
CREATE INDEX coupons_source_ref ON coupons (workspace_id, source_ref) WHERE source_ref IS NOT NULL;
-- What the expiry job walks: available coupons by their end.
CREATE INDEX coupons_due ON coupons (workspace_id, valid_until) WHERE status = 'available';
SELECT siyu_tenant_table('coupons');

-- How many coupons of a template each customer was ever issued: the per-member limit is a conditional upsert of
-- this row, so two concurrent issues to one member queue on it and the second sees the first.
CREATE TABLE coupon_member_counts (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  template_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  issued int NOT NULL CHECK (issued >= 0),
  PRIMARY KEY (workspace_id, template_id, customer_id),
  FOREIGN KEY (workspace_id, template_id) REFERENCES coupon_templates (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
SELECT siyu_tenant_table('coupon_member_counts');

-- One issuance: a list of customers (done at once) or a segment (chunk jobs with progress, resumable by seq).
CREATE TABLE coupon_issuances (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  template_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('manual', 'segment')),
  -- The segment belongs to the segments module: no foreign key, and its name is kept for the record.
  segment_id uuid,
  segment_name text,
  -- Coupons per customer.
  quantity int NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 10),
  state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  -- Customers to go through in this run, and how far the run got.
  total int NOT NULL DEFAULT 0,
  done int NOT NULL DEFAULT 0,
  last_seq bigint NOT NULL DEFAULT 0,
  -- Outcomes: coupons issued (over every run), customers who already had theirs from this issuance, and
  -- refusals by the per-member limit and by stock (of the latest run); list entries that matched nobody.
  issued int NOT NULL DEFAULT 0,
  skipped int NOT NULL DEFAULT 0,
  refused_limit int NOT NULL DEFAULT 0,
  refused_stock int NOT NULL DEFAULT 0,
  unmatched int NOT NULL DEFAULT 0,
  runs int NOT NULL DEFAULT 1,
  error text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, template_id) REFERENCES coupon_templates (workspace_id, id)
);
CREATE INDEX coupon_issuances_template ON coupon_issuances (workspace_id, template_id, created_at DESC);
SELECT siyu_tenant_table('coupon_issuances');

-- A rule issues coupons of a template when a domain event happens, once per (rule, cause).
CREATE TABLE coupon_rules (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  template_id uuid NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('member.joined', 'member.tier_changed', 'order.paid', 'segment.entered')),
  -- segment.entered: which segment; member.tier_changed: which tiers reached (empty = any upgrade);
  -- order.paid: the least paid amount.
  segment_id uuid,
  tier_ids uuid[] NOT NULL DEFAULT '{}',
  min_paid_fen bigint CHECK (min_paid_fen >= 0),
  quantity int NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 10),
  active boolean NOT NULL DEFAULT true,
  issued int NOT NULL DEFAULT 0,
  refused int NOT NULL DEFAULT 0,
  last_refusal text,
  last_fired_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, template_id) REFERENCES coupon_templates (workspace_id, id)
);
CREATE INDEX coupon_rules_trigger ON coupon_rules (workspace_id, trigger) WHERE active;
SELECT siyu_tenant_table('coupon_rules');

CREATE TABLE coupon_redemptions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  coupon_id uuid NOT NULL,
  template_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  -- The POS or shop's order number: the same text as orderNo in PUT /v1/orders/:orderNo, so a refund of that
  -- order finds the coupons it carried.
  order_id text NOT NULL,
  order_amount_fen bigint NOT NULL,
  discount_fen bigint NOT NULL CHECK (discount_fen >= 0),
  store text,
  channel text,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  actor_name text NOT NULL,
  redeemed_at timestamptz NOT NULL,
  unredeemed_at timestamptz,
  unredeem_reason text CHECK (unredeem_reason IN ('refund', 'request')),
  unredeemed_by text,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, coupon_id) REFERENCES coupons (workspace_id, id) ON DELETE CASCADE
);
-- At most one live redemption per coupon: behind the row lock in redemption.ts, the database itself refuses a
-- second, so a coupon is redeemed exactly once however many tills try at once.
CREATE UNIQUE INDEX coupon_redemptions_live ON coupon_redemptions (workspace_id, coupon_id) WHERE unredeemed_at IS NULL;
CREATE INDEX coupon_redemptions_order ON coupon_redemptions (workspace_id, order_id);
CREATE INDEX coupon_redemptions_listing ON coupon_redemptions (workspace_id, redeemed_at DESC, id DESC);
CREATE INDEX coupon_redemptions_customer ON coupon_redemptions (workspace_id, customer_id, redeemed_at DESC);
SELECT siyu_tenant_table('coupon_redemptions');
