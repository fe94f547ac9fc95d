-- The foreign-key checks of points_entries and points_lots look a transaction up by (workspace_id, id). PostgreSQL
-- plans such a check once per connection and keeps the plan: planned while points_transactions was small, any index
-- that leads with workspace_id cost the same as the primary key, the planner took points_transactions_customer, and
-- from then on every check scanned the whole workspace's part of that index — postings slowed as the ledger grew
-- (64 clients: ~340 postings/s and falling, on a database without fresh statistics). The other indexes now lead with
-- the column they select by (customer ids and idempotency keys are selective by themselves), so the primary key is
-- the only index such a check can use. `ledger.plans.test.ts` keeps the
-- posting path's foreign keys that way.
DROP INDEX points_transactions_customer;
CREATE INDEX points_transactions_customer ON points_transactions (customer_id, id);
ALTER TABLE points_transactions DROP CONSTRAINT points_transactions_workspace_id_idempotency_key_key;
ALTER TABLE points_transactions ADD CONSTRAINT points_transactions_idempotency_key UNIQUE (idempotency_key, workspace_id);

-- The posting functions' statements are planned once per connection and the plan kept (generic plans): PostgreSQL
-- otherwise re-plans a statement on every call whenever parameters folded into constants make that plan look
-- cheaper, which its CTEs always do — planning was the largest part of a posting's CPU. The plans depend on
-- nothing but the primary keys and the member's open lots, the same whatever the parameters.
ALTER FUNCTION points_earn(uuid, uuid, bigint, text, text, text, timestamptz, text, text, text, text, jsonb, int, boolean)
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION points_spend(uuid, uuid, bigint, text, text, text, timestamptz, text, text, text, text, jsonb, boolean)
  SET plan_cache_mode = force_generic_plan;
