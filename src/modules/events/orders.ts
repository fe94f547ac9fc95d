// Orders: an idempotent upsert by order number (the same order sent twice changes nothing and announces nothing),
// items replaced as a whole, refunds never above what was paid, and reads for the console.
import type { Order, OrderBody, OrderItemInput, OrderStatus } from '../../contracts/events.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { emit } from '../../platform/jobs/index.ts';
import {
  type CustomerParticipants,
  type Identity,
  type IdentityInput,
  normalizeIdentity,
  resolveCustomer,
} from '../customers/index.ts';

/** An order as the upsert takes it: identities already normalised, money in fen, times as dates. */
export interface OrderInput {
  identities: Identity[];
  status: OrderStatus;
  totalFen: number;
  paidFen: number;
  refundedFen: number;
  store: string | null;
  channel: string | null;
  placedAt: Date;
  paidAt: Date | null;
  items: OrderItemInput[];
}

interface OrderRow {
  id: string;
  order_no: string;
  customer_id: string;
  status: OrderStatus;
  total_fen: number;
  paid_fen: number;
  refunded_fen: number;
  store: string | null;
  channel: string | null;
  placed_at: Date;
  paid_at: Date | null;
  updated_at: Date;
}
interface ItemRow {
  order_id: string;
  line: number;
  sku: string;
  name: string;
  category: string | null;
  quantity: number;
  unit_price_fen: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER_COLUMNS = `id, order_no, customer_id, status, total_fen, paid_fen, refunded_fen, store, channel, placed_at,
  paid_at, updated_at`;

/** The upsert input of an API body; paid defaults to the total once the order is paid, else to 0. */
export function orderInputOf(body: OrderBody): OrderInput {
  const inputs: IdentityInput[] = [...(body.identities ?? [])];
  if (body.userId) inputs.push({ kind: 'user_id', value: body.userId });
  if (body.anonymousId) inputs.push({ kind: 'anonymous_id', value: body.anonymousId });
  const paidByDefault = body.status === 'pending' || body.status === 'cancelled' ? 0 : body.totalFen;
  return {
    identities: inputs.map(normalizeIdentity),
    status: body.status,
    totalFen: body.totalFen,
    paidFen: body.paidFen ?? paidByDefault,
    refundedFen: body.refundedFen ?? (body.status === 'refunded' ? (body.paidFen ?? paidByDefault) : 0),
    store: body.store ?? null,
    channel: body.channel ?? null,
    placedAt: new Date(body.placedAt),
    paidAt: body.paidAt ? new Date(body.paidAt) : null,
    items: body.items,
  };
}

/** The checks that do not need the database; the import reports them per row. */
export function checkOrder(input: OrderInput): void {
  if (input.identities.length === 0) throw new AppError(400, 'order.identity_required');
  if (input.refundedFen > input.paidFen) {
    throw new AppError(422, 'order.refund_exceeds_paid', { refunded: input.refundedFen, paid: input.paidFen });
  }
  if (input.status === 'refunded' && input.refundedFen === 0) throw new AppError(422, 'order.refund_missing');
  if (input.status === 'partially_refunded' && (input.refundedFen === 0 || input.refundedFen >= input.paidFen)) {
    throw new AppError(422, 'order.partial_refund_amount');
  }
  if (Number.isNaN(input.placedAt.getTime())) throw new AppError(400, 'order.invalid_time');
}

function toOrder(row: OrderRow, items: ItemRow[]): Order {
  return {
    id: row.id,
    orderNo: row.order_no,
    customerId: row.customer_id,
    status: row.status,
    totalFen: row.total_fen,
    paidFen: row.paid_fen,
    refundedFen: row.refunded_fen,
    store: row.store,
    channel: row.channel,
    placedAt: row.placed_at.toISOString(),
    paidAt: row.paid_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
    items: items.map((i) => ({
      line: i.line,
      sku: i.sku,
      name: i.name,
      category: i.category,
      quantity: i.quantity,
      unitPriceFen: i.unit_price_fen,
    })),
  };
}

const sameItems = (a: ItemRow[], b: OrderItemInput[]) =>
  a.length === b.length &&
  a.every((x, n) => {
    const y = b[n] as OrderItemInput;
    return (
      x.sku === y.sku &&
      x.name === y.name &&
      x.category === (y.category ?? null) &&
      x.quantity === y.quantity &&
      x.unit_price_fen === y.unitPriceFen
    );
  });

const itemsOf = (q: Queryable, workspaceId: string, orderIds: string[]) =>
  q.query<ItemRow>(
    `SELECT order_id, line, sku, name, category, quantity, unit_price_fen FROM order_items
      WHERE workspace_id = $1 AND order_id = ANY($2::uuid[]) ORDER BY order_id, line`,
    [workspaceId, orderIds],
  );

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates or replaces the order `orderNo`. Sending the same order again is a no-op (no write, no event);
 * a change replaces the items and announces `order.updated`, a higher refund also `order.refunded`.
 */
export async function upsertOrder(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  orderNo: string,
  input: OrderInput,
): Promise<{ order: Order; outcome: UpsertOutcome }> {
  checkOrder(input);
  // Two first sends of one order number must not both try to insert it.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${workspaceId}:order:${orderNo}`]);
  const existing = (
    await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE workspace_id = $1 AND order_no = $2 FOR UPDATE`,
      [workspaceId, orderNo],
    )
  )[0];
  const { customerId } = await resolveCustomer(tx, participants, workspaceId, input.identities, {
    seenAt: input.placedAt,
    reason: 'order',
  });
  if (existing) {
    const items = await itemsOf(tx, workspaceId, [existing.id]);
    const same =
      existing.customer_id === customerId &&
      existing.status === input.status &&
      existing.total_fen === input.totalFen &&
      existing.paid_fen === input.paidFen &&
      existing.refunded_fen === input.refundedFen &&
      existing.store === input.store &&
      existing.channel === input.channel &&
      existing.placed_at.getTime() === input.placedAt.getTime() &&
      (existing.paid_at?.getTime() ?? null) === (input.paidAt?.getTime() ?? null) &&
      sameItems(items, input.items);
    if (same) return { order: toOrder(existing, items), outcome: 'unchanged' };
  }
  const row = (
    await tx.query<OrderRow>(
      `INSERT INTO orders (workspace_id, order_no, customer_id, status, total_fen, paid_fen, refunded_fen, store, channel,
                           placed_at, paid_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (workspace_id, order_no) DO UPDATE
          SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, total_fen = EXCLUDED.total_fen,
              paid_fen = EXCLUDED.paid_fen, refunded_fen = EXCLUDED.refunded_fen, store = EXCLUDED.store,
              channel = EXCLUDED.channel, placed_at = EXCLUDED.placed_at, paid_at = EXCLUDED.paid_at, updated_at = now()
       RETURNING ${ORDER_COLUMNS}`,
      [
        workspaceId,
        orderNo,
        customerId,
        input.status,
        input.totalFen,
        input.paidFen,
        input.refundedFen,
        input.store,
        input.channel,
        input.placedAt,
        input.paidAt,
      ],
    )
  )[0] as OrderRow;
  if (existing)
    await tx.query('DELETE FROM order_items WHERE workspace_id = $1 AND order_id = $2', [workspaceId, row.id]);
  if (input.items.length > 0) {
    await tx.query(
      `INSERT INTO order_items (workspace_id, order_id, line, sku, name, category, quantity, unit_price_fen)
       SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[])`,
      [
        workspaceId,
        row.id,
        input.items.map((_, n) => n + 1),
        input.items.map((i) => i.sku),
        input.items.map((i) => i.name),
        input.items.map((i) => i.category ?? null),
        input.items.map((i) => i.quantity),
        input.items.map((i) => i.unitPriceFen),
      ],
    );
  }
  const payload = {
    orderId: row.id,
    orderNo,
    customerId,
    status: row.status,
    totalFen: row.total_fen,
    paidFen: row.paid_fen,
    refundedFen: row.refunded_fen,
    store: row.store,
    channel: row.channel,
    placedAt: row.placed_at.toISOString(),
  };
  await emit(
    tx,
    existing ? 'order.updated' : 'order.placed',
    existing ? { ...payload, previousStatus: existing.status } : payload,
  );
  const refundedBefore = existing?.refunded_fen ?? 0;
  if (row.refunded_fen > refundedBefore) {
    await emit(tx, 'order.refunded', { ...payload, refundDeltaFen: row.refunded_fen - refundedBefore });
  }
  const items = await itemsOf(tx, workspaceId, [row.id]);
  return { order: toOrder(row, items), outcome: existing ? 'updated' : 'created' };
}

export async function getOrder(q: Queryable, workspaceId: string, id: string): Promise<Order> {
  const row = (
    await q.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ])
  )[0];
  if (!row) throw notFound('order.not_found');
  return toOrder(row, await itemsOf(q, workspaceId, [row.id]));
}

/** A customer's orders, newest first, with their items. */
export async function listCustomerOrders(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<Order>> {
  const limit = query.limit ?? 50;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 2 || Number.isNaN(Date.parse(String(key[0]))) || !UUID_RE.test(String(key[1])))) {
    throw badRequest('request.invalid_cursor');
  }
  const rows = await q.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders
      WHERE workspace_id = $1 AND customer_id = $2
        AND ($3::timestamptz IS NULL OR (placed_at, id) < ($3::timestamptz, $4::uuid))
      ORDER BY placed_at DESC, id DESC LIMIT $5`,
    [workspaceId, customerId, key ? String(key[0]) : null, key ? String(key[1]) : null, limit + 1],
  );
  const items = await itemsOf(
    q,
    workspaceId,
    rows.map((r) => r.id),
  );
  const byOrder = new Map<string, ItemRow[]>();
  for (const item of items) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item]);
  return pageOf(
    rows,
    limit,
    (r) => toOrder(r, byOrder.get(r.id) ?? []),
    (r) => [r.placed_at.toISOString(), r.id],
  );
}
