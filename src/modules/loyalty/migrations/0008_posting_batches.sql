-- Group commit of postings (posting-batches.ts): concurrent earnings and spends of one workspace, each for a
-- different member and under a different key, posted by one transaction in two calls instead of one transaction
-- each. A posting's CPU is mostly the set-up of its statements (executor start, constraint and index set-up, the
-- transaction's own statements and commit), not its rows; written as sets, a batch of 50 pays it once. The rules are
-- those of the fast paths of 0006_posting_fast_paths.sql, and whatever they hand to the general path (an earning that
-- pays off a debt, a spend that would draw from a lot whose day has passed) is posted in the same transaction by
-- `points_earn`/`points_spend` themselves.

-- Locks the batch's members' balance rows in customer-id order (creating them at 0 for active members), then —
-- seeing what committed while the locks were awaited — reads what planning the batch needs: each member's balance,
-- debt, membership status and whether the profile was merged away; the transactions already posted under the
-- batch's keys (as `points_existing` answers them); and, for each spend, the open lots `points_spend` would look at
-- (`points_open_lots`: due lots first, then first-expiring-first up to the points needed).
CREATE FUNCTION points_batch_hold(p_workspace uuid, p_customers uuid[], p_keys text[], p_spenders uuid[],
                                  p_needs bigint[], p_spend_at timestamptz[])
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_locked int;
BEGIN
  PERFORM 1 FROM points_balances
    WHERE workspace_id = p_workspace AND customer_id = ANY(p_customers) ORDER BY customer_id FOR UPDATE;
  GET DIAGNOSTICS v_locked = ROW_COUNT;
  IF v_locked < cardinality(p_customers) THEN
    -- Only for active members: a posting for anyone else is refused or posted alone, and leaves nothing behind.
    INSERT INTO points_balances (workspace_id, customer_id)
      SELECT p_workspace, m.customer_id FROM members m
       WHERE m.workspace_id = p_workspace AND m.customer_id = ANY(p_customers) AND m.status = 'active'
       ORDER BY m.customer_id ON CONFLICT DO NOTHING;
    PERFORM 1 FROM points_balances
      WHERE workspace_id = p_workspace AND customer_id = ANY(p_customers) ORDER BY customer_id FOR UPDATE;
  END IF;
  RETURN jsonb_build_object(
    'members', (SELECT coalesce(jsonb_agg(jsonb_build_array(b.customer_id, b.balance, b.debt, m.status,
                                                            c.merged_into IS NOT NULL)), '[]')
                  FROM points_balances b
                  JOIN customers c ON c.workspace_id = b.workspace_id AND c.id = b.customer_id
                  LEFT JOIN members m ON m.workspace_id = b.workspace_id AND m.customer_id = b.customer_id
                 WHERE b.workspace_id = p_workspace AND b.customer_id = ANY(p_customers)),
    'existing', (SELECT coalesce(jsonb_agg(points_existing(p_workspace, t.idempotency_key)->'existing'), '[]')
                   FROM points_transactions t
                  WHERE t.workspace_id = p_workspace AND t.idempotency_key = ANY(p_keys)),
    'lots', (SELECT coalesce(jsonb_agg(jsonb_build_array(s.customer, ol.id, ol.remaining, ol.due)
                                       ORDER BY s.n, ol.n), '[]')
               FROM unnest(p_spenders, p_needs, p_spend_at) WITH ORDINALITY s(customer, need, at, n),
                    LATERAL points_open_lots(p_workspace, s.customer, s.at, s.need, '{}')
                      WITH ORDINALITY ol(id, customer_id, cause, points, remaining, earned_at, expires_at, due, n)));
END $$;

-- Writes a planned batch: per posting its transaction and, for an earning, its lot, or for a spend the draws from
-- its lots (`p_draw_*`: the posting's 1-based place in the batch, the lot, the points), with the entries
-- `points_earn`/`points_spend` write, the balances after (`p_balances`: the member's balance after the posting,
-- computed under the locks of `points_batch_hold`) and one domain event each. Answers [place, transaction id, lot id]
-- per posting and how many lots were drawn from, which must be every lot planned. PL/pgSQL so that the statement's
-- plan is made once per connection and kept, as for the posting functions.
CREATE FUNCTION points_batch_write(
  p_workspace uuid, p_kinds text[], p_causes text[], p_keys text[], p_customers uuid[], p_amounts bigint[],
  p_balances bigint[], p_debts bigint[], p_actor_types text[], p_actor_ids text[], p_actor_names text[],
  p_details jsonb[], p_at timestamptz[], p_draw_postings int[], p_draw_lots bigint[], p_draw_points bigint[],
  p_default_months int)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_answer jsonb;
BEGIN
  WITH p AS (
    SELECT * FROM unnest(p_kinds, p_causes, p_keys, p_customers, p_amounts, p_balances, p_debts, p_actor_types,
                         p_actor_ids, p_actor_names, p_details, p_at)
           WITH ORDINALITY p(kind, cause, key, customer, amount, balance, debt, actor_type, actor_id, actor_name,
                             details, at, n)
  ), d AS (
    SELECT x.posting, x.lot, x.points, row_number() OVER (PARTITION BY x.posting ORDER BY x.n) AS line
      FROM unnest(p_draw_postings, p_draw_lots, p_draw_points) WITH ORDINALITY x(posting, lot, points, n)
  ), t AS (
    INSERT INTO points_transactions (workspace_id, kind, cause, idempotency_key, customer_id, amount, points,
                                     balance_after, debt_after, actor_type, actor_id, actor_name, details, at)
    SELECT p_workspace, p.kind, p.cause, p.key, p.customer, p.amount,
           CASE WHEN p.kind = 'earn' THEN p.amount ELSE -p.amount END, p.balance, p.debt, p.actor_type, p.actor_id,
           p.actor_name, coalesce(p.details, '{}'), p.at
      FROM p ORDER BY p.n
    RETURNING id, idempotency_key
  ), tp AS (
    SELECT t.id, p.* FROM t JOIN p ON p.key = t.idempotency_key
  ), l AS (
    INSERT INTO points_lots (workspace_id, customer_id, transaction_id, cause, points, remaining, earned_at,
                             expires_at)
    SELECT p_workspace, tp.customer, tp.id, tp.cause, tp.amount, tp.amount, tp.at,
           ((((tp.at AT TIME ZONE w.timezone)::date + make_interval(months => coalesce((
               SELECT (s.rules->'expiry'->>'months')::int FROM points_rule_sets s
                WHERE s.workspace_id = p_workspace AND s.cancelled_at IS NULL AND s.effective_at <= tp.at
                ORDER BY s.effective_at DESC LIMIT 1), p_default_months)))::date + 1)::timestamp
             AT TIME ZONE w.timezone)
      FROM tp, workspaces w WHERE w.id = p_workspace AND tp.kind = 'earn'
    RETURNING id, transaction_id
  ), u AS (
    UPDATE points_lots x SET remaining = x.remaining - g.points
      FROM (SELECT d.lot, sum(d.points) AS points, min(d.posting) AS posting FROM d GROUP BY d.lot) g
      JOIN p ON p.n = g.posting
     WHERE x.workspace_id = p_workspace AND x.id = g.lot AND x.customer_id = p.customer
    RETURNING x.id
  ), e AS (
    INSERT INTO points_entries (workspace_id, transaction_id, line, account, amount, lot_id)
    SELECT p_workspace, tp.id, x.line, x.account, x.amount, x.lot
      FROM tp JOIN l ON l.transaction_id = tp.id,
           LATERAL (VALUES (1::smallint, 'earned:' || tp.cause, -tp.amount, NULL::bigint),
                           (2::smallint, 'member:' || tp.customer, tp.amount, l.id)) x(line, account, amount, lot)
    UNION ALL
    SELECT p_workspace, tp.id, d.line, 'member:' || tp.customer, -d.points, d.lot
      FROM d JOIN tp ON tp.n = d.posting
    UNION ALL
    SELECT p_workspace, tp.id, (SELECT count(*) FROM d WHERE d.posting = tp.n) + 1, 'redeemed:' || tp.cause,
           tp.amount, NULL
      FROM tp WHERE tp.kind = 'spend'
  ), b AS (
    UPDATE points_balances x SET balance = tp.balance, updated_at = tp.at
      FROM tp WHERE x.workspace_id = p_workspace AND x.customer_id = tp.customer
  ), o AS (
    INSERT INTO outbox_events (workspace_id, type, payload)
    SELECT p_workspace, CASE WHEN tp.kind = 'earn' THEN 'points.earned' ELSE 'points.spent' END,
           jsonb_build_object('customerId', tp.customer,
                              'points', CASE WHEN tp.kind = 'earn' THEN tp.amount ELSE -tp.amount END,
                              'cause', tp.cause, 'transactionId', tp.id, 'balance', tp.balance)
      FROM tp ORDER BY tp.n
  )
  SELECT jsonb_build_object(
    'postings', (SELECT coalesce(jsonb_agg(jsonb_build_array(tp.n, tp.id, l.id)), '[]')
                   FROM tp LEFT JOIN l ON l.transaction_id = tp.id),
    'drawn', (SELECT count(*) FROM u),
    'planned', (SELECT count(DISTINCT d.lot) FROM d)) INTO v_answer;
  RETURN v_answer;
END $$;
ALTER FUNCTION points_batch_write(uuid, text[], text[], text[], uuid[], bigint[], bigint[], bigint[], text[], text[],
                                  text[], jsonb[], timestamptz[], int[], bigint[], bigint[], int)
  SET plan_cache_mode = force_generic_plan;
