// The points lottery: a draw costs points and lands, by a cryptographically random number in [0, 1,000,000), on a
// prize (points, a coupon, a physical reward, or a consolation entry) with the odds the brand published. Each draw
// is recorded with its roll, answers a retry of its request id with the first result, and counts against the
// member's daily limit. A prize's stock is taken like a reward's; when none is left its odds fall to "nothing" —
// the other prizes keep exactly their published odds.
import { randomInt, randomUUID } from 'node:crypto';
import type { Page } from '../../contracts/foundation.ts';
import type { H5Draw, H5Lotteries } from '../../contracts/h5.ts';
import {
  type DrawListQuery,
  type Lottery,
  type LotteryBody,
  type LotteryDraw,
  PPM,
  type PrizeBody,
  type PrizeKind,
  type UpdateLotteryBody,
} from '../../contracts/rewards.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { emit } from '../../platform/jobs/index.ts';
import { getTemplate, issueCoupon } from '../coupons/index.ts';
import { maskName } from '../customers/index.ts';
import { earnPoints, requireActiveMember } from './earn-rules.ts';
import { lockMember } from './ledger.ts';
import { spendPoints } from './redemption.ts';
import { getReward, openPrizeOrder } from './rewards.ts';

/** A uniform random integer in [0, maxExclusive). Production draws use the system's cryptographic source. */
export type RandomSource = (maxExclusive: number) => number;
export const cryptoRandom: RandomSource = (maxExclusive) => randomInt(maxExclusive);

interface PrizeRow {
  id: string;
  lottery_id: string;
  kind: PrizeKind;
  name: string;
  image_url: string | null;
  probability_ppm: number;
  stock: number | string | null;
  won: number | string;
  points: number | string | null;
  coupon_template_id: string | null;
  reward_id: string | null;
  sort: number;
}

interface LotteryRow {
  id: string;
  name: string;
  description: string | null;
  cost_points: number | string;
  daily_limit: number;
  starts_at: Date | null;
  ends_at: Date | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  draws: number;
}

const num = (v: number | string) => Number(v);
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

/**
 * The prize a roll in [0, PPM) lands on: prizes take consecutive ranges of the million in their order, each as
 * wide as its odds; the rest of the million is "nothing" (null). Pure, so the odds can be checked over any number
 * of rolls.
 */
export function pickPrize<P extends { probability_ppm: number }>(prizes: readonly P[], roll: number): P | null {
  let edge = 0;
  for (const p of prizes) {
    edge += p.probability_ppm;
    if (roll < edge) return p;
  }
  return null;
}

async function prizeRows(q: Queryable, workspaceId: string, lotteryIds: readonly string[]): Promise<PrizeRow[]> {
  return q.query<PrizeRow>(
    `SELECT id, lottery_id, kind, name, image_url, probability_ppm, stock, won, points, coupon_template_id, reward_id,
            sort
       FROM lottery_prizes
      WHERE workspace_id = $1 AND lottery_id = ANY($2::uuid[]) AND retired_at IS NULL
      ORDER BY lottery_id, sort, id`,
    [workspaceId, lotteryIds],
  );
}

const LOTTERY_SELECT = `SELECT l.id, l.name, l.description, l.cost_points, l.daily_limit, l.starts_at, l.ends_at, l.active,
       l.created_at, l.updated_at,
       (SELECT count(*) FROM lottery_draws d WHERE d.workspace_id = l.workspace_id AND d.lottery_id = l.id)::int AS draws
  FROM lotteries l`;

async function toLotteries(q: Queryable, workspaceId: string, rows: readonly LotteryRow[]): Promise<Lottery[]> {
  const prizes = await prizeRows(
    q,
    workspaceId,
    rows.map((r) => r.id),
  );
  const titles = new Map<string, string>();
  const rewards = new Map<string, string>();
  for (const p of prizes) {
    if (p.coupon_template_id && !titles.has(p.coupon_template_id)) {
      titles.set(p.coupon_template_id, (await getTemplate(q, workspaceId, p.coupon_template_id)).title);
    }
    if (p.reward_id && !rewards.has(p.reward_id)) {
      rewards.set(p.reward_id, (await getReward(q, workspaceId, p.reward_id)).name);
    }
  }
  return rows.map((l) => {
    const own = prizes.filter((p) => p.lottery_id === l.id);
    return {
      id: l.id,
      name: l.name,
      description: l.description,
      costPoints: num(l.cost_points),
      dailyLimit: l.daily_limit,
      startsAt: l.starts_at?.toISOString() ?? null,
      endsAt: l.ends_at?.toISOString() ?? null,
      active: l.active,
      prizes: own.map((p) => ({
        id: p.id,
        kind: p.kind,
        name: p.name,
        imageUrl: p.image_url,
        probabilityPpm: p.probability_ppm,
        stock: numOrNull(p.stock),
        won: num(p.won),
        points: numOrNull(p.points),
        couponTemplate: p.coupon_template_id
          ? { id: p.coupon_template_id, title: titles.get(p.coupon_template_id) ?? '' }
          : null,
        reward: p.reward_id ? { id: p.reward_id, name: rewards.get(p.reward_id) ?? '' } : null,
      })),
      nothingPpm: PPM - own.reduce((sum, p) => sum + p.probability_ppm, 0),
      draws: l.draws,
      createdAt: l.created_at.toISOString(),
      updatedAt: l.updated_at.toISOString(),
    };
  });
}

export async function getLottery(q: Queryable, workspaceId: string, id: string): Promise<Lottery> {
  const rows = await q.query<LotteryRow>(`${LOTTERY_SELECT} WHERE l.workspace_id = $1 AND l.id = $2`, [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound('lottery.not_found');
  return (await toLotteries(q, workspaceId, rows))[0] as Lottery;
}

/** Every lottery, newest first (a brand runs a handful, so no paging). */
export async function listLotteries(q: Queryable, workspaceId: string): Promise<Lottery[]> {
  const rows = await q.query<LotteryRow>(
    `${LOTTERY_SELECT} WHERE l.workspace_id = $1 ORDER BY l.created_at DESC, l.id DESC`,
    [workspaceId],
  );
  return toLotteries(q, workspaceId, rows);
}

/** What each prize needs and may not have, the odds together, and the things prizes name. */
async function checkPrizes(tx: Tx, workspaceId: string, prizes: readonly PrizeBody[]): Promise<void> {
  const total = prizes.reduce((sum, p) => sum + p.probabilityPpm, 0);
  if (total > PPM) throw badRequest('lottery.odds_exceed', { total: total / 10_000 });
  for (const [index, p] of prizes.entries()) {
    const at = { path: `prizes[${index}]` };
    const extra = (field: string) => badRequest('lottery.prize_field_not_applicable', { field }, at);
    if (p.kind === 'points' && p.points === undefined) throw badRequest('lottery.prize_points_required', {}, at);
    if (p.kind !== 'points' && p.points !== undefined) throw extra('points');
    if (p.kind === 'coupon' && !p.couponTemplateId) throw badRequest('lottery.prize_coupon_required', {}, at);
    if (p.kind !== 'coupon' && p.couponTemplateId) throw extra('couponTemplateId');
    if (p.kind === 'reward' && !p.rewardId) throw badRequest('lottery.prize_reward_required', {}, at);
    if (p.kind !== 'reward' && p.rewardId) throw extra('rewardId');
    if (p.kind === 'nothing' && p.stock !== undefined && p.stock !== null) throw extra('stock');
    if (p.couponTemplateId) await getTemplate(tx, workspaceId, p.couponTemplateId);
    if (p.rewardId && (await getReward(tx, workspaceId, p.rewardId)).kind !== 'physical') {
      throw badRequest('lottery.prize_reward_not_physical', {}, at);
    }
  }
}

function checkWindow(startsAt: string | null, endsAt: string | null): void {
  if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt)) throw badRequest('lottery.window_invalid');
}

/**
 * Writes the prize list: prizes named by id are updated in place (their kind is fixed: draws won them as that),
 * new ones inserted, and those left out retired — kept for the draws that won them, never drawn again.
 */
async function savePrizes(tx: Tx, workspaceId: string, lotteryId: string, prizes: readonly PrizeBody[], now: Date) {
  await checkPrizes(tx, workspaceId, prizes);
  const current = await prizeRows(tx, workspaceId, [lotteryId]);
  const byId = new Map(current.map((p) => [p.id, p]));
  for (const [index, p] of prizes.entries()) {
    if (p.id === undefined) continue;
    const existing = byId.get(p.id);
    if (!existing) throw badRequest('lottery.prize_not_found', {}, { path: `prizes[${index}]` });
    if (existing.kind !== p.kind) throw badRequest('lottery.prize_kind_fixed', {}, { path: `prizes[${index}]` });
  }
  const kept = new Set(prizes.map((p) => p.id).filter((id): id is string => id !== undefined));
  await tx.query(
    `UPDATE lottery_prizes SET retired_at = $3
      WHERE workspace_id = $1 AND lottery_id = $2 AND retired_at IS NULL AND NOT (id = ANY($4::uuid[]))`,
    [workspaceId, lotteryId, now, [...kept]],
  );
  for (const [sort, p] of prizes.entries()) {
    const values = [
      p.name.trim(),
      p.imageUrl ?? null,
      p.probabilityPpm,
      p.stock ?? null,
      p.points ?? null,
      p.couponTemplateId ?? null,
      p.rewardId ?? null,
      sort,
    ];
    if (p.id !== undefined) {
      await tx.query(
        `UPDATE lottery_prizes SET name = $3, image_url = $4, probability_ppm = $5, stock = $6, points = $7,
                coupon_template_id = $8, reward_id = $9, sort = $10
          WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, p.id, ...values],
      );
    } else {
      await tx.query(
        `INSERT INTO lottery_prizes (workspace_id, lottery_id, kind, name, image_url, probability_ppm, stock, points,
                                     coupon_template_id, reward_id, sort)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [workspaceId, lotteryId, p.kind, ...values],
      );
    }
  }
}

export async function createLottery(tx: Tx, workspaceId: string, body: LotteryBody, now: Date): Promise<Lottery> {
  checkWindow(body.startsAt ?? null, body.endsAt ?? null);
  if (body.prizes.some((p) => p.id !== undefined)) throw badRequest('lottery.prize_not_found');
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO lotteries (workspace_id, name, description, cost_points, daily_limit, starts_at, ends_at, active,
                            created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [
      workspaceId,
      body.name.trim(),
      body.description?.trim() || null,
      body.costPoints,
      body.dailyLimit,
      body.startsAt ?? null,
      body.endsAt ?? null,
      body.active ?? true,
      now,
    ],
  );
  const id = (rows[0] as { id: string }).id;
  await savePrizes(tx, workspaceId, id, body.prizes, now);
  return getLottery(tx, workspaceId, id);
}

export async function updateLottery(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateLotteryBody,
  now: Date,
): Promise<Lottery> {
  // Draws read the lottery without locking it; the edit locks it so two edits of the prize list do not interleave.
  const rows = await tx.query<LotteryRow>(
    `SELECT id, name, description, cost_points, daily_limit, starts_at, ends_at, active
       FROM lotteries WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, id],
  );
  const current = rows[0];
  if (!current) throw notFound('lottery.not_found');
  const startsAt = body.startsAt === undefined ? (current.starts_at?.toISOString() ?? null) : body.startsAt;
  const endsAt = body.endsAt === undefined ? (current.ends_at?.toISOString() ?? null) : body.endsAt;
  checkWindow(startsAt, endsAt);
  await tx.query(
    `UPDATE lotteries SET name = $3, description = $4, cost_points = $5, daily_limit = $6, starts_at = $7, ends_at = $8,
            active = $9, updated_at = $10
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name?.trim() ?? current.name,
      body.description === undefined ? current.description : body.description?.trim() || null,
      body.costPoints ?? num(current.cost_points),
      body.dailyLimit ?? current.daily_limit,
      startsAt,
      endsAt,
      body.active ?? current.active,
      now,
    ],
  );
  if (body.prizes) await savePrizes(tx, workspaceId, id, body.prizes, now);
  return getLottery(tx, workspaceId, id);
}

// Draws.

interface DrawRow {
  id: string;
  lottery_id: string;
  customer_id: string;
  cost: number | string;
  roll: number;
  prize_id: string | null;
  prize_kind: PrizeKind | null;
  prize_name: string | null;
  prize_image: string | null;
  fallback: string | null;
  points_won: number | string;
  coupon_id: string | null;
  coupon_code: string | null;
  reward_order_id: string | null;
  balance_after: number | string;
  nth_of_day: number;
  at: Date;
  member_name: string | null;
  card_no: string | null;
}

const DRAW_SELECT = `SELECT d.id, d.lottery_id, d.customer_id, d.cost, d.roll, d.prize_id, p.kind AS prize_kind,
       p.name AS prize_name, p.image_url AS prize_image, d.fallback, d.points_won, d.coupon_id, d.coupon_code,
       d.reward_order_id, d.balance_after, d.nth_of_day, d.at, c.name AS member_name, m.card_no
  FROM lottery_draws d
  LEFT JOIN lottery_prizes p ON p.workspace_id = d.workspace_id AND p.id = d.prize_id
  LEFT JOIN customers c ON c.workspace_id = d.workspace_id AND c.id = d.customer_id
  LEFT JOIN members m ON m.workspace_id = d.workspace_id AND m.customer_id = d.customer_id`;

const prizeOf = (d: DrawRow) =>
  d.prize_id && d.prize_kind && d.prize_name !== null
    ? { id: d.prize_id, kind: d.prize_kind, name: d.prize_name, imageUrl: d.prize_image }
    : null;

function toH5Draw(d: DrawRow): H5Draw {
  return {
    id: d.id,
    lotteryId: d.lottery_id,
    cost: num(d.cost),
    prize: prizeOf(d),
    pointsWon: num(d.points_won),
    coupon: d.coupon_id && d.coupon_code ? { id: d.coupon_id, code: d.coupon_code } : null,
    rewardOrderId: d.reward_order_id,
    balance: num(d.balance_after),
    drawsToday: d.nth_of_day,
    at: d.at.toISOString(),
  };
}

function toLotteryDraw(d: DrawRow, showPii: boolean): LotteryDraw {
  const prize = prizeOf(d);
  return {
    id: d.id,
    lotteryId: d.lottery_id,
    customerId: d.customer_id,
    memberName: d.member_name && !showPii ? maskName(d.member_name) : d.member_name,
    cardNo: d.card_no,
    cost: num(d.cost),
    prize: prize ? { id: prize.id, kind: prize.kind, name: prize.name } : null,
    fallback: d.fallback,
    roll: d.roll,
    pointsWon: num(d.points_won),
    couponId: d.coupon_id,
    rewardOrderId: d.reward_order_id,
    at: d.at.toISOString(),
  };
}

async function drawRow(q: Queryable, workspaceId: string, where: string, params: unknown[]): Promise<DrawRow | null> {
  const rows = await q.query<DrawRow>(`${DRAW_SELECT} WHERE d.workspace_id = $1 AND ${where}`, [
    workspaceId,
    ...params,
  ]);
  return rows[0] ?? null;
}

export async function listDraws(
  q: Queryable,
  workspaceId: string,
  lotteryId: string,
  query: DrawListQuery,
  showPii: boolean,
): Promise<Page<LotteryDraw>> {
  const limit = query.limit ?? 50;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 3 || typeof key[0] !== 'string')) throw badRequest('request.invalid_cursor');
  const rows = await q.query<DrawRow>(
    `${DRAW_SELECT}
      WHERE d.workspace_id = $1 AND d.lottery_id = $2 AND ($3::uuid IS NULL OR d.customer_id = $3)
        AND ($4::boolean IS NULL OR ((d.prize_id IS NOT NULL AND p.kind <> 'nothing') = $4))
        AND ($5::timestamptz IS NULL OR (d.at, d.nth_of_day, d.id) < ($5, $6::int, $7::uuid))
      ORDER BY d.at DESC, d.nth_of_day DESC, d.id DESC LIMIT $8`,
    [
      workspaceId,
      lotteryId,
      query.customerId ?? null,
      query.won ?? null,
      key ? key[0] : null,
      key ? key[1] : null,
      key ? key[2] : null,
      limit + 1,
    ],
  );
  return pageOf(
    rows,
    limit,
    (d) => toLotteryDraw(d, showPii),
    (d) => [d.at.toISOString(), d.nth_of_day, d.id],
  );
}

export async function memberDraws(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  lotteryId: string,
  query: { cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<H5Draw>> {
  const limit = query.limit ?? 20;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 3 || typeof key[0] !== 'string')) throw badRequest('request.invalid_cursor');
  const rows = await q.query<DrawRow>(
    `${DRAW_SELECT}
      WHERE d.workspace_id = $1 AND d.lottery_id = $2 AND d.customer_id = $3
        AND ($4::timestamptz IS NULL OR (d.at, d.nth_of_day, d.id) < ($4, $5::int, $6::uuid))
      ORDER BY d.at DESC, d.nth_of_day DESC, d.id DESC LIMIT $7`,
    [workspaceId, lotteryId, customerId, key ? key[0] : null, key ? key[1] : null, key ? key[2] : null, limit + 1],
  );
  return pageOf(rows, limit, toH5Draw, (d) => [d.at.toISOString(), d.nth_of_day, d.id]);
}

/** Today's date in the workspace's time zone, as the ledger's calendar has it. */
async function localToday(q: Queryable, workspaceId: string, now: Date): Promise<string> {
  const rows = await q.query<{ today: string }>(
    `SELECT to_char(($2::timestamptz AT TIME ZONE timezone)::date, 'YYYY-MM-DD') AS today FROM workspaces WHERE id = $1`,
    [workspaceId, now],
  );
  return (rows[0] as { today: string }).today;
}

const openAt = (l: LotteryRow, now: Date) =>
  l.active && (!l.starts_at || l.starts_at <= now) && (!l.ends_at || l.ends_at > now);

/** The lotteries open now, with the member's draws of each today and which prizes are still to be had. */
export async function memberLotteries(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  now: Date,
): Promise<H5Lotteries> {
  const today = await localToday(tx, workspaceId, now);
  const rows = (
    await tx.query<LotteryRow & { draws_today: number }>(
      `${LOTTERY_SELECT.replace(
        'FROM lotteries l',
        `, (SELECT count(*) FROM lottery_draws d WHERE d.workspace_id = l.workspace_id AND d.lottery_id = l.id
              AND d.customer_id = $2 AND d.day = $3::date)::int AS draws_today
         FROM lotteries l`,
      )}
       WHERE l.workspace_id = $1 ORDER BY l.created_at DESC, l.id DESC`,
      [workspaceId, customerId, today],
    )
  ).filter((l) => openAt(l, now));
  const prizes = await prizeRows(
    tx,
    workspaceId,
    rows.map((l) => l.id),
  );
  const balance = await tx.query<{ balance: number | string }>(
    'SELECT balance FROM points_balances WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, customerId],
  );
  return {
    balance: Number(balance[0]?.balance ?? 0),
    items: rows.map((l) => {
      const own = prizes.filter((p) => p.lottery_id === l.id);
      return {
        id: l.id,
        name: l.name,
        description: l.description,
        costPoints: num(l.cost_points),
        dailyLimit: l.daily_limit,
        drawsToday: l.draws_today,
        startsAt: l.starts_at?.toISOString() ?? null,
        endsAt: l.ends_at?.toISOString() ?? null,
        prizes: own.map((p) => ({
          id: p.id,
          kind: p.kind,
          name: p.name,
          imageUrl: p.image_url,
          probabilityPpm: p.probability_ppm,
          points: numOrNull(p.points),
          available: p.stock === null || num(p.stock) > 0,
        })),
        nothingPpm: PPM - own.reduce((sum, p) => sum + p.probability_ppm, 0),
      };
    }),
  };
}

export interface DrawInput {
  customerId: string;
  lotteryId: string;
  /** The member's request id: the same id again answers the first draw. */
  requestId: string;
}

/**
 * One draw, in the caller's transaction. The member's balance is locked first, so a member's draws queue and each
 * sees the daily count and balance the previous left; the cost is spent through the ledger under
 * `lottery:<member>:<request id>`; the roll picks a prize; the prize is given inside a savepoint — its stock taken
 * by a conditional UPDATE, then its points earned, its coupon issued or its reward order opened — and when any of
 * that is refused (none left, the coupon template paused …) the savepoint is rolled back and the draw wins nothing,
 * with the reason kept. The cost stays spent: the member drew, and the draw is recorded with its roll.
 */
export async function drawLottery(
  tx: Tx,
  workspaceId: string,
  input: DrawInput,
  now: Date,
  random: RandomSource = cryptoRandom,
): Promise<{ draw: H5Draw; replayed: boolean }> {
  const { state } = await lockMember(tx, workspaceId, input.customerId, now);
  const existing = await drawRow(tx, workspaceId, 'd.customer_id = $2 AND d.request_id = $3', [
    input.customerId,
    input.requestId,
  ]);
  if (existing) {
    if (existing.lottery_id !== input.lotteryId) throw conflict('lottery.request_reused');
    return { draw: toH5Draw(existing), replayed: true };
  }
  requireActiveMember(state);
  const lotteries = await tx.query<LotteryRow>(`${LOTTERY_SELECT} WHERE l.workspace_id = $1 AND l.id = $2`, [
    workspaceId,
    input.lotteryId,
  ]);
  const lottery = lotteries[0];
  if (!lottery?.active || (lottery.starts_at && lottery.starts_at > now)) throw notFound('lottery.not_found');
  if (lottery.ends_at && lottery.ends_at <= now) throw conflict('lottery.ended');
  const today = state.program.today;
  const counted = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM lottery_draws
      WHERE workspace_id = $1 AND lottery_id = $2 AND customer_id = $3 AND day = $4::date`,
    [workspaceId, lottery.id, input.customerId, today],
  );
  const drawsBefore = counted[0]?.n ?? 0;
  if (drawsBefore >= lottery.daily_limit) throw conflict('lottery.daily_limit_reached', { limit: lottery.daily_limit });
  const cost = num(lottery.cost_points);
  if (state.balance < cost) throw conflict('lottery.insufficient_points', { balance: state.balance, cost });

  const drawId = randomUUID();
  const spent = await spendPoints(
    tx,
    workspaceId,
    input.customerId,
    cost,
    'lottery',
    `lottery:${input.customerId}:${input.requestId}`,
    now,
  );
  const prizes = await prizeRows(tx, workspaceId, [lottery.id]);
  const roll = random(PPM);
  if (!Number.isInteger(roll) || roll < 0 || roll >= PPM) throw new Error(`random source gave ${roll}`);
  const picked = pickPrize(prizes, roll);
  const won = {
    prizeId: null as string | null,
    fallback: null as string | null,
    points: 0,
    coupon: null as { id: string; code: string } | null,
    rewardOrderId: null as string | null,
    prizeTransactionId: null as number | null,
    balance: spent.balance_after,
  };
  if (picked) {
    await tx.query('SAVEPOINT lottery_prize');
    try {
      const taken = await tx.query(
        `UPDATE lottery_prizes SET stock = stock - 1, won = won + 1
          WHERE workspace_id = $1 AND id = $2 AND (stock IS NULL OR stock > 0) RETURNING id`,
        [workspaceId, picked.id],
      );
      if (taken.length === 0) throw conflict('lottery.out_of_stock');
      if (picked.kind === 'points') {
        const earned = await earnPoints(tx, workspaceId, {
          customerId: input.customerId,
          points: num(picked.points as number),
          cause: 'lottery',
          key: `lottery_prize:${drawId}`,
          now,
          details: { lotteryId: lottery.id, drawId, prizeId: picked.id },
        });
        won.points = earned.amount;
        won.prizeTransactionId = earned.id;
        won.balance = earned.balance_after;
      } else if (picked.kind === 'coupon') {
        const issued = await issueCoupon(tx, workspaceId, {
          templateId: picked.coupon_template_id as string,
          customerId: input.customerId,
          source: 'campaign',
          idempotencyKey: `lottery:${drawId}`,
          now,
        });
        won.coupon = { id: issued.id, code: issued.code };
      } else if (picked.kind === 'reward') {
        won.rewardOrderId = await openPrizeOrder(
          tx,
          workspaceId,
          { customerId: input.customerId, rewardId: picked.reward_id as string, drawId, balance: won.balance },
          now,
        );
      }
      await tx.query('RELEASE SAVEPOINT lottery_prize');
      won.prizeId = picked.id;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT lottery_prize');
      won.points = 0;
      won.coupon = null;
      won.rewardOrderId = null;
      won.prizeTransactionId = null;
      won.balance = spent.balance_after;
      won.fallback = err.code === 'lottery.out_of_stock' ? 'out_of_stock' : err.code;
    }
  }
  await tx.query(
    `INSERT INTO lottery_draws (workspace_id, id, lottery_id, customer_id, request_id, day, nth_of_day, cost, roll,
                                prize_id, fallback, points_won, coupon_id, coupon_code, reward_order_id,
                                spend_transaction_id, prize_transaction_id, balance_after, at)
     VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      workspaceId,
      drawId,
      lottery.id,
      input.customerId,
      input.requestId,
      today,
      drawsBefore + 1,
      cost,
      roll,
      won.prizeId,
      won.fallback,
      won.points,
      won.coupon?.id ?? null,
      won.coupon?.code ?? null,
      won.rewardOrderId,
      spent.id,
      won.prizeTransactionId,
      won.balance,
      now,
    ],
  );
  await emit(tx, 'lottery.drawn', {
    drawId,
    lotteryId: lottery.id,
    customerId: input.customerId,
    cost,
    prizeId: won.prizeId,
    prizeKind: won.prizeId ? picked?.kind : null,
  });
  const row = await drawRow(tx, workspaceId, 'd.id = $2', [drawId]);
  return { draw: toH5Draw(row as DrawRow), replayed: false };
}
