// The rewards catalogue: physical goods shipped to an address, virtual codes handed out from an uploaded stock,
// coupons issued through the coupons module. Redemption spends points through the ledger keyed by the member's
// request id, and moves the points, the stock and the member's limits in the request's one transaction; orders of
// physical rewards are then fulfilled (paid → shipped → delivered) or cancelled with their points given back.
import { randomUUID } from 'node:crypto';
import type { Page } from '../../contracts/foundation.ts';
import type { H5Reward, H5RewardOrder, RewardBlock } from '../../contracts/h5.ts';
import type {
  LimitPeriod,
  Reward,
  RewardBody,
  RewardCodesResult,
  RewardKind,
  RewardListQuery,
  RewardOrder,
  RewardOrderListQuery,
  RewardOrderStatus,
  ShipBody,
  ShippingAddress,
  UpdateRewardBody,
} from '../../contracts/rewards.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { emit } from '../../platform/jobs/index.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { getTemplate, issueCoupon } from '../coupons/index.ts';
import { type MergeParticipant, maskName, maskPhone } from '../customers/index.ts';
import { requireActiveMember } from './earn-rules.ts';
import { lockMember } from './ledger.ts';
import { cancelSpend, spendPoints } from './redemption.ts';
import { memberTier } from './tiers.ts';

/** How long an order with a cash part waits for the brand's checkout to confirm payment before it is cancelled. */
export const PAYMENT_MINUTES = 30;

interface RewardRow {
  id: string;
  kind: RewardKind;
  name: string;
  description: string | null;
  image_url: string | null;
  points_price: number | string;
  cash_fen: number | string;
  coupon_template_id: string | null;
  stock: number | string | null;
  redeemed: number | string;
  per_member_limit: number | null;
  period_limit: number | null;
  limit_period: LimitPeriod | null;
  min_tier_id: string | null;
  visible_from: Date | null;
  visible_until: Date | null;
  sort: number;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  tier_code: string | null;
  tier_name: string | null;
  tier_rank: number | null;
}

const REWARD_SELECT = `SELECT r.id, r.kind, r.name, r.description, r.image_url, r.points_price, r.cash_fen,
       r.coupon_template_id, r.stock, r.redeemed, r.per_member_limit, r.period_limit, r.limit_period, r.min_tier_id,
       r.visible_from, r.visible_until, r.sort, r.active, r.created_at, r.updated_at,
       t.code AS tier_code, t.name AS tier_name, t.rank AS tier_rank
  FROM rewards r LEFT JOIN tiers t ON t.workspace_id = r.workspace_id AND t.id = r.min_tier_id`;

const num = (v: number | string) => Number(v);
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

function minTierOf(r: RewardRow) {
  return r.min_tier_id && r.tier_code !== null
    ? { id: r.min_tier_id, code: r.tier_code, name: r.tier_name as string, rank: r.tier_rank as number }
    : null;
}

const periodLimitOf = (r: RewardRow) =>
  r.period_limit !== null && r.limit_period !== null ? { count: r.period_limit, period: r.limit_period } : null;

function toReward(r: RewardRow, templates: ReadonlyMap<string, string>): Reward {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    description: r.description,
    imageUrl: r.image_url,
    pointsPrice: num(r.points_price),
    cashFen: num(r.cash_fen),
    couponTemplate: r.coupon_template_id
      ? { id: r.coupon_template_id, title: templates.get(r.coupon_template_id) ?? '' }
      : null,
    stock: numOrNull(r.stock),
    redeemed: num(r.redeemed),
    perMemberLimit: r.per_member_limit,
    periodLimit: periodLimitOf(r),
    minTier: minTierOf(r),
    visibleFrom: r.visible_from?.toISOString() ?? null,
    visibleUntil: r.visible_until?.toISOString() ?? null,
    sort: r.sort,
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Titles of the coupon templates some rewards issue, through the coupons module's door. */
async function templateTitles(q: Queryable, workspaceId: string, rows: readonly RewardRow[]) {
  const ids = [...new Set(rows.map((r) => r.coupon_template_id).filter((id): id is string => id !== null))];
  const titles = new Map<string, string>();
  for (const id of ids) titles.set(id, (await getTemplate(q, workspaceId, id)).title);
  return titles;
}

async function rewardRow(q: Queryable, workspaceId: string, id: string): Promise<RewardRow> {
  const rows = await q.query<RewardRow>(`${REWARD_SELECT} WHERE r.workspace_id = $1 AND r.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('rewards.not_found');
  return rows[0];
}

export async function getReward(q: Queryable, workspaceId: string, id: string): Promise<Reward> {
  const row = await rewardRow(q, workspaceId, id);
  return toReward(row, await templateTitles(q, workspaceId, [row]));
}

export async function listRewards(q: Queryable, workspaceId: string, query: RewardListQuery): Promise<Page<Reward>> {
  const limit = query.limit ?? 50;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 3 || typeof key[0] !== 'number' || typeof key[1] !== 'string')) {
    throw badRequest('request.invalid_cursor');
  }
  const rows = await q.query<RewardRow>(
    `${REWARD_SELECT}
      WHERE r.workspace_id = $1 AND ($2::text IS NULL OR r.kind = $2) AND ($3::boolean IS NULL OR r.active = $3)
        AND ($4::text IS NULL OR r.name ILIKE '%' || $4 || '%')
        AND ($5::int IS NULL OR (r.sort, r.created_at, r.id) > ($5, $6::timestamptz, $7::uuid))
      ORDER BY r.sort, r.created_at, r.id LIMIT $8`,
    [
      workspaceId,
      query.kind ?? null,
      query.active ?? null,
      query.q ? query.q.replace(/[\\%_]/g, (c) => `\\${c}`) : null,
      key ? key[0] : null,
      key ? key[1] : null,
      key ? key[2] : null,
      limit + 1,
    ],
  );
  const titles = await templateTitles(q, workspaceId, rows);
  return pageOf(
    rows,
    limit,
    (r) => toReward(r, titles),
    (r) => [r.sort, r.created_at.toISOString(), r.id],
  );
}

/** What a reward's settings must satisfy together, beyond each field's schema. */
interface RewardSettings {
  kind: RewardKind;
  cashFen: number;
  stock: number | null;
  couponTemplateId: string | null;
  visibleFrom: string | null;
  visibleUntil: string | null;
  minTierId: string | null;
}

async function checkSettings(tx: Tx, workspaceId: string, s: RewardSettings, stockGiven: boolean): Promise<void> {
  if (s.kind === 'coupon' && !s.couponTemplateId) throw badRequest('rewards.coupon_template_required');
  if (s.kind !== 'coupon' && s.couponTemplateId) {
    throw badRequest('rewards.field_not_applicable', { field: 'couponTemplateId' });
  }
  if (s.kind !== 'physical' && s.cashFen > 0) throw badRequest('rewards.cash_physical_only');
  // A virtual reward has exactly as many units as codes nobody has yet: its stock is counted, never typed.
  if (s.kind === 'virtual' && stockGiven) throw badRequest('rewards.virtual_stock_from_codes');
  if (s.visibleFrom && s.visibleUntil && Date.parse(s.visibleUntil) <= Date.parse(s.visibleFrom)) {
    throw badRequest('rewards.visibility_range');
  }
  if (s.minTierId) {
    const tiers = await tx.query('SELECT 1 FROM tiers WHERE workspace_id = $1 AND id = $2', [workspaceId, s.minTierId]);
    if (tiers.length === 0) throw badRequest('rewards.tier_not_found');
  }
  if (s.couponTemplateId) await getTemplate(tx, workspaceId, s.couponTemplateId);
}

export async function createReward(tx: Tx, workspaceId: string, body: RewardBody, now: Date): Promise<Reward> {
  const settings: RewardSettings = {
    kind: body.kind,
    cashFen: body.cashFen ?? 0,
    stock: body.kind === 'virtual' ? 0 : (body.stock ?? null),
    couponTemplateId: body.couponTemplateId ?? null,
    visibleFrom: body.visibleFrom ?? null,
    visibleUntil: body.visibleUntil ?? null,
    minTierId: body.minTierId ?? null,
  };
  await checkSettings(tx, workspaceId, settings, body.stock !== undefined && body.stock !== null);
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO rewards (workspace_id, kind, name, description, image_url, points_price, cash_fen, coupon_template_id,
                          stock, per_member_limit, period_limit, limit_period, min_tier_id, visible_from,
                          visible_until, sort, active, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id`,
    [
      workspaceId,
      body.kind,
      body.name.trim(),
      body.description?.trim() || null,
      body.imageUrl ?? null,
      body.pointsPrice,
      settings.cashFen,
      settings.couponTemplateId,
      settings.stock,
      body.perMemberLimit ?? null,
      body.periodLimit?.count ?? null,
      body.periodLimit?.period ?? null,
      settings.minTierId,
      settings.visibleFrom,
      settings.visibleUntil,
      body.sort ?? 0,
      body.active ?? true,
      now,
    ],
  );
  return getReward(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateReward(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateRewardBody,
  now: Date,
): Promise<Reward> {
  // The row lock makes the edit wait for redemptions taking stock, so a stock typed here is what is left after them.
  const locked = await tx.query('SELECT 1 FROM rewards WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
    workspaceId,
    id,
  ]);
  if (locked.length === 0) throw notFound('rewards.not_found');
  const current = await rewardRow(tx, workspaceId, id);
  const pick = <T>(given: T | undefined, stored: T): T => (given === undefined ? stored : given);
  const settings: RewardSettings = {
    kind: current.kind,
    cashFen: pick(body.cashFen, num(current.cash_fen)),
    stock: pick(body.stock, numOrNull(current.stock)),
    couponTemplateId: null,
    visibleFrom: pick(body.visibleFrom, current.visible_from?.toISOString() ?? null),
    visibleUntil: pick(body.visibleUntil, current.visible_until?.toISOString() ?? null),
    minTierId: pick(body.minTierId, current.min_tier_id),
  };
  await checkSettings(tx, workspaceId, settings, body.stock !== undefined);
  const periodLimit = pick(body.periodLimit, periodLimitOf(current));
  await tx.query(
    `UPDATE rewards SET name = $3, description = $4, image_url = $5, points_price = $6, cash_fen = $7, stock = $8,
            per_member_limit = $9, period_limit = $10, limit_period = $11, min_tier_id = $12, visible_from = $13,
            visible_until = $14, sort = $15, active = $16, updated_at = $17
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      pick(body.name?.trim(), current.name),
      body.description === undefined ? current.description : body.description?.trim() || null,
      pick(body.imageUrl, current.image_url),
      pick(body.pointsPrice, num(current.points_price)),
      settings.cashFen,
      settings.stock,
      pick(body.perMemberLimit, current.per_member_limit),
      periodLimit?.count ?? null,
      periodLimit?.period ?? null,
      settings.minTierId,
      settings.visibleFrom,
      settings.visibleUntil,
      pick(body.sort, current.sort),
      pick(body.active, current.active),
      now,
    ],
  );
  return getReward(tx, workspaceId, id);
}

/** Adds codes to a virtual reward's stock: blank lines and codes it already has are skipped and counted. */
export async function addRewardCodes(
  tx: Tx,
  workspaceId: string,
  id: string,
  codes: readonly string[],
  now: Date,
): Promise<RewardCodesResult> {
  const locked = await tx.query<{ kind: RewardKind }>(
    'SELECT kind FROM rewards WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
    [workspaceId, id],
  );
  if (!locked[0]) throw notFound('rewards.not_found');
  if (locked[0].kind !== 'virtual') throw conflict('rewards.not_virtual');
  const trimmed = codes.map((c) => c.trim());
  const given = trimmed.filter((c) => c.length > 0);
  const unique = [...new Set(given)];
  const added = await tx.query(
    `INSERT INTO reward_codes (workspace_id, reward_id, code, created_at)
     SELECT $1, $2, code, $4 FROM unnest($3::text[]) WITH ORDINALITY AS u(code, n) ORDER BY n
     ON CONFLICT DO NOTHING RETURNING id`,
    [workspaceId, id, unique, now],
  );
  const stock = await tx.query<{ stock: number | string }>(
    'UPDATE rewards SET stock = stock + $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 RETURNING stock',
    [workspaceId, id, added.length, now],
  );
  return {
    added: added.length,
    duplicates: given.length - added.length,
    blank: trimmed.length - given.length,
    stock: num((stock[0] as { stock: number | string }).stock),
  };
}

// The member's side: the mall with what stands between the member and each reward, and redemption.

interface UsageRow extends RewardRow {
  mine: number;
  mine_period: number;
}

/**
 * Rewards with the member's live redemptions of each (over all time, and since the start of the reward's limit
 * period — day, week from Monday or month — in the workspace's time zone).
 */
async function rewardsWithUsage(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  now: Date,
  only: { id: string } | { visible: true },
): Promise<UsageRow[]> {
  const byId = 'id' in only;
  return q.query<UsageRow>(
    `SELECT x.*,
            (SELECT count(*) FROM reward_orders o
              WHERE o.workspace_id = $1 AND o.reward_id = x.id AND o.customer_id = $2 AND o.source = 'mall'
                AND o.status <> 'cancelled')::int AS mine,
            CASE WHEN x.limit_period IS NULL THEN 0 ELSE (SELECT count(*) FROM reward_orders o
              WHERE o.workspace_id = $1 AND o.reward_id = x.id AND o.customer_id = $2 AND o.source = 'mall'
                AND o.status <> 'cancelled'
                AND o.created_at >= date_trunc(x.limit_period, $3::timestamptz AT TIME ZONE x.timezone)
                                    AT TIME ZONE x.timezone)::int END AS mine_period
       FROM (${REWARD_SELECT.replace('SELECT ', 'SELECT w.timezone, ')}
               JOIN workspaces w ON w.id = r.workspace_id
              WHERE r.workspace_id = $1 AND ${
                byId
                  ? 'r.id = $4'
                  : `r.active AND (r.visible_from IS NULL OR r.visible_from <= $3)
                     AND (r.visible_until IS NULL OR r.visible_until > $3)`
              }) x
      ORDER BY x.sort, x.created_at, x.id`,
    byId ? [workspaceId, customerId, now, only.id] : [workspaceId, customerId, now],
  );
}

function blockOf(r: UsageRow, member: { rank: number; balance: number }, couponOk: boolean): RewardBlock | null {
  if (r.stock !== null && num(r.stock) <= 0) return 'sold_out';
  if (!couponOk) return 'unavailable';
  if (r.tier_rank !== null && member.rank < r.tier_rank) return 'tier_too_low';
  if (r.per_member_limit !== null && r.mine >= r.per_member_limit) return 'limit_reached';
  if (r.period_limit !== null && r.mine_period >= r.period_limit) return 'period_limit_reached';
  if (member.balance < num(r.points_price)) return 'insufficient_points';
  return null;
}

function toH5Reward(r: UsageRow, block: RewardBlock | null): H5Reward {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    description: r.description,
    imageUrl: r.image_url,
    pointsPrice: num(r.points_price),
    cashFen: num(r.cash_fen),
    stock: numOrNull(r.stock),
    minTier: minTierOf(r),
    perMemberLimit: r.per_member_limit,
    periodLimit: periodLimitOf(r),
    redeemedByMe: r.mine,
    redeemedByMeThisPeriod: r.mine_period,
    visibleUntil: r.visible_until?.toISOString() ?? null,
    block,
  };
}

/** Whether each coupon template the rewards name can issue now (active, not past its end, stock left). */
async function couponsIssuable(q: Queryable, workspaceId: string, rows: readonly RewardRow[], now: Date) {
  const ids = [...new Set(rows.map((r) => r.coupon_template_id).filter((id): id is string => id !== null))];
  const ok = new Map<string, boolean>();
  for (const id of ids) {
    const t = await getTemplate(q, workspaceId, id);
    ok.set(
      id,
      t.status === 'active' &&
        (t.validUntil === null || Date.parse(t.validUntil) > now.getTime()) &&
        (t.totalStock === null || t.issuedCount < t.totalStock),
    );
  }
  return ok;
}

/** What the member's standing is for the mall: tier rank and spendable balance (404 for non-members). */
async function standing(q: Tx, workspaceId: string, customerId: string) {
  const tier = await memberTier(q, workspaceId, customerId);
  if (!tier || tier.status === 'merged') throw notFound('loyalty.member_not_found');
  const rows = await q.query<{ balance: number | string }>(
    'SELECT balance FROM points_balances WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, customerId],
  );
  return { rank: tier.rank, balance: Number(rows[0]?.balance ?? 0) };
}

/** The mall as the member sees it: rewards on sale now, each with what keeps the member from it. */
export async function memberRewards(tx: Tx, workspaceId: string, customerId: string, now: Date) {
  const member = await standing(tx, workspaceId, customerId);
  const rows = await rewardsWithUsage(tx, workspaceId, customerId, now, { visible: true });
  const coupons = await couponsIssuable(tx, workspaceId, rows, now);
  return {
    balance: member.balance,
    items: rows.map((r) =>
      toH5Reward(r, blockOf(r, member, r.coupon_template_id ? (coupons.get(r.coupon_template_id) ?? false) : true)),
    ),
  };
}

export async function memberReward(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  id: string,
  now: Date,
): Promise<H5Reward> {
  const member = await standing(tx, workspaceId, customerId);
  const [row] = await rewardsWithUsage(tx, workspaceId, customerId, now, { id });
  if (!row || !visibleAt(row, now)) throw notFound('rewards.not_found');
  const coupons = await couponsIssuable(tx, workspaceId, [row], now);
  return toH5Reward(
    row,
    blockOf(row, member, row.coupon_template_id ? (coupons.get(row.coupon_template_id) ?? false) : true),
  );
}

const visibleAt = (r: RewardRow, now: Date) =>
  r.active && (!r.visible_from || r.visible_from <= now) && (!r.visible_until || r.visible_until > now);

const PERIOD_LIMIT_CODES: Record<LimitPeriod, string> = {
  day: 'rewards.daily_limit_reached',
  week: 'rewards.weekly_limit_reached',
  month: 'rewards.monthly_limit_reached',
};

/** Takes one unit of a reward's stock, or refuses when none is left (the row lock orders concurrent takers). */
async function takeStock(tx: Tx, workspaceId: string, rewardId: string): Promise<void> {
  const taken = await tx.query(
    `UPDATE rewards SET stock = stock - 1, redeemed = redeemed + 1
      WHERE workspace_id = $1 AND id = $2 AND (stock IS NULL OR stock > 0) RETURNING id`,
    [workspaceId, rewardId],
  );
  if (taken.length === 0) throw conflict('rewards.sold_out');
}

export interface RedeemInput {
  customerId: string;
  rewardId: string;
  /** The member's request id: the same id again answers the order it made. */
  requestId: string;
  address?: ShippingAddress | undefined;
}

/**
 * Redeems a reward for a member. Everything happens in the caller's transaction, so any refusal on the way —
 * limits, stock, points, the coupon the reward issues — leaves nothing behind:
 * 1. the member's balance row is locked first (as every posting does), so a member's redemptions queue and each
 *    reads the limits and balance the previous one left; the same request id answers the first order;
 * 2. the reward's stock is taken by a conditional UPDATE whose row lock queues concurrent redeemers of the reward;
 * 3. the points are spent through the ledger under `reward:<member>:<request id>`;
 * 4. the reward is delivered: a code claimed, a coupon issued, or a physical order opened (awaiting the cash part,
 *    if any).
 */
export async function redeemReward(
  tx: Tx,
  workspaceId: string,
  input: RedeemInput,
  now: Date,
): Promise<{ order: H5RewardOrder; replayed: boolean }> {
  const { state } = await lockMember(tx, workspaceId, input.customerId, now);
  const existing = await orderByRequest(tx, workspaceId, input.customerId, 'mall', input.requestId);
  if (existing) {
    if (existing.reward_id !== input.rewardId) throw conflict('rewards.request_reused');
    return { order: toH5Order(existing), replayed: true };
  }
  requireActiveMember(state);
  const [reward] = await rewardsWithUsage(tx, workspaceId, input.customerId, now, { id: input.rewardId });
  if (!reward?.active || (reward.visible_from && reward.visible_from > now)) {
    throw notFound('rewards.not_found');
  }
  if (reward.visible_until && reward.visible_until <= now) throw conflict('rewards.ended');
  if (reward.kind === 'physical' && !input.address) throw badRequest('rewards.address_required');
  if (reward.kind !== 'physical' && input.address)
    throw badRequest('rewards.field_not_applicable', { field: 'address' });
  const address = input.address ? cleanAddress(input.address) : null;
  const tier = await memberTier(tx, workspaceId, input.customerId);
  if (reward.tier_rank !== null && (tier?.rank ?? -1) < reward.tier_rank) {
    throw conflict('rewards.tier_too_low', { tier: reward.tier_name ?? '' });
  }
  if (reward.per_member_limit !== null && reward.mine >= reward.per_member_limit) {
    throw conflict('rewards.limit_reached', { limit: reward.per_member_limit });
  }
  if (reward.period_limit !== null && reward.limit_period !== null && reward.mine_period >= reward.period_limit) {
    throw conflict(PERIOD_LIMIT_CODES[reward.limit_period], { limit: reward.period_limit });
  }
  const price = num(reward.points_price);
  if (state.balance < price) throw conflict('rewards.insufficient_points', { balance: state.balance, price });
  await takeStock(tx, workspaceId, reward.id);

  const orderId = randomUUID();
  const spendKey = `reward:${input.customerId}:${input.requestId}`;
  const spent = await spendPoints(tx, workspaceId, input.customerId, price, 'reward', spendKey, now);
  const cashFen = num(reward.cash_fen);
  let status: RewardOrderStatus = 'delivered';
  let codeId: number | null = null;
  let coupon: { id: string; code: string } | null = null;
  if (reward.kind === 'physical') {
    status = cashFen > 0 ? 'awaiting_payment' : 'pending';
  } else if (reward.kind === 'virtual') {
    codeId = await claimCode(tx, workspaceId, reward.id, orderId, now);
  } else {
    const issued = await issueCoupon(tx, workspaceId, {
      templateId: reward.coupon_template_id as string,
      customerId: input.customerId,
      source: 'reward',
      idempotencyKey: `reward:${orderId}`,
      now,
    });
    coupon = { id: issued.id, code: issued.code };
  }
  await tx.query(
    `INSERT INTO reward_orders (workspace_id, id, reward_id, customer_id, source, request_id, kind, reward_name, points,
                                cash_fen, status, transaction_id, spend_key, balance_after, address, code_id, coupon_id,
                                coupon_code, pay_by, created_at, delivered_at)
     VALUES ($1, $2, $3, $4, 'mall', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18, $19, $20)`,
    [
      workspaceId,
      orderId,
      reward.id,
      input.customerId,
      input.requestId,
      reward.kind,
      reward.name,
      price,
      cashFen,
      status,
      spent.id,
      spendKey,
      spent.balance_after,
      address ? JSON.stringify(address) : null,
      codeId,
      coupon?.id ?? null,
      coupon?.code ?? null,
      status === 'awaiting_payment' ? new Date(now.getTime() + PAYMENT_MINUTES * 60_000) : null,
      now,
      status === 'delivered' ? now : null,
    ],
  );
  await emit(tx, 'reward.redeemed', {
    orderId,
    rewardId: reward.id,
    customerId: input.customerId,
    kind: reward.kind,
    points: price,
    cashFen,
    status,
  });
  return { order: toH5Order(await orderRow(tx, workspaceId, orderId)), replayed: false };
}

/** A virtual reward's next unused code for this order; the stock taken before guarantees there is one. */
async function claimCode(tx: Tx, workspaceId: string, rewardId: string, orderId: string, now: Date): Promise<number> {
  const rows = await tx.query<{ id: number | string }>(
    `UPDATE reward_codes SET order_id = $3, claimed_at = $4
      WHERE workspace_id = $1 AND id = (
        SELECT id FROM reward_codes WHERE workspace_id = $1 AND reward_id = $2 AND order_id IS NULL
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [workspaceId, rewardId, orderId, now],
  );
  if (!rows[0]) throw new Error(`reward ${rewardId} counts stock but has no unused code`);
  return num(rows[0].id);
}

function cleanAddress(a: ShippingAddress): ShippingAddress {
  const phone = normalizePhone(a.phone);
  if (!phone) throw badRequest('rewards.address_phone_invalid');
  const address = { name: a.name.trim(), phone, region: a.region.trim(), detail: a.detail.trim() };
  if (!address.name || !address.region || !address.detail) throw badRequest('rewards.address_incomplete');
  return address;
}

/**
 * A physical reward won in a lottery draw: one unit of the reward's stock (refused when none is left) and an order
 * that costs nothing, waiting for the member's shipping address.
 */
export async function openPrizeOrder(
  tx: Tx,
  workspaceId: string,
  input: { customerId: string; rewardId: string; drawId: string; balance: number },
  now: Date,
): Promise<string> {
  const reward = await rewardRow(tx, workspaceId, input.rewardId);
  if (reward.kind !== 'physical') throw conflict('lottery.prize_reward_not_physical');
  await takeStock(tx, workspaceId, reward.id);
  const orderId = randomUUID();
  await tx.query(
    `INSERT INTO reward_orders (workspace_id, id, reward_id, customer_id, source, request_id, kind, reward_name, points,
                                status, balance_after, created_at)
     VALUES ($1, $2, $3, $4, 'lottery', $5, 'physical', $6, 0, 'pending', $7, $8)`,
    [workspaceId, orderId, reward.id, input.customerId, input.drawId, reward.name, input.balance, now],
  );
  await emit(tx, 'reward.won', { orderId, rewardId: reward.id, customerId: input.customerId, drawId: input.drawId });
  return orderId;
}

// Orders and their fulfilment.

interface OrderRow {
  id: string;
  reward_id: string;
  customer_id: string;
  source: 'mall' | 'lottery';
  request_id: string;
  kind: RewardKind;
  reward_name: string;
  points: number | string;
  cash_fen: number | string;
  status: RewardOrderStatus;
  transaction_id: number | string | null;
  spend_key: string | null;
  cancel_transaction_id: number | string | null;
  balance_after: number | string;
  address: ShippingAddress | null;
  carrier: string | null;
  tracking_no: string | null;
  coupon_id: string | null;
  coupon_code: string | null;
  payment_ref: string | null;
  pay_by: Date | null;
  cancel_reason: string | null;
  cancelled_by: 'member' | 'staff' | 'system' | null;
  created_at: Date;
  paid_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  image_url: string | null;
  code: string | null;
  member_name: string | null;
  card_no: string | null;
}

const ORDER_SELECT = `SELECT o.id, o.reward_id, o.customer_id, o.source, o.request_id, o.kind, o.reward_name, o.points,
       o.cash_fen, o.status, o.transaction_id, o.spend_key, o.cancel_transaction_id, o.balance_after, o.address,
       o.carrier, o.tracking_no, o.coupon_id, o.coupon_code, o.payment_ref, o.pay_by, o.cancel_reason, o.cancelled_by,
       o.created_at, o.paid_at, o.shipped_at, o.delivered_at, o.cancelled_at, r.image_url, rc.code,
       c.name AS member_name, m.card_no
  FROM reward_orders o
  JOIN rewards r ON r.workspace_id = o.workspace_id AND r.id = o.reward_id
  LEFT JOIN reward_codes rc ON rc.workspace_id = o.workspace_id AND rc.id = o.code_id
  LEFT JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
  LEFT JOIN members m ON m.workspace_id = o.workspace_id AND m.customer_id = o.customer_id`;

async function orderRow(q: Queryable, workspaceId: string, id: string): Promise<OrderRow> {
  const rows = await q.query<OrderRow>(`${ORDER_SELECT} WHERE o.workspace_id = $1 AND o.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('rewards.order_not_found');
  return rows[0];
}

async function orderByRequest(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  source: 'mall' | 'lottery',
  requestId: string,
): Promise<OrderRow | null> {
  const rows = await q.query<OrderRow>(
    `${ORDER_SELECT} WHERE o.workspace_id = $1 AND o.customer_id = $2 AND o.source = $3 AND o.request_id = $4`,
    [workspaceId, customerId, source, requestId],
  );
  return rows[0] ?? null;
}

/** Locks an order for a change of its status; what it was, as a row. */
async function lockOrder(tx: Tx, workspaceId: string, id: string): Promise<OrderRow> {
  const rows = await tx.query('SELECT 1 FROM reward_orders WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
    workspaceId,
    id,
  ]);
  if (rows.length === 0) throw notFound('rewards.order_not_found');
  return orderRow(tx, workspaceId, id);
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const couponOf = (o: OrderRow) => (o.coupon_id && o.coupon_code ? { id: o.coupon_id, code: o.coupon_code } : null);

function maskAddress(a: ShippingAddress): ShippingAddress {
  return { name: maskName(a.name), phone: maskPhone(a.phone), region: a.region, detail: '****' };
}

export function toRewardOrder(o: OrderRow, showPii: boolean): RewardOrder {
  return {
    id: o.id,
    rewardId: o.reward_id,
    rewardName: o.reward_name,
    kind: o.kind,
    source: o.source,
    customerId: o.customer_id,
    memberName: o.member_name && !showPii ? maskName(o.member_name) : o.member_name,
    cardNo: o.card_no,
    points: num(o.points),
    cashFen: num(o.cash_fen),
    status: o.status,
    address: o.address && !showPii ? maskAddress(o.address) : o.address,
    carrier: o.carrier,
    trackingNo: o.tracking_no,
    code: o.code,
    coupon: couponOf(o),
    paymentRef: o.payment_ref,
    payBy: iso(o.pay_by),
    transactionId: numOrNull(o.transaction_id),
    cancelTransactionId: numOrNull(o.cancel_transaction_id),
    cancelReason: o.cancel_reason,
    cancelledBy: o.cancelled_by,
    createdAt: o.created_at.toISOString(),
    paidAt: iso(o.paid_at),
    shippedAt: iso(o.shipped_at),
    deliveredAt: iso(o.delivered_at),
    cancelledAt: iso(o.cancelled_at),
  };
}

function toH5Order(o: OrderRow): H5RewardOrder {
  return {
    id: o.id,
    rewardId: o.reward_id,
    rewardName: o.reward_name,
    imageUrl: o.image_url,
    kind: o.kind,
    source: o.source,
    points: num(o.points),
    cashFen: num(o.cash_fen),
    status: o.status,
    address: o.address,
    carrier: o.carrier,
    trackingNo: o.tracking_no,
    code: o.status === 'delivered' ? o.code : null,
    coupon: couponOf(o),
    payBy: iso(o.pay_by),
    cancelReason: o.cancel_reason,
    cancelledBy: o.cancelled_by,
    createdAt: o.created_at.toISOString(),
    shippedAt: iso(o.shipped_at),
    deliveredAt: iso(o.delivered_at),
    cancelledAt: iso(o.cancelled_at),
    balance: num(o.balance_after),
  };
}

export async function getRewardOrder(q: Queryable, workspaceId: string, id: string, showPii: boolean) {
  return toRewardOrder(await orderRow(q, workspaceId, id), showPii);
}

export async function listRewardOrders(
  q: Queryable,
  workspaceId: string,
  query: RewardOrderListQuery,
  showPii: boolean,
): Promise<Page<RewardOrder>> {
  const limit = query.limit ?? 50;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 2 || typeof key[0] !== 'string')) throw badRequest('request.invalid_cursor');
  const rows = await q.query<OrderRow>(
    `${ORDER_SELECT}
      WHERE o.workspace_id = $1 AND ($2::text IS NULL OR o.status = $2) AND ($3::text IS NULL OR o.kind = $3)
        AND ($4::uuid IS NULL OR o.reward_id = $4) AND ($5::uuid IS NULL OR o.customer_id = $5)
        AND ($6::boolean IS NULL OR (o.kind = 'physical' AND o.status <> 'cancelled' AND (o.address IS NULL) = $6))
        AND ($7::timestamptz IS NULL OR (o.created_at, o.id) < ($7, $8::uuid))
      ORDER BY o.created_at DESC, o.id DESC LIMIT $9`,
    [
      workspaceId,
      query.status ?? null,
      query.kind ?? null,
      query.rewardId ?? null,
      query.customerId ?? null,
      query.needsAddress ?? null,
      key ? key[0] : null,
      key ? key[1] : null,
      limit + 1,
    ],
  );
  return pageOf(
    rows,
    limit,
    (r) => toRewardOrder(r, showPii),
    (r) => [r.created_at.toISOString(), r.id],
  );
}

export async function memberOrders(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  query: { cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<H5RewardOrder>> {
  const limit = query.limit ?? 20;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 2 || typeof key[0] !== 'string')) throw badRequest('request.invalid_cursor');
  const rows = await q.query<OrderRow>(
    `${ORDER_SELECT}
      WHERE o.workspace_id = $1 AND o.customer_id = $2
        AND ($3::timestamptz IS NULL OR (o.created_at, o.id) < ($3, $4::uuid))
      ORDER BY o.created_at DESC, o.id DESC LIMIT $5`,
    [workspaceId, customerId, key ? key[0] : null, key ? key[1] : null, limit + 1],
  );
  return pageOf(rows, limit, toH5Order, (r) => [r.created_at.toISOString(), r.id]);
}

export async function memberOrder(q: Queryable, workspaceId: string, customerId: string, id: string) {
  const o = await orderRow(q, workspaceId, id);
  if (o.customer_id !== customerId) throw notFound('rewards.order_not_found');
  return toH5Order(o);
}

/** The member gives (or corrects) the shipping address of a physical order not yet shipped. */
export async function setOrderAddress(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  id: string,
  address: ShippingAddress,
): Promise<H5RewardOrder> {
  const o = await lockOrder(tx, workspaceId, id);
  if (o.customer_id !== customerId) throw notFound('rewards.order_not_found');
  if (o.kind !== 'physical') throw conflict('rewards.not_physical');
  if (o.status !== 'pending' && o.status !== 'awaiting_payment') throw conflict('rewards.address_locked');
  await tx.query('UPDATE reward_orders SET address = $3::jsonb WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    id,
    JSON.stringify(cleanAddress(address)),
  ]);
  return toH5Order(await orderRow(tx, workspaceId, id));
}

/** Ships a paid physical order (again, to correct the carrier or tracking number while it is on its way). */
export async function shipOrder(tx: Tx, workspaceId: string, id: string, body: ShipBody, now: Date) {
  const o = await lockOrder(tx, workspaceId, id);
  if (o.kind !== 'physical') throw conflict('rewards.not_physical');
  if (o.status === 'cancelled') throw conflict('rewards.order_cancelled');
  if (o.status === 'awaiting_payment') throw conflict('rewards.order_unpaid');
  if (o.status === 'delivered') throw conflict('rewards.order_delivered');
  if (!o.address) throw conflict('rewards.address_missing');
  await tx.query(
    `UPDATE reward_orders SET status = 'shipped', carrier = $3, tracking_no = $4, shipped_at = coalesce(shipped_at, $5)
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, body.carrier.trim(), body.trackingNo, now],
  );
  if (o.status === 'pending') {
    await emit(tx, 'reward.shipped', {
      orderId: id,
      customerId: o.customer_id,
      rewardId: o.reward_id,
      carrier: body.carrier.trim(),
      trackingNo: body.trackingNo,
    });
  }
  return orderRow(tx, workspaceId, id);
}

export async function deliverOrder(tx: Tx, workspaceId: string, id: string, now: Date) {
  const o = await lockOrder(tx, workspaceId, id);
  if (o.status === 'delivered') return o;
  if (o.status === 'cancelled') throw conflict('rewards.order_cancelled');
  if (o.status !== 'shipped') throw conflict('rewards.order_not_shipped');
  await tx.query(
    `UPDATE reward_orders SET status = 'delivered', delivered_at = $3 WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, now],
  );
  await emit(tx, 'reward.delivered', { orderId: id, customerId: o.customer_id, rewardId: o.reward_id });
  return orderRow(tx, workspaceId, id);
}

/**
 * The brand's checkout confirms the cash part of an order: it may ship. A payment confirmed before the sweep
 * cancels an overdue order is honoured; the same reference again answers the order as it is.
 */
export async function confirmPayment(tx: Tx, workspaceId: string, id: string, paymentRef: string, now: Date) {
  const o = await lockOrder(tx, workspaceId, id);
  if (o.status === 'cancelled') throw conflict('rewards.order_cancelled');
  if (o.status !== 'awaiting_payment') {
    if (o.payment_ref === paymentRef) return o;
    throw conflict('rewards.payment_not_expected');
  }
  await tx.query(
    `UPDATE reward_orders SET status = 'pending', payment_ref = $3, paid_at = $4 WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, paymentRef.trim(), now],
  );
  await emit(tx, 'reward.paid', { orderId: id, customerId: o.customer_id, cashFen: num(o.cash_fen), paymentRef });
  return orderRow(tx, workspaceId, id);
}

export interface CancelBy {
  by: 'member' | 'staff' | 'system';
  reason: string | null;
  /** A member cancels only their own orders. */
  customerId?: string;
}

/**
 * Cancels a physical order not yet delivered: its points go back to the lots they came from (with their expiry)
 * and its unit back to the reward's stock. Members cancel only while an order awaits its cash part; the sweep only
 * orders whose time to pay has passed. Cancelling a cancelled order answers it as it is.
 */
export async function cancelOrder(tx: Tx, workspaceId: string, id: string, who: CancelBy, now: Date) {
  const found = await orderRow(tx, workspaceId, id);
  if (who.customerId !== undefined && found.customer_id !== who.customerId) throw notFound('rewards.order_not_found');
  // The member's balance first, then the order: the order redemption takes its locks in.
  await lockMember(tx, workspaceId, found.customer_id, now);
  const o = await lockOrder(tx, workspaceId, id);
  if (o.status === 'cancelled') return o;
  if (o.kind !== 'physical') throw conflict('rewards.not_cancellable');
  if (o.status === 'delivered') throw conflict('rewards.order_delivered');
  if (who.by === 'member' && o.status !== 'awaiting_payment') throw conflict('rewards.member_cancel_unpaid_only');
  // The sweep read a list a moment ago: a payment may have landed since.
  if (who.by === 'system' && (o.status !== 'awaiting_payment' || (o.pay_by as Date) > now)) return o;
  const returned = o.spend_key ? await cancelSpend(tx, workspaceId, o.spend_key, now) : null;
  await tx.query(
    `UPDATE rewards SET stock = stock + 1, redeemed = greatest(redeemed - 1, 0) WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, o.reward_id],
  );
  await tx.query(
    `UPDATE reward_orders SET status = 'cancelled', cancel_transaction_id = $3, cancel_reason = $4, cancelled_by = $5,
            cancelled_at = $6
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, returned?.id ?? null, who.reason, who.by, now],
  );
  await emit(tx, 'reward.cancelled', {
    orderId: id,
    customerId: o.customer_id,
    rewardId: o.reward_id,
    points: num(o.points),
    by: who.by,
  });
  return orderRow(tx, workspaceId, id);
}

export async function cancelOrderByMember(tx: Tx, workspaceId: string, customerId: string, id: string, now: Date) {
  return toH5Order(await cancelOrder(tx, workspaceId, id, { by: 'member', reason: null, customerId }, now));
}

/** The sweep's job kinds: one for all workspaces on a schedule, one per workspace with overdue orders. */
export const UNPAID_ALL_JOB = 'loyalty.rewards-unpaid';
export const UNPAID_WORKSPACE_JOB = 'loyalty.rewards-unpaid-workspace';
/** Orders one sweep job cancels; more get another job straight after. */
const UNPAID_BATCH = 200;

export async function workspacesWithUnpaid(tx: Tx, now: Date): Promise<string[]> {
  const rows = await tx.query<{ workspace_id: string }>(
    `SELECT DISTINCT workspace_id FROM reward_orders WHERE status = 'awaiting_payment' AND pay_by <= $1`,
    [now],
  );
  return rows.map((r) => r.workspace_id);
}

/** Cancels orders whose time to pay has passed; returns whether more are left. */
export async function cancelUnpaidOrders(tx: Tx, workspaceId: string, now: Date) {
  const due = await tx.query<{ id: string }>(
    `SELECT id FROM reward_orders WHERE workspace_id = $1 AND status = 'awaiting_payment' AND pay_by <= $2
      ORDER BY pay_by, id LIMIT $3`,
    [workspaceId, now, UNPAID_BATCH + 1],
  );
  for (const { id } of due.slice(0, UNPAID_BATCH)) {
    await cancelOrder(tx, workspaceId, id, { by: 'system', reason: null }, now);
  }
  return { cancelled: Math.min(due.length, UNPAID_BATCH), more: due.length > UNPAID_BATCH };
}

/** What each of these ledger transactions was for, when a reward order or a lottery draw posted it. */
export async function rewardNotes(q: Queryable, workspaceId: string, transactionIds: readonly number[]) {
  const rows = await q.query<{ transaction_id: number | string; note: string }>(
    `SELECT transaction_id, reward_name AS note FROM reward_orders
      WHERE workspace_id = $1 AND transaction_id = ANY($2::bigint[])
     UNION ALL
     SELECT cancel_transaction_id, reward_name FROM reward_orders
      WHERE workspace_id = $1 AND cancel_transaction_id = ANY($2::bigint[])
     UNION ALL
     SELECT d.spend_transaction_id, l.name FROM lottery_draws d
       JOIN lotteries l ON l.workspace_id = d.workspace_id AND l.id = d.lottery_id
      WHERE d.workspace_id = $1 AND d.spend_transaction_id = ANY($2::bigint[])
     UNION ALL
     SELECT d.prize_transaction_id, l.name FROM lottery_draws d
       JOIN lotteries l ON l.workspace_id = d.workspace_id AND l.id = d.lottery_id
      WHERE d.workspace_id = $1 AND d.prize_transaction_id = ANY($2::bigint[])`,
    [workspaceId, transactionIds],
  );
  return new Map(rows.map((r) => [num(r.transaction_id), r.note]));
}

interface RewardsUndo {
  orders: string[];
  draws: string[];
}

/**
 * A customer merge moves the merged profile's reward orders and draws to the survivor, so the survivor's limits
 * count both (one person now) and cancelling an old order finds its member; unmerge moves exactly those back.
 */
export const rewardsMergeParticipant: MergeParticipant = {
  name: 'loyalty.rewards',
  async move(tx, workspaceId, fromId, toId): Promise<RewardsUndo> {
    const orders = await tx.query<{ id: string }>(
      'UPDATE reward_orders SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    const draws = await tx.query<{ id: string }>(
      'UPDATE lottery_draws SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    return { orders: orders.map((o) => o.id), draws: draws.map((d) => d.id) };
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    const u = (undo ?? { orders: [], draws: [] }) as RewardsUndo;
    await tx.query(
      'UPDATE reward_orders SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])',
      [workspaceId, fromId, toId, u.orders],
    );
    await tx.query(
      'UPDATE lottery_draws SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])',
      [workspaceId, fromId, toId, u.draws],
    );
  },
};
