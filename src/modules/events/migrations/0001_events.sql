-- Behaviour events (Segment-style track/identify/page/screen) and orders with their items.
-- Events are append-only; each messageId is accepted once per workspace.
CREATE TABLE events (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id bigserial,
  customer_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('track', 'identify', 'page', 'screen')),
  name text NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}',
  channel text,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  message_id text NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX events_message ON events (workspace_id, message_id);
CREATE INDEX events_customer_time ON events (workspace_id, customer_id, occurred_at DESC);
CREATE INDEX events_name_time ON events (workspace_id, name, occurred_at);
SELECT siyu_tenant_table('events');

CREATE TABLE orders (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  order_no text NOT NULL,
  customer_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'partially_refunded', 'refunded', 'cancelled')),
  total_fen bigint NOT NULL CHECK (total_fen >= 0),
  paid_fen bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
  refunded_fen bigint NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
  store text,
  channel text,
  placed_at timestamptz NOT NULL,
  paid_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, order_no)
);
CREATE INDEX orders_customer_time ON orders (workspace_id, customer_id, placed_at DESC);
CREATE INDEX orders_time ON orders (workspace_id, placed_at);
SELECT siyu_tenant_table('orders');

CREATE TABLE order_items (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  order_id uuid NOT NULL,
  line int NOT NULL,
  sku text NOT NULL,
  name text NOT NULL,
  category text,
  quantity int NOT NULL CHECK (quantity > 0),
  unit_price_fen bigint NOT NULL CHECK (unit_price_fen >= 0),
  PRIMARY KEY (workspace_id, order_id, line),
  FOREIGN KEY (workspace_id, order_id) REFERENCES orders (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX order_items_category ON order_items (workspace_id, category);
SELECT siyu_tenant_table('order_items');
