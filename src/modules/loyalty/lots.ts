// Lots: earned points with an expiry, drawn first-expiring-first. The reads here pick which lots a debit uses
// and list a member's open lots; the ledger posts the movements.
import type { Queryable, Tx } from '../../platform/db/index.ts';

export interface OpenLot {
  id: number;
  customerId: string;
  cause: string;
  points: number;
  remaining: number;
  earnedAt: Date;
  expiresAt: Date;
}

/** Points a debit takes from one lot. */
export interface LotTake {
  lotId: number;
  points: number;
  cause: string;
  earnedAt: Date;
  expiresAt: Date;
}

/** A lot as the SQL functions and queries return it (jsonb from `points_lock` gives ISO strings for times). */
interface LotRow {
  id: number;
  customer_id: string;
  cause: string;
  points: number;
  remaining: number;
  earned_at: Date | string;
  expires_at: Date | string;
  due: boolean;
}

const lotOf = (r: LotRow): OpenLot => ({
  id: Number(r.id),
  customerId: r.customer_id,
  cause: r.cause,
  points: Number(r.points),
  remaining: Number(r.remaining),
  earnedAt: new Date(r.earned_at),
  expiresAt: new Date(r.expires_at),
});

interface Draw {
  /** Lots whose expiry has passed: to be expired, never spent. */
  due: OpenLot[];
  takes: LotTake[];
  /** The points of the valid lots looked at: below the need exactly when the member has too few. */
  available: number;
}

/** What a debit of `need` takes from the rows of `points_open_lots` (already in the order to draw them). */
function drawFrom(rows: readonly LotRow[], need: number): Draw {
  const due: OpenLot[] = [];
  const takes: LotTake[] = [];
  let left = need;
  let available = 0;
  for (const r of rows) {
    const lot = lotOf(r);
    if (r.due) {
      due.push(lot);
      continue;
    }
    available += lot.remaining;
    const points = Math.min(left, lot.remaining);
    if (points <= 0) continue;
    left -= points;
    takes.push({ lotId: lot.id, points, cause: lot.cause, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt });
  }
  return { due, takes, available };
}

/**
 * The member's lots a debit of `need` points would use (`points_open_lots` in 0002_ledger.sql): those in `prefer`
 * first, then first-expiring-first, only as many as cover the need, lots past their expiry apart as `due`.
 */
export async function takeLots(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  need: number,
  now: Date,
  prefer: readonly number[] = [],
): Promise<Draw> {
  const rows = await tx.query<LotRow>('SELECT * FROM points_open_lots($1, $2, $3, $4, $5::bigint[])', [
    workspaceId,
    customerId,
    now,
    need,
    prefer,
  ]);
  return drawFrom(rows, need);
}

/** Every open lot of a member, first-expiring first (the member page and the H5's "expiring soon"). */
export async function openLots(q: Queryable, workspaceId: string, customerId: string): Promise<OpenLot[]> {
  const rows = await q.query<LotRow>(
    `SELECT id, customer_id, cause, points, remaining, earned_at, expires_at, false AS due FROM points_lots
      WHERE workspace_id = $1 AND customer_id = $2 AND remaining > 0 ORDER BY expires_at, id`,
    [workspaceId, customerId],
  );
  return rows.map(lotOf);
}

/** Lots whose expiry has passed and that still hold points, across a workspace, a page of members at a time. */
export async function dueLots(q: Queryable, workspaceId: string, customerIds: readonly string[], now: Date) {
  const rows = await q.query<LotRow>(
    `SELECT id, customer_id, cause, points, remaining, earned_at, expires_at, true AS due FROM points_lots
      WHERE workspace_id = $1 AND customer_id = ANY($2::uuid[]) AND remaining > 0 AND expires_at <= $3
      ORDER BY customer_id, expires_at, id`,
    [workspaceId, customerIds, now],
  );
  return rows.map(lotOf);
}

/** The lots these ids name (a spend's sources when it is cancelled, a merge's copies when it is undone). */
export async function lotsById(
  q: Queryable,
  workspaceId: string,
  ids: readonly number[],
): Promise<Map<number, OpenLot>> {
  const rows = await q.query<LotRow>(
    `SELECT id, customer_id, cause, points, remaining, earned_at, expires_at, false AS due FROM points_lots
      WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
    [workspaceId, ids],
  );
  return new Map(rows.map((r) => [Number(r.id), lotOf(r)]));
}
