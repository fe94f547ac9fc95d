-- Computed traits per customer, kept current from events and orders and recomputed nightly.
CREATE TABLE customer_traits (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  order_count int NOT NULL DEFAULT 0,
  spend_fen bigint NOT NULL DEFAULT 0,
  first_order_at timestamptz,
  last_order_at timestamptz,
  -- The RFM inputs of the last 365 days, kept so the console can explain the scores.
  frequency_365 int NOT NULL DEFAULT 0,
  monetary_365_fen bigint NOT NULL DEFAULT 0,
  recency_score smallint CHECK (recency_score BETWEEN 1 AND 5),
  frequency_score smallint CHECK (frequency_score BETWEEN 1 AND 5),
  monetary_score smallint CHECK (monetary_score BETWEEN 1 AND 5),
  rfm_group text,
  lifecycle_stage text CHECK (lifecycle_stage IN ('introduction', 'growth', 'stable', 'decline', 'churned')),
  clv_historic_fen bigint NOT NULL DEFAULT 0,
  clv_predicted_fen bigint NOT NULL DEFAULT 0,
  -- How the prediction was made: model, expected orders, expected order value, probability still active.
  clv_detail jsonb NOT NULL DEFAULT '{}',
  churn_risk smallint CHECK (churn_risk BETWEEN 0 AND 100),
  churn_factors jsonb NOT NULL DEFAULT '[]',
  preferred_channel text,
  active_hour smallint CHECK (active_hour BETWEEN 0 AND 23),
  -- When the values last changed (a recompute that changes nothing leaves the row alone).
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id),
  FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_traits_lifecycle ON customer_traits (workspace_id, lifecycle_stage);
CREATE INDEX customer_traits_rfm ON customer_traits (workspace_id, rfm_group);
SELECT siyu_tenant_table('customer_traits');

-- Per workspace settings: lifecycle thresholds and RFM quintile cut points from the last full recompute.
CREATE TABLE trait_settings (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  lifecycle jsonb NOT NULL DEFAULT '{}',
  rfm_cuts jsonb NOT NULL DEFAULT '{}',
  clv_model jsonb NOT NULL DEFAULT '{}',
  recomputed_at timestamptz
);
SELECT siyu_tenant_table('trait_settings');
