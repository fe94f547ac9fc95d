// How events and orders follow customer merges (moved to the survivor, put back on unmerge) and appear on the
// customer timeline. Order items hang off their order, so moving the order moves them.
import type { Tx } from '../../platform/db/index.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/index.ts';

export const eventsMergeParticipant: MergeParticipant = {
  name: 'events',
  async move(tx, workspaceId, fromId, toId) {
    const events = await tx.query<{ id: number }>(
      'UPDATE events SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    const orders = await tx.query<{ id: string }>(
      'UPDATE orders SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    return { events: events.map((e) => e.id), orders: orders.map((o) => o.id) };
  },
  async restore(tx, workspaceId, fromId, toId, undo) {
    const { events = [], orders = [] } = (undo ?? {}) as { events?: number[]; orders?: string[] };
    await tx.query(
      'UPDATE events SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::bigint[])',
      [workspaceId, fromId, toId, events],
    );
    await tx.query(
      'UPDATE orders SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])',
      [workspaceId, fromId, toId, orders],
    );
  },
};

type Before = { at: Date; id: string } | null;

// Ids compare as text in byte order (COLLATE "C"), the order the timeline merges sources in.
export const eventsTimeline: TimelineSource = {
  source: 'events',
  async items(tx: Tx, workspaceId: string, customerId: string, before: Before, limit: number) {
    const rows = await tx.query<{
      id: number;
      type: string;
      name: string;
      properties: Record<string, unknown>;
      channel: string | null;
      occurred_at: Date;
    }>(
      `SELECT id, type, name, properties, channel, occurred_at FROM events
        WHERE workspace_id = $1 AND customer_id = $2
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', occurred_at), ('events:' || id) COLLATE "C") < ($3::timestamptz, $4::text))
        ORDER BY date_trunc('milliseconds', occurred_at) DESC, ('events:' || id) COLLATE "C" DESC LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? null, limit],
    );
    return rows.map(
      (r): TimelineItem => ({
        source: 'events',
        id: `events:${r.id}`,
        at: r.occurred_at,
        kind: r.type,
        title: r.name,
        data: { properties: r.properties, channel: r.channel },
      }),
    );
  },
};

export const ordersTimeline: TimelineSource = {
  source: 'orders',
  async items(tx: Tx, workspaceId: string, customerId: string, before: Before, limit: number) {
    const rows = await tx.query<{
      id: string;
      order_no: string;
      status: string;
      total_fen: number;
      paid_fen: number;
      refunded_fen: number;
      store: string | null;
      channel: string | null;
      placed_at: Date;
    }>(
      `SELECT id, order_no, status, total_fen, paid_fen, refunded_fen, store, channel, placed_at FROM orders
        WHERE workspace_id = $1 AND customer_id = $2
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', placed_at), ('orders:' || id) COLLATE "C") < ($3::timestamptz, $4::text))
        ORDER BY date_trunc('milliseconds', placed_at) DESC, ('orders:' || id) COLLATE "C" DESC LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? null, limit],
    );
    return rows.map(
      (r): TimelineItem => ({
        source: 'orders',
        id: `orders:${r.id}`,
        at: r.placed_at,
        kind: 'order',
        title: r.order_no,
        data: {
          orderId: r.id,
          status: r.status,
          totalFen: r.total_fen,
          paidFen: r.paid_fen,
          refundedFen: r.refunded_fen,
          store: r.store,
          channel: r.channel,
        },
      }),
    );
  },
};
