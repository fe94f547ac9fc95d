-- The rewards catalogue (physical goods, virtual codes, coupons) with stock, limits and a tier restriction; the
-- orders members redeem them with and their fulfilment; and the points lottery with its prizes and every draw.
-- Points move only through the ledger (0002_ledger.sql): these tables keep the transaction ids that did it.

CREATE TABLE rewards (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('physical', 'virtual', 'coupon')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  description text,
  image_url text,
  points_price bigint NOT NULL CHECK (points_price > 0),
  -- A cash part in fen (physical rewards only: they ship after the brand's checkout confirms the payment).
  cash_fen bigint NOT NULL DEFAULT 0 CHECK (cash_fen >= 0),
  coupon_template_id uuid,
  -- Units left; NULL for no limit. Taken by a conditional UPDATE (stock > 0) on this row, so concurrent redemptions
  -- queue on the row lock and never take more than there is. A virtual reward's stock is its unused codes.
  stock bigint CHECK (stock >= 0),
  -- Live redemptions (cancelled ones are given back).
  redeemed bigint NOT NULL DEFAULT 0 CHECK (redeemed >= 0),
  per_member_limit int CHECK (per_member_limit > 0),
  period_limit int CHECK (period_limit > 0),
  limit_period text CHECK (limit_period IN ('day', 'week', 'month')),
  -- The lowest tier that may redeem. Tiers are deleted only when nobody holds them; the restriction then lapses.
  min_tier_id uuid,
  visible_from timestamptz,
  visible_until timestamptz,
  sort int NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  CHECK ((kind = 'coupon') = (coupon_template_id IS NOT NULL)),
  CHECK (kind <> 'virtual' OR stock IS NOT NULL),
  CHECK (kind = 'physical' OR cash_fen = 0),
  CHECK ((period_limit IS NULL) = (limit_period IS NULL)),
  CHECK (visible_from IS NULL OR visible_until IS NULL OR visible_until > visible_from),
  FOREIGN KEY (workspace_id, coupon_template_id) REFERENCES coupon_templates (workspace_id, id),
  FOREIGN KEY (workspace_id, min_tier_id) REFERENCES tiers (workspace_id, id) ON DELETE SET NULL (min_tier_id)
);
CREATE INDEX rewards_catalogue ON rewards (workspace_id, sort, created_at);
SELECT siyu_tenant_table('rewards');

-- Codes of virtual rewards: each handed to exactly one order (the order's transaction claims it).
CREATE TABLE reward_codes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  reward_id uuid NOT NULL,
  code text NOT NULL,
  order_id uuid,
  created_at timestamptz NOT NULL,
  claimed_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, reward_id, code),
  FOREIGN KEY (workspace_id, reward_id) REFERENCES rewards (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX reward_codes_free ON reward_codes (workspace_id, reward_id, id) WHERE order_id IS NULL;
SELECT siyu_tenant_table('reward_codes');

-- A member's redemption of a reward, or a physical lottery prize to ship. The member's request id (the draw's id for
-- prizes) is the natural key: a retry finds the order it made.
CREATE TABLE reward_orders (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  reward_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  source text NOT NULL CHECK (source IN ('mall', 'lottery')),
  request_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('physical', 'virtual', 'coupon')),
  -- The reward's name when redeemed: what the member saw, whatever the catalogue says later.
  reward_name text NOT NULL,
  points bigint NOT NULL CHECK (points >= 0),
  cash_fen bigint NOT NULL DEFAULT 0 CHECK (cash_fen >= 0),
  status text NOT NULL CHECK (status IN ('awaiting_payment', 'pending', 'shipped', 'delivered', 'cancelled')),
  -- The ledger's spend (null for lottery prizes, which cost nothing here), its idempotency key (cancelling gives
  -- back what that key spent, whoever holds the points after a merge) and the cancellation.
  transaction_id bigint,
  spend_key text,
  cancel_transaction_id bigint,
  balance_after bigint NOT NULL,
  -- {name, phone, region, detail} for physical rewards; null until given (lottery prizes).
  address jsonb,
  carrier text,
  tracking_no text,
  code_id bigint,
  coupon_id uuid,
  coupon_code text,
  payment_ref text,
  pay_by timestamptz,
  cancel_reason text,
  cancelled_by text CHECK (cancelled_by IN ('member', 'staff', 'system')),
  created_at timestamptz NOT NULL,
  paid_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, customer_id, source, request_id),
  CHECK (status <> 'awaiting_payment' OR pay_by IS NOT NULL),
  FOREIGN KEY (workspace_id, reward_id) REFERENCES rewards (workspace_id, id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX reward_orders_member ON reward_orders (workspace_id, customer_id, created_at DESC, id DESC);
CREATE INDEX reward_orders_listing ON reward_orders (workspace_id, created_at DESC, id DESC);
-- Per-member limits count a member's live redemptions of a reward, over all time and since the period began.
CREATE INDEX reward_orders_limits ON reward_orders (workspace_id, reward_id, customer_id, created_at)
  WHERE status <> 'cancelled' AND source = 'mall';
-- What the unpaid-order sweep walks.
CREATE INDEX reward_orders_unpaid ON reward_orders (workspace_id, pay_by) WHERE status = 'awaiting_payment';
SELECT siyu_tenant_table('reward_orders');

CREATE TABLE lotteries (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  cost_points bigint NOT NULL CHECK (cost_points > 0),
  daily_limit int NOT NULL CHECK (daily_limit > 0),
  starts_at timestamptz,
  ends_at timestamptz,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at)
);
SELECT siyu_tenant_table('lotteries');

-- Prizes with their chance in parts per million; what the prizes leave of a million is "nothing". A prize's stock
-- is taken like a reward's (conditional UPDATE); a roll landing on a prize with none left wins nothing instead.
CREATE TABLE lottery_prizes (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  lottery_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('points', 'coupon', 'reward', 'nothing')),
  name text NOT NULL,
  image_url text,
  probability_ppm int NOT NULL CHECK (probability_ppm BETWEEN 0 AND 1000000),
  stock bigint CHECK (stock >= 0),
  won bigint NOT NULL DEFAULT 0,
  points bigint CHECK (points > 0),
  coupon_template_id uuid,
  reward_id uuid,
  sort int NOT NULL,
  -- Retired by an edit of the lottery: kept for the draws that won it, no longer drawn.
  retired_at timestamptz,
  PRIMARY KEY (workspace_id, id),
  CHECK ((kind = 'points') = (points IS NOT NULL)),
  CHECK ((kind = 'coupon') = (coupon_template_id IS NOT NULL)),
  CHECK ((kind = 'reward') = (reward_id IS NOT NULL)),
  FOREIGN KEY (workspace_id, lottery_id) REFERENCES lotteries (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, coupon_template_id) REFERENCES coupon_templates (workspace_id, id),
  FOREIGN KEY (workspace_id, reward_id) REFERENCES rewards (workspace_id, id)
);
CREATE INDEX lottery_prizes_lottery ON lottery_prizes (workspace_id, lottery_id, sort);
SELECT siyu_tenant_table('lottery_prizes');

-- Every draw: what it cost, the roll, what it won. The member's request id makes a retry find the first draw; the
-- daily limit counts a member's draws of a lottery by local day.
CREATE TABLE lottery_draws (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL,
  lottery_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  request_id text NOT NULL,
  day date NOT NULL,
  -- The member's how-many-th draw of this lottery that day (counted under the member's lock, so exact).
  nth_of_day int NOT NULL CHECK (nth_of_day > 0),
  cost bigint NOT NULL,
  -- The random number in [0, 1,000,000) that picked the outcome, kept so any draw can be checked afterwards.
  roll int NOT NULL,
  prize_id uuid,
  -- out_of_stock, or the refusal of the coupon or reward the prize would have given: the roll's prize became nothing.
  fallback text,
  points_won bigint NOT NULL DEFAULT 0,
  coupon_id uuid,
  coupon_code text,
  reward_order_id uuid,
  spend_transaction_id bigint NOT NULL,
  prize_transaction_id bigint,
  balance_after bigint NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, customer_id, request_id),
  FOREIGN KEY (workspace_id, lottery_id) REFERENCES lotteries (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX lottery_draws_daily ON lottery_draws (workspace_id, lottery_id, customer_id, day);
CREATE INDEX lottery_draws_listing ON lottery_draws (workspace_id, lottery_id, at DESC, id DESC);
SELECT siyu_tenant_table('lottery_draws');
