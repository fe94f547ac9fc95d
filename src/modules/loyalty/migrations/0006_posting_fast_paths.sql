-- The common postings in as few statements as PostgreSQL can run them. A posting through `points_write` ran about
-- fifteen statements (each planned or revalidated, with its executor set up and torn down: most of a posting's
-- CPU), so 64 clients on two cores reached ~1,000 postings/s. An earning by a member without debt, and a spend
-- from lots none of which is due, are now two or three statements: the lock, for a spend the checks after it, and
-- one statement whose data-modifying CTEs write the transaction, its lot or lot changes, entries, balance and event
-- together. Anything else (a debt to pay off, lots to expire on the way) takes the general path of 0002_ledger.sql
-- unchanged, so the rules live in one place and the fast paths only skip work that does not apply.

-- points_iso was declared IMMUTABLE over to_char, which is only STABLE: PostgreSQL then refuses to inline it and
-- parses and plans its body on every call. Declared as what it is, it is inlined like an expression.
ALTER FUNCTION points_iso(timestamptz) STABLE;

-- The posting functions of 0002_ledger.sql stay as they are, renamed: the general paths the fast ones hand over to.
ALTER FUNCTION points_earn(uuid, uuid, bigint, text, text, text, timestamptz, text, text, text, text, jsonb, int, boolean)
  RENAME TO points_earn_general;
ALTER FUNCTION points_spend(uuid, uuid, bigint, text, text, text, timestamptz, text, text, text, text, jsonb, boolean)
  RENAME TO points_spend_general;

-- A posting whose key was used before, as `points_earn`/`points_spend` answer it (`existing`); null when unused.
-- PL/pgSQL, not SQL: a SQL function with a FROM clause is never inlined and would be parsed and planned per call.
CREATE FUNCTION points_existing(p_workspace uuid, p_key text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT jsonb_build_object('existing', jsonb_build_object('id', t.id, 'kind', t.kind, 'cause', t.cause,
            'idempotency_key', t.idempotency_key, 'customer_id', t.customer_id, 'amount', t.amount,
            'points', t.points, 'debt_change', t.debt_change, 'balance_after', t.balance_after,
            'debt_after', t.debt_after, 'reason', t.reason, 'actor_name', t.actor_name, 'details', t.details,
            'at', points_iso(t.at)))
    FROM points_transactions t WHERE t.workspace_id = p_workspace AND t.idempotency_key = p_key);
END $$;

-- Locks a member's balance row (creating it at 0) and reads its balance, debt and membership status in one
-- statement. The status may be read from before the lock was granted: membership is not serialised by this lock.
CREATE FUNCTION points_hold(p_workspace uuid, p_customer uuid, OUT balance bigint, OUT debt bigint, OUT status text)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT b.balance, b.debt, m.status INTO balance, debt, status
    FROM points_balances b
    LEFT JOIN members m ON m.workspace_id = b.workspace_id AND m.customer_id = b.customer_id
   WHERE b.workspace_id = p_workspace AND b.customer_id = p_customer FOR UPDATE OF b;
  IF NOT FOUND THEN
    INSERT INTO points_balances (workspace_id, customer_id) VALUES (p_workspace, p_customer) ON CONFLICT DO NOTHING;
    SELECT b.balance, b.debt, m.status INTO balance, debt, status
      FROM points_balances b
      LEFT JOIN members m ON m.workspace_id = b.workspace_id AND m.customer_id = b.customer_id
     WHERE b.workspace_id = p_workspace AND b.customer_id = p_customer FOR UPDATE OF b;
  END IF;
END $$;

-- The transaction as the posting functions answer it.
CREATE FUNCTION points_posted_json(p_id bigint, p_kind text, p_cause text, p_key text, p_customer uuid,
  p_amount bigint, p_points bigint, p_balance bigint, p_debt bigint, p_reason text, p_actor_name text,
  p_details jsonb, p_at timestamptz, p_lot_ids bigint[])
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('posted', jsonb_build_object(
    'transaction', jsonb_build_object('id', p_id, 'kind', p_kind, 'cause', p_cause, 'idempotency_key', p_key,
      'customer_id', p_customer, 'amount', p_amount, 'points', p_points, 'debt_change', 0,
      'balance_after', p_balance, 'debt_after', p_debt, 'reason', p_reason, 'actor_name', p_actor_name,
      'details', coalesce(p_details, '{}'), 'at', points_iso(p_at)),
    'lot_ids', to_jsonb(p_lot_ids),
    'balances', jsonb_build_array(jsonb_build_object('customer_id', p_customer, 'balance', p_balance,
                                                     'debt', p_debt))))
$$;

-- Credits points: see 0002_ledger.sql. Fast path when the member owes nothing: lock, then one write.
CREATE FUNCTION points_earn(
  p_workspace uuid, p_customer uuid, p_points bigint, p_kind text, p_cause text, p_key text, p_at timestamptz,
  p_reason text, p_actor_type text, p_actor_id text, p_actor_name text, p_details jsonb, p_default_months int,
  p_check boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_balance bigint;
  v_debt bigint;
  v_status text;
  v_answer jsonb;
  v_tx bigint;
  v_lot bigint;
BEGIN
  SELECT h.balance, h.debt, h.status INTO v_balance, v_debt, v_status FROM points_hold(p_workspace, p_customer) h;
  IF p_check AND v_status IS DISTINCT FROM 'active' THEN
    v_answer := points_existing(p_workspace, p_key);
    IF v_answer IS NOT NULL THEN RETURN v_answer; END IF;
    IF v_status IS NULL THEN RETURN jsonb_build_object('refused', 'points.not_a_member'); END IF;
    RETURN jsonb_build_object('refused', 'points.member_inactive', 'status', v_status);
  END IF;

  IF v_debt = 0 THEN
    -- The key is claimed by the insert itself: a key used before inserts nothing, so nothing else is written.
    WITH t AS (
      INSERT INTO points_transactions (workspace_id, kind, cause, idempotency_key, customer_id, amount, points,
                                       balance_after, debt_after, reason, actor_type, actor_id, actor_name, details, at)
      VALUES (p_workspace, p_kind, p_cause, p_key, p_customer, p_points, p_points, v_balance + p_points, 0, p_reason,
              p_actor_type, p_actor_id, p_actor_name, coalesce(p_details, '{}'), p_at)
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING id
    ), l AS (
      INSERT INTO points_lots (workspace_id, customer_id, transaction_id, cause, points, remaining, earned_at,
                               expires_at)
      SELECT p_workspace, p_customer, t.id, p_cause, p_points, p_points, p_at,
             ((((p_at AT TIME ZONE w.timezone)::date + make_interval(months => coalesce((
                 SELECT (s.rules->'expiry'->>'months')::int FROM points_rule_sets s
                  WHERE s.workspace_id = p_workspace AND s.cancelled_at IS NULL AND s.effective_at <= p_at
                  ORDER BY s.effective_at DESC LIMIT 1), p_default_months)))::date + 1)::timestamp
               AT TIME ZONE w.timezone)
        FROM t, workspaces w WHERE w.id = p_workspace
      RETURNING id, transaction_id
    ), e AS (
      INSERT INTO points_entries (workspace_id, transaction_id, line, account, amount, lot_id)
      SELECT p_workspace, l.transaction_id, x.line, x.account, x.amount, x.lot
        FROM l, LATERAL (VALUES (1::smallint, CASE WHEN p_kind = 'adjust' THEN 'adjustment' ELSE 'earned:' || p_cause END,
                                 -p_points, NULL::bigint),
                                (2::smallint, 'member:' || p_customer, p_points, l.id)) x(line, account, amount, lot)
    ), b AS (
      UPDATE points_balances SET balance = balance + p_points, updated_at = p_at
       WHERE workspace_id = p_workspace AND customer_id = p_customer AND EXISTS (SELECT 1 FROM t)
    ), o AS (
      INSERT INTO outbox_events (workspace_id, type, payload)
      SELECT p_workspace, CASE WHEN p_kind = 'adjust' THEN 'points.adjusted' ELSE 'points.earned' END,
             jsonb_build_object('customerId', p_customer, 'points', p_points, 'cause', p_cause, 'transactionId', t.id,
                                'balance', v_balance + p_points)
        FROM t
    )
    SELECT t.id, l.id INTO v_tx, v_lot FROM t JOIN l ON l.transaction_id = t.id;
    IF v_tx IS NOT NULL THEN
      RETURN points_posted_json(v_tx, p_kind, p_cause, p_key, p_customer, p_points, p_points, v_balance + p_points,
                                0, p_reason, p_actor_name, p_details, p_at, ARRAY[v_lot]);
    END IF;
    v_answer := points_existing(p_workspace, p_key);
    IF p_check AND v_answer IS NOT NULL THEN RETURN v_answer; END IF;
    RAISE unique_violation USING MESSAGE = format('points_earn: key %s was used before', p_key);
  END IF;

  -- A debt to pay off first: the general path.
  RETURN points_earn_general(p_workspace, p_customer, p_points, p_kind, p_cause, p_key, p_at, p_reason, p_actor_type,
                             p_actor_id, p_actor_name, p_details, p_default_months, p_check);
END $$;

-- Debits points: see 0002_ledger.sql. Fast path when none of the lots drawn is due: lock, checks and the lots to
-- draw from, then one write. Lots to expire on the way take the general path.
CREATE FUNCTION points_spend(
  p_workspace uuid, p_customer uuid, p_points bigint, p_kind text, p_cause text, p_key text, p_at timestamptz,
  p_reason text, p_actor_type text, p_actor_id text, p_actor_name text, p_details jsonb, p_check boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_balance bigint;
  v_debt bigint;
  v_status text;
  v_answer jsonb;
  v_due boolean;
  v_lot_ids bigint[];
  v_takes bigint[];
  v_available bigint;
  v_tx bigint;
  v_drawn int;
BEGIN
  SELECT h.balance, h.debt, h.status INTO v_balance, v_debt, v_status FROM points_hold(p_workspace, p_customer) h;
  -- After the lock: what committed while it was awaited is seen here (a retry of this very spend, its lots).
  SELECT CASE WHEN p_check THEN points_existing(p_workspace, p_key) END, bool_or(o.due),
         array_agg(o.id ORDER BY o.n) FILTER (WHERE NOT o.due),
         array_agg(least(o.remaining, p_points - o.before) ORDER BY o.n) FILTER (WHERE NOT o.due),
         coalesce(sum(o.remaining) FILTER (WHERE NOT o.due), 0)
    INTO v_answer, v_due, v_lot_ids, v_takes, v_available
    FROM (SELECT ol.id, ol.due, ol.remaining, row_number() OVER w AS n,
                 coalesce(sum(ol.remaining) FILTER (WHERE NOT ol.due)
                            OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
            FROM points_open_lots(p_workspace, p_customer, p_at, p_points, '{}') ol
          WINDOW w AS (ORDER BY ol.due DESC, ol.expires_at, ol.id)) o;
  IF v_answer IS NOT NULL THEN RETURN v_answer; END IF;
  IF p_check AND v_status IS NULL THEN RETURN jsonb_build_object('refused', 'points.not_a_member'); END IF;
  IF p_check AND v_status <> 'active' THEN
    RETURN jsonb_build_object('refused', 'points.member_inactive', 'status', v_status);
  END IF;

  IF NOT coalesce(v_due, false) THEN
    IF v_available < p_points THEN
      RETURN jsonb_build_object('refused', 'points.insufficient_balance', 'balance', v_available, 'points', p_points);
    END IF;
    WITH t AS (
      INSERT INTO points_transactions (workspace_id, kind, cause, idempotency_key, customer_id, amount, points,
                                       balance_after, debt_after, reason, actor_type, actor_id, actor_name, details, at)
      VALUES (p_workspace, p_kind, p_cause, p_key, p_customer, p_points, -p_points, v_balance - p_points, v_debt,
              p_reason, p_actor_type, p_actor_id, p_actor_name, coalesce(p_details, '{}'), p_at)
      RETURNING id
    ), u AS (
      UPDATE points_lots p SET remaining = p.remaining - x.take
        FROM unnest(v_lot_ids, v_takes) x(id, take)
       WHERE p.workspace_id = p_workspace AND p.id = x.id AND p.customer_id = p_customer
      RETURNING p.id
    ), e AS (
      INSERT INTO points_entries (workspace_id, transaction_id, line, account, amount, lot_id)
      SELECT p_workspace, t.id, x.line, 'member:' || p_customer, -x.take, x.id
        FROM t, unnest(v_lot_ids, v_takes) WITH ORDINALITY x(id, take, line)
      UNION ALL
      SELECT p_workspace, t.id, cardinality(v_lot_ids) + 1,
             CASE WHEN p_kind = 'adjust' THEN 'adjustment' ELSE 'redeemed:' || p_cause END, p_points, NULL
        FROM t
    ), b AS (
      UPDATE points_balances SET balance = balance - p_points, updated_at = p_at
       WHERE workspace_id = p_workspace AND customer_id = p_customer
    ), o AS (
      INSERT INTO outbox_events (workspace_id, type, payload)
      SELECT p_workspace, CASE WHEN p_kind = 'adjust' THEN 'points.adjusted' ELSE 'points.spent' END,
             jsonb_build_object('customerId', p_customer, 'points', -p_points, 'cause', p_cause, 'transactionId', t.id,
                                'balance', v_balance - p_points)
        FROM t
    )
    SELECT t.id, (SELECT count(*) FROM u) INTO v_tx, v_drawn FROM t;
    IF v_drawn <> cardinality(v_lot_ids) THEN
      RAISE EXCEPTION 'points_spend: transaction % drew from a lot it may not', p_key;
    END IF;
    RETURN points_posted_json(v_tx, p_kind, p_cause, p_key, p_customer, p_points, -p_points, v_balance - p_points,
                              v_debt, p_reason, p_actor_name, p_details, p_at, '{}');
  END IF;

  -- Lots to expire on the way: the general path (each due lot expired by a transaction of its own, then the draw).
  RETURN points_spend_general(p_workspace, p_customer, p_points, p_kind, p_cause, p_key, p_at, p_reason, p_actor_type,
                              p_actor_id, p_actor_name, p_details, p_check);
END $$;
