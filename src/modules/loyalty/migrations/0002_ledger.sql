-- The points ledger (ARCHITECTURE §9): double-entry transactions between accounts, earned points kept as lots
-- with an expiry, each member's balance cached in a row that postings lock, and the records of the causes that
-- post (orders, check-ins, interactions, tasks, redemptions). Entries are never updated or deleted.

-- Versions of a workspace's earn rules, redemption rate and expiry. The rules in force at a moment are the latest
-- version effective by then, so a change scheduled for a date takes effect on it without a job flipping anything.
CREATE TABLE points_rule_sets (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  rules jsonb NOT NULL,
  -- The day it applies from, in the workspace's time zone, and that day's midnight as an instant.
  effective_on date NOT NULL,
  effective_at timestamptz NOT NULL,
  note text,
  created_by text,
  created_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX points_rule_sets_effective ON points_rule_sets (workspace_id, effective_at)
  WHERE cancelled_at IS NULL;
SELECT siyu_tenant_table('points_rule_sets');

-- One row per member account: the cached balance (the sum of the member account's entries) and debt (minus the
-- sum of the debt account's entries). Every posting locks the rows it changes FOR UPDATE, which is what makes
-- concurrent spends of one balance queue instead of overspending. Debt is only ever owed with nothing to spend.
CREATE TABLE points_balances (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  balance bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
  debt bigint NOT NULL DEFAULT 0 CHECK (debt >= 0),
  updated_at timestamptz,
  PRIMARY KEY (workspace_id, customer_id),
  CHECK (debt = 0 OR balance = 0),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id)
);
SELECT siyu_tenant_table('points_balances');

CREATE TABLE points_transactions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  kind text NOT NULL CHECK (kind IN ('earn', 'spend', 'cancel', 'reverse', 'expire', 'adjust', 'transfer')),
  -- purchase, check_in, invite, interaction, task, manual, checkout, reward, expiry, merge …
  cause text NOT NULL,
  -- From the cause (order id, check-in date, invite id, redemption order number …): the same key posts once.
  idempotency_key text NOT NULL,
  -- The member the transaction is about (a transfer's receiving member).
  customer_id uuid NOT NULL,
  -- Points moved (positive), the change of the member's balance and debt, and both after it.
  amount bigint NOT NULL CHECK (amount > 0),
  points bigint NOT NULL,
  debt_change bigint NOT NULL DEFAULT 0,
  balance_after bigint NOT NULL,
  debt_after bigint NOT NULL,
  reason text,
  actor_type text,
  actor_id text,
  actor_name text,
  details jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idempotency_key)
);
CREATE INDEX points_transactions_customer ON points_transactions (workspace_id, customer_id, id);
-- Earn caps (per member, cause and period) and leaderboards (per period).
CREATE INDEX points_transactions_earned ON points_transactions (workspace_id, customer_id, cause, at) WHERE kind = 'earn';
CREATE INDEX points_transactions_period ON points_transactions (workspace_id, at) WHERE kind = 'earn';
SELECT siyu_tenant_table('points_transactions');

-- Earned points as lots: spent first-expiring-first, expired by transactions of their own. `remaining` always
-- equals the sum of the entries that name the lot; a spend's entries name the lots it drew from, so a cancelled
-- redemption puts its points back where they came from, with their original expiry.
CREATE TABLE points_lots (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  transaction_id bigint NOT NULL,
  cause text NOT NULL,
  points bigint NOT NULL CHECK (points > 0),
  remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
  earned_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  -- The lot this one continues (a merge moved it to the survivor, or a cancellation re-created it there).
  origin_lot_id bigint,
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, transaction_id) REFERENCES points_transactions (workspace_id, id)
);
CREATE INDEX points_lots_open ON points_lots (workspace_id, customer_id, expires_at, id) WHERE remaining > 0;
CREATE INDEX points_lots_expiring ON points_lots (workspace_id, expires_at) WHERE remaining > 0;
SELECT siyu_tenant_table('points_lots');

-- Accounts are named, not rows: `member:<customer id>` and `debt:<customer id>` per member; the system accounts
-- `earned:<cause>`, `adjustment`, `redeemed:<cause>`, `expired` and `reversed`. Each transaction's entries sum to 0.
CREATE TABLE points_entries (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  transaction_id bigint NOT NULL,
  -- The entry's place in its transaction: the key needs no sequence and keeps a transaction's entries together.
  line smallint NOT NULL,
  account text NOT NULL,
  amount bigint NOT NULL CHECK (amount <> 0),
  -- Set on member-account entries: the lot the points went into or came out of.
  lot_id bigint,
  PRIMARY KEY (workspace_id, transaction_id, line),
  FOREIGN KEY (workspace_id, transaction_id) REFERENCES points_transactions (workspace_id, id)
);
SELECT siyu_tenant_table('points_entries');

-- What each paid order earned, so refunds reverse the right share of it.
CREATE TABLE points_orders (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  order_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  -- Paid fen less refunds when the points were earned: the amount the earned points stand for.
  basis_fen bigint NOT NULL,
  multiplier_pct int NOT NULL,
  earned bigint NOT NULL,
  reversed bigint NOT NULL DEFAULT 0 CHECK (reversed >= 0 AND reversed <= earned),
  lot_id bigint,
  earned_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, order_id)
);
CREATE INDEX points_orders_customer ON points_orders (workspace_id, customer_id);
SELECT siyu_tenant_table('points_orders');

CREATE TABLE points_check_ins (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  day date NOT NULL,
  streak int NOT NULL CHECK (streak >= 1),
  points bigint NOT NULL,
  transaction_id bigint,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, customer_id, day)
);
SELECT siyu_tenant_table('points_check_ins');

-- Community interactions by their source's key, kept even when a cap left them without points so that a retry
-- is answered the same way.
CREATE TABLE points_interactions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key text NOT NULL,
  customer_id uuid NOT NULL,
  kind text NOT NULL,
  points bigint NOT NULL,
  capped boolean NOT NULL,
  transaction_id bigint,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, key)
);
CREATE INDEX points_interactions_customer ON points_interactions (workspace_id, customer_id, at);
SELECT siyu_tenant_table('points_interactions');

CREATE TABLE points_tasks (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  points bigint NOT NULL CHECK (points > 0),
  frequency text NOT NULL CHECK (frequency IN ('once', 'daily', 'repeatable')),
  starts_at timestamptz,
  ends_at timestamptz,
  archived_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
SELECT siyu_tenant_table('points_tasks');

CREATE TABLE points_task_completions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  task_id uuid NOT NULL,
  -- once: the member; daily: the member and the day; repeatable: the key the caller gave.
  key text NOT NULL,
  customer_id uuid NOT NULL,
  points bigint NOT NULL,
  capped boolean NOT NULL,
  transaction_id bigint,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, task_id, key),
  FOREIGN KEY (workspace_id, task_id) REFERENCES points_tasks (workspace_id, id)
);
SELECT siyu_tenant_table('points_task_completions');

-- Points used as cash at checkout, by the order number the POS or shop sends (the idempotency key).
CREATE TABLE points_redemptions (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  order_no text NOT NULL,
  customer_id uuid NOT NULL,
  points bigint NOT NULL CHECK (points > 0),
  value_fen bigint NOT NULL,
  order_amount_fen bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('redeemed', 'cancelled')),
  transaction_id bigint NOT NULL,
  cancel_transaction_id bigint,
  balance_after bigint NOT NULL,
  cancel_balance_after bigint,
  created_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  PRIMARY KEY (workspace_id, order_no)
);
CREATE INDEX points_redemptions_customer ON points_redemptions (workspace_id, customer_id);
SELECT siyu_tenant_table('points_redemptions');

-- One expiry reminder per member and month of expiry.
CREATE TABLE points_expiry_reminders (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  month date NOT NULL,
  points bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, customer_id, month)
);
SELECT siyu_tenant_table('points_expiry_reminders');

-- The posting primitives. They run inside the caller's transaction as the caller (row-level security applies) and
-- are the only code that writes the ledger: `points_write` writes a transaction planned elsewhere; `points_earn`,
-- `points_spend` and `points_expire_lot` plan and write the common ones. A posting is thus one round trip, and the
-- statements inside are planned once per connection, not per call: what makes 64 concurrent clients fast.

-- An instant as JSON payloads carry it (JavaScript's toISOString).
CREATE FUNCTION points_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The lots a debit of `p_need` points draws from: those in `p_prefer` first, then first-expiring-first, only as
-- many as cover the need (a running sum, so a member with hundreds of check-in lots sends back a few); lots whose
-- expiry has passed come first, flagged `due`: they are expired, never spent.
CREATE FUNCTION points_open_lots(p_workspace uuid, p_customer uuid, p_now timestamptz, p_need bigint, p_prefer bigint[])
RETURNS TABLE (id bigint, customer_id uuid, cause text, points bigint, remaining bigint, earned_at timestamptz,
               expires_at timestamptz, due boolean)
LANGUAGE sql STABLE AS $$
  SELECT l.id, l.customer_id, l.cause, l.points, l.remaining, l.earned_at, l.expires_at, l.due FROM (
    SELECT p.id, p.customer_id, p.cause, p.points, p.remaining, p.earned_at, p.expires_at, p.expires_at <= p_now AS due,
           sum(CASE WHEN p.expires_at > p_now THEN p.remaining ELSE 0 END)
             OVER (ORDER BY p.expires_at > p_now, p.id = ANY(p_prefer) DESC, p.expires_at, p.id
                   ROWS UNBOUNDED PRECEDING) AS upto
      FROM points_lots p
     WHERE p.workspace_id = p_workspace AND p.customer_id = p_customer AND p.remaining > 0
  ) l
  WHERE l.due OR l.upto - l.remaining < p_need
  ORDER BY l.due DESC, l.id = ANY(p_prefer) DESC, l.expires_at, l.id
$$;

-- Locks the balance rows of `p_customers` (created at 0 when missing) in customer-id order, so two postings that
-- lock the same pair never wait on each other crosswise; then, seeing what committed while the lock was awaited,
-- returns each member's balance, debt, membership, and the programme in force at `p_now` in the workspace's calendar.
CREATE FUNCTION points_lock(p_workspace uuid, p_customers uuid[], p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_locked int;
  v_members jsonb;
BEGIN
  PERFORM 1 FROM points_balances
    WHERE workspace_id = p_workspace AND customer_id = ANY(p_customers) ORDER BY customer_id FOR UPDATE;
  GET DIAGNOSTICS v_locked = ROW_COUNT;
  IF v_locked < cardinality(p_customers) THEN
    INSERT INTO points_balances (workspace_id, customer_id)
      SELECT p_workspace, unnest(p_customers) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM points_balances
      WHERE workspace_id = p_workspace AND customer_id = ANY(p_customers) ORDER BY customer_id FOR UPDATE;
  END IF;
  SELECT jsonb_agg(jsonb_build_object(
           'customer_id', b.customer_id, 'balance', b.balance, 'debt', b.debt, 'member_status', m.status,
           'joined_at', m.joined_at, 'invited_by', m.invited_by, 'timezone', w.timezone,
           'today', to_char((p_now AT TIME ZONE w.timezone)::date, 'YYYY-MM-DD'),
           'day_start', date_trunc('day', p_now AT TIME ZONE w.timezone) AT TIME ZONE w.timezone,
           'month_start', date_trunc('month', p_now AT TIME ZONE w.timezone) AT TIME ZONE w.timezone,
           'rules', r.rules, 'rules_since', r.effective_at))
    INTO v_members
    FROM points_balances b
    JOIN workspaces w ON w.id = b.workspace_id
    LEFT JOIN members m ON m.workspace_id = b.workspace_id AND m.customer_id = b.customer_id
    LEFT JOIN LATERAL (
      SELECT s.rules, s.effective_at FROM points_rule_sets s
       WHERE s.workspace_id = b.workspace_id AND s.cancelled_at IS NULL AND s.effective_at <= p_now
       ORDER BY s.effective_at DESC LIMIT 1) r ON true
   WHERE b.workspace_id = p_workspace AND b.customer_id = ANY(p_customers);
  RETURN coalesce(v_members, '[]');
END $$;

-- Writes one balanced transaction: its row, its entries (parallel arrays; `p_entry_new` names a new lot by its
-- position in the `p_lot_*` arrays), the lots it creates (their points are what the entries put in them; no expiry
-- given = the rolling expiry: the end of the earn day, `expiry.months` of the rules in force later, or
-- `p_default_months`), the lots and balances it changes, and its domain event in the outbox — without NOTIFY, which
-- takes a database-wide lock at commit and would make every posting wait for every other (the workers' poll picks
-- the event up). Refuses a plan that does not balance, a member entry without its lot, a lot of another member, a
-- balance row that is missing; the tables' checks refuse anything negative. Returns the transaction, the ids of the
-- new lots and the balance and debt of every member it touched.
CREATE FUNCTION points_write(
  p_workspace uuid, p_kind text, p_cause text, p_key text, p_customer uuid, p_reason text, p_actor_type text,
  p_actor_id text, p_actor_name text, p_details jsonb, p_at timestamptz,
  p_accounts text[], p_amounts bigint[], p_entry_lots bigint[], p_entry_new int[],
  p_lot_customers uuid[], p_lot_causes text[], p_lot_earned timestamptz[], p_lot_expires timestamptz[],
  p_lot_origins bigint[], p_default_months int, p_event_type text, p_event_payload jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_sum bigint;
  v_amount bigint;
  v_misplaced int;
  v_points bigint;
  v_debt_change bigint;
  v_lots_named int;
  v_members int;
  v_balance bigint;
  v_debt bigint;
  v_tx bigint;
  v_lots int := coalesce(cardinality(p_lot_customers), 0);
  v_lot_ids bigint[] := '{}';
  v_tz text;
  v_months int;
  v_rows int;
  v_balances jsonb;
BEGIN
  SELECT coalesce(sum(e.amount), 0), coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0),
         count(*) FILTER (WHERE (e.account LIKE 'member:%') <> (e.lot IS NOT NULL OR e.new_lot IS NOT NULL)),
         coalesce(sum(e.amount) FILTER (WHERE e.account = 'member:' || p_customer), 0),
         coalesce(-sum(e.amount) FILTER (WHERE e.account = 'debt:' || p_customer), 0),
         count(DISTINCT e.lot),
         count(DISTINCT split_part(e.account, ':', 2)) FILTER (WHERE e.account LIKE 'member:%' OR e.account LIKE 'debt:%')
    INTO v_sum, v_amount, v_misplaced, v_points, v_debt_change, v_lots_named, v_members
    FROM unnest(p_accounts, p_amounts, p_entry_lots, p_entry_new) e(account, amount, lot, new_lot);
  IF v_sum <> 0 OR v_amount = 0 THEN
    RAISE EXCEPTION 'points_write: transaction % does not balance (sum %)', p_key, v_sum;
  END IF;
  IF v_misplaced > 0 THEN
    RAISE EXCEPTION 'points_write: transaction % has a member entry without its lot, or a lot off a member', p_key;
  END IF;
  SELECT balance + v_points, debt + v_debt_change INTO v_balance, v_debt FROM points_balances
   WHERE workspace_id = p_workspace AND customer_id = p_customer FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'points_write: % has no balance row (lock it first)', p_customer; END IF;

  INSERT INTO points_transactions (workspace_id, kind, cause, idempotency_key, customer_id, amount, points, debt_change,
                                   balance_after, debt_after, reason, actor_type, actor_id, actor_name, details, at)
  VALUES (p_workspace, p_kind, p_cause, p_key, p_customer, v_amount, v_points, v_debt_change, v_balance, v_debt,
          p_reason, p_actor_type, p_actor_id, p_actor_name, coalesce(p_details, '{}'), p_at)
  RETURNING id INTO v_tx;

  IF v_lots > 0 THEN
    SELECT w.timezone, coalesce((
             SELECT (s.rules->'expiry'->>'months')::int FROM points_rule_sets s
              WHERE s.workspace_id = p_workspace AND s.cancelled_at IS NULL AND s.effective_at <= p_at
              ORDER BY s.effective_at DESC LIMIT 1), p_default_months)
      INTO v_tz, v_months FROM workspaces w WHERE w.id = p_workspace;
    SELECT array_agg(nextval('points_lots_id_seq') ORDER BY g) INTO v_lot_ids FROM generate_series(1, v_lots) g;
    INSERT INTO points_lots (workspace_id, id, customer_id, transaction_id, cause, points, remaining, earned_at,
                             expires_at, origin_lot_id)
    SELECT p_workspace, v_lot_ids[l.n], l.customer_id, v_tx, l.cause, s.points, s.points, coalesce(l.earned_at, p_at),
           coalesce(l.expires_at,
                    ((((coalesce(l.earned_at, p_at) AT TIME ZONE v_tz)::date + make_interval(months => v_months))::date
                      + 1)::timestamp AT TIME ZONE v_tz)),
           l.origin
      FROM unnest(p_lot_customers, p_lot_causes, p_lot_earned, p_lot_expires, p_lot_origins)
           WITH ORDINALITY AS l(customer_id, cause, earned_at, expires_at, origin, n)
      JOIN (SELECT e.new_lot, sum(e.amount) AS points FROM unnest(p_amounts, p_entry_new) e(amount, new_lot)
             WHERE e.new_lot IS NOT NULL GROUP BY e.new_lot) s ON s.new_lot = l.n;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows <> v_lots THEN RAISE EXCEPTION 'points_write: transaction % puts nothing in a new lot', p_key; END IF;
  END IF;

  IF v_lots_named > 0 THEN
    UPDATE points_lots p SET remaining = p.remaining + d.delta
      FROM (SELECT e.lot, e.account, sum(e.amount) AS delta FROM unnest(p_entry_lots, p_accounts, p_amounts)
                   e(lot, account, amount) WHERE e.lot IS NOT NULL GROUP BY e.lot, e.account) d
     WHERE p.workspace_id = p_workspace AND p.id = d.lot AND d.account = 'member:' || p.customer_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows <> v_lots_named THEN RAISE EXCEPTION 'points_write: transaction % names a lot it may not', p_key; END IF;
  END IF;

  INSERT INTO points_entries (workspace_id, transaction_id, line, account, amount, lot_id)
  SELECT p_workspace, v_tx, e.line, e.account, e.amount, coalesce(e.lot, v_lot_ids[e.new_lot])
    FROM unnest(p_accounts, p_amounts, p_entry_lots, p_entry_new) WITH ORDINALITY e(account, amount, lot, new_lot, line);

  WITH changed AS (
    UPDATE points_balances b SET balance = b.balance + d.balance, debt = b.debt + d.debt, updated_at = p_at
      FROM (SELECT split_part(e.account, ':', 2)::uuid AS customer_id,
                   coalesce(sum(e.amount) FILTER (WHERE e.account LIKE 'member:%'), 0) AS balance,
                   coalesce(-sum(e.amount) FILTER (WHERE e.account LIKE 'debt:%'), 0) AS debt
              FROM unnest(p_accounts, p_amounts) e(account, amount)
             WHERE e.account LIKE 'member:%' OR e.account LIKE 'debt:%'
             GROUP BY 1) d
     WHERE b.workspace_id = p_workspace AND b.customer_id = d.customer_id
    RETURNING b.customer_id, b.balance, b.debt
  )
  SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('customer_id', customer_id, 'balance', balance,
                                                          'debt', debt)), '[]')
    INTO v_rows, v_balances FROM changed;
  IF v_rows <> v_members THEN
    RAISE EXCEPTION 'points_write: transaction % posts to a member without a balance row', p_key;
  END IF;

  IF p_event_type IS NOT NULL THEN
    INSERT INTO outbox_events (workspace_id, type, payload)
    VALUES (p_workspace, p_event_type, p_event_payload || jsonb_build_object('transactionId', v_tx, 'balance', v_balance));
  END IF;
  RETURN jsonb_build_object(
    'transaction', jsonb_build_object('id', v_tx, 'kind', p_kind, 'cause', p_cause, 'idempotency_key', p_key,
      'customer_id', p_customer, 'amount', v_amount, 'points', v_points, 'debt_change', v_debt_change,
      'balance_after', v_balance, 'debt_after', v_debt, 'reason', p_reason, 'actor_name', p_actor_name,
      'details', coalesce(p_details, '{}'), 'at', points_iso(p_at)),
    'lot_ids', to_jsonb(v_lot_ids),
    'balances', v_balances);
END $$;

-- Locks one member's balance row (creating it at 0) and returns its debt; when `p_check`, answers a posting whose
-- key was used before with that first transaction (`existing`), and refuses (`refused`) one for a customer who is
-- not an active member.
CREATE FUNCTION points_begin(p_workspace uuid, p_customer uuid, p_key text, p_check boolean, OUT debt bigint,
                             OUT answer jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
BEGIN
  SELECT b.debt INTO debt FROM points_balances b
   WHERE b.workspace_id = p_workspace AND b.customer_id = p_customer FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO points_balances (workspace_id, customer_id) VALUES (p_workspace, p_customer) ON CONFLICT DO NOTHING;
    SELECT b.debt INTO debt FROM points_balances b
     WHERE b.workspace_id = p_workspace AND b.customer_id = p_customer FOR UPDATE;
  END IF;
  IF NOT p_check THEN RETURN; END IF;
  SELECT (SELECT jsonb_build_object('existing', jsonb_build_object('id', t.id, 'kind', t.kind, 'cause', t.cause,
            'idempotency_key', t.idempotency_key, 'customer_id', t.customer_id, 'amount', t.amount,
            'points', t.points, 'debt_change', t.debt_change, 'balance_after', t.balance_after,
            'debt_after', t.debt_after, 'reason', t.reason, 'actor_name', t.actor_name, 'details', t.details,
            'at', points_iso(t.at)))
            FROM points_transactions t WHERE t.workspace_id = p_workspace AND t.idempotency_key = p_key),
         (SELECT m.status FROM members m WHERE m.workspace_id = p_workspace AND m.customer_id = p_customer)
    INTO answer, v_status;
  IF answer IS NOT NULL THEN RETURN; END IF;
  IF v_status IS NULL THEN
    answer := jsonb_build_object('refused', 'points.not_a_member');
  ELSIF v_status <> 'active' THEN
    answer := jsonb_build_object('refused', 'points.member_inactive', 'status', v_status);
  END IF;
END $$;

-- Expires what is left of a lot whose last day has passed: its points leave the member for `expired`.
CREATE FUNCTION points_expire_lot(p_workspace uuid, p_lot bigint, p_at timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  l points_lots%ROWTYPE;
BEGIN
  SELECT * INTO l FROM points_lots WHERE workspace_id = p_workspace AND id = p_lot;
  IF NOT FOUND OR l.remaining = 0 THEN RETURN NULL; END IF;
  RETURN points_write(p_workspace, 'expire', 'expiry', 'expire:' || l.id, l.customer_id, NULL, NULL, NULL, NULL,
    jsonb_build_object('lotId', l.id, 'expiresAt', points_iso(l.expires_at), 'earnedAt', points_iso(l.earned_at)), p_at,
    ARRAY['member:' || l.customer_id, 'expired'], ARRAY[-l.remaining, l.remaining], ARRAY[l.id, NULL],
    ARRAY[NULL, NULL]::int[], '{}', '{}', '{}', '{}', '{}', NULL, 'points.expired',
    jsonb_build_object('customerId', l.customer_id, 'points', l.remaining, 'lotId', l.id,
                       'expiresAt', points_iso(l.expires_at)));
END $$;

-- Credits points to a member from `earned:<cause>` (or `adjustment` for a manual addition): a debt is paid off
-- first, the rest becomes a lot with the rolling expiry. With `p_check`, see points_begin.
CREATE FUNCTION points_earn(
  p_workspace uuid, p_customer uuid, p_points bigint, p_kind text, p_cause text, p_key text, p_at timestamptz,
  p_reason text, p_actor_type text, p_actor_id text, p_actor_name text, p_details jsonb, p_default_months int,
  p_check boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_debt bigint;
  v_answer jsonb;
  v_pay bigint;
  v_accounts text[];
  v_amounts bigint[];
  v_lots bigint[] := ARRAY[NULL]::bigint[];
  v_new int[] := ARRAY[NULL]::int[];
  v_lot_customers uuid[] := '{}';
BEGIN
  SELECT b.debt, b.answer INTO v_debt, v_answer FROM points_begin(p_workspace, p_customer, p_key, p_check) b;
  IF v_answer IS NOT NULL THEN RETURN v_answer; END IF;
  v_pay := least(v_debt, p_points);
  v_accounts := ARRAY[CASE WHEN p_kind = 'adjust' THEN 'adjustment' ELSE 'earned:' || p_cause END];
  v_amounts := ARRAY[-p_points];
  IF v_pay > 0 THEN
    v_accounts := v_accounts || ('debt:' || p_customer);
    v_amounts := v_amounts || v_pay;
    v_lots := v_lots || NULL::bigint;
    v_new := v_new || NULL::int;
  END IF;
  IF p_points > v_pay THEN
    v_accounts := v_accounts || ('member:' || p_customer);
    v_amounts := v_amounts || (p_points - v_pay);
    v_lots := v_lots || NULL::bigint;
    v_new := v_new || 1;
    v_lot_customers := ARRAY[p_customer];
  END IF;
  RETURN jsonb_build_object('posted', points_write(p_workspace, p_kind, p_cause, p_key, p_customer, p_reason,
    p_actor_type, p_actor_id, p_actor_name, p_details, p_at, v_accounts, v_amounts, v_lots, v_new,
    v_lot_customers, CASE WHEN cardinality(v_lot_customers) > 0 THEN ARRAY[p_cause] ELSE '{}' END,
    CASE WHEN cardinality(v_lot_customers) > 0 THEN ARRAY[NULL::timestamptz] ELSE '{}' END,
    CASE WHEN cardinality(v_lot_customers) > 0 THEN ARRAY[NULL::timestamptz] ELSE '{}' END,
    CASE WHEN cardinality(v_lot_customers) > 0 THEN ARRAY[NULL::bigint] ELSE '{}' END,
    p_default_months, CASE WHEN p_kind = 'adjust' THEN 'points.adjusted' ELSE 'points.earned' END,
    jsonb_build_object('customerId', p_customer, 'points', p_points, 'cause', p_cause)
      || CASE WHEN v_pay > 0 THEN jsonb_build_object('debtPaid', v_pay) ELSE '{}' END));
END $$;

-- Debits points first-expiring-first into `redeemed:<cause>` (or `adjustment` for a manual deduction), expiring on
-- the way the lots whose day has passed; refuses (`refused`, with the points there are) more than the member has —
-- the caller then rolls back, expiries included. With `p_check`, see points_begin.
CREATE FUNCTION points_spend(
  p_workspace uuid, p_customer uuid, p_points bigint, p_kind text, p_cause text, p_key text, p_at timestamptz,
  p_reason text, p_actor_type text, p_actor_id text, p_actor_name text, p_details jsonb, p_check boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_answer jsonb;
  r record;
  v_left bigint := p_points;
  v_available bigint := 0;
  v_accounts text[] := '{}';
  v_amounts bigint[] := '{}';
  v_lots bigint[] := '{}';
  v_new int[] := '{}';
BEGIN
  SELECT b.answer INTO v_answer FROM points_begin(p_workspace, p_customer, p_key, p_check) b;
  IF v_answer IS NOT NULL THEN RETURN v_answer; END IF;
  FOR r IN SELECT * FROM points_open_lots(p_workspace, p_customer, p_at, p_points, '{}') LOOP
    IF r.due THEN
      PERFORM points_expire_lot(p_workspace, r.id, p_at);
      CONTINUE;
    END IF;
    v_available := v_available + r.remaining;
    IF v_left > 0 THEN
      v_accounts := v_accounts || ('member:' || p_customer);
      v_amounts := v_amounts || -least(v_left, r.remaining);
      v_lots := v_lots || r.id;
      v_new := v_new || NULL::int;
      v_left := v_left - least(v_left, r.remaining);
    END IF;
  END LOOP;
  IF v_left > 0 THEN
    RETURN jsonb_build_object('refused', 'points.insufficient_balance', 'balance', v_available, 'points', p_points);
  END IF;
  v_accounts := v_accounts || CASE WHEN p_kind = 'adjust' THEN 'adjustment' ELSE 'redeemed:' || p_cause END;
  v_amounts := v_amounts || p_points;
  v_lots := v_lots || NULL::bigint;
  v_new := v_new || NULL::int;
  RETURN jsonb_build_object('posted', points_write(p_workspace, p_kind, p_cause, p_key, p_customer, p_reason,
    p_actor_type, p_actor_id, p_actor_name, p_details, p_at, v_accounts, v_amounts, v_lots, v_new,
    '{}', '{}', '{}', '{}', '{}', NULL, CASE WHEN p_kind = 'adjust' THEN 'points.adjusted' ELSE 'points.spent' END,
    jsonb_build_object('customerId', p_customer, 'points', -p_points, 'cause', p_cause)));
END $$;
