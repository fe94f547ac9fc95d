// The demo brand's membership shelf, for `siyu start`: coupon templates, a rewards mall, a points lottery, some
// coupons in members' wallets and purchase points for part of the members — so the H5 and the console open on a
// brand that is running, not on empty lists. Written through the modules' own functions (the same checks, the
// same ledger), never by hand. Not part of `buildDemo`: tests and the benchmarks build brands without it.
import { insertTemplate, issueCoupon } from '../modules/coupons/index.ts';
import { createLottery, createReward, reconcileOrder } from '../modules/loyalty/index.ts';
import type { Db } from '../platform/db/index.ts';

export interface CatalogueOptions {
  now: Date;
  /** Members whose last year of paid orders earns purchase points (the lowest card numbers first). */
  pointsMembers?: number;
  /** Members given the welcome coupon. */
  couponMembers?: number;
}

export interface CatalogueResult {
  templates: number;
  rewards: number;
  lotteries: number;
  coupons: number;
  pointsOrders: number;
}

const BY = '演示数据 Demo';
const DAY = 86_400_000;

export async function seedDemoCatalogue(
  db: Db,
  workspaceId: string,
  options: CatalogueOptions,
): Promise<CatalogueResult> {
  const { now } = options;
  const shelf = await db.tenant(workspaceId, async (tx) => {
    const template = (body: Parameters<typeof insertTemplate>[2]) =>
      insertTemplate(tx, workspaceId, body, { by: BY, now, active: true });
    const welcome = await template({
      title: '新会员礼 满30减5',
      description: '全场饮品可用，每单限用一张',
      kind: 'amount_off',
      amountOffFen: 500,
      minSpendFen: 3000,
      validityKind: 'relative',
      validDays: 30,
      perMemberLimit: 1,
      exclusiveGroup: 'order_discount',
      expiryReminderDays: 3,
    });
    const percent = await template({
      title: '会员日 8.5折券',
      description: '最高减20元',
      kind: 'percent_off',
      percentOffBp: 1500,
      maxDiscountFen: 2000,
      validityKind: 'relative',
      validDays: 14,
      exclusiveGroup: 'order_discount',
    });
    const gift = await template({
      title: '招牌珍珠奶茶 兑换券',
      kind: 'gift',
      giftSku: 'TEA-PEARL-M',
      giftName: '招牌珍珠奶茶（中杯）',
      validityKind: 'relative',
      validDays: 30,
    });
    const shipping = await template({
      title: '外卖免配送费',
      kind: 'free_shipping',
      validityKind: 'relative',
      validDays: 7,
      stackable: true,
      scope: { channels: ['miniprogram'] },
    });

    const rewards = [
      await createReward(
        tx,
        workspaceId,
        { kind: 'coupon', name: '满30减5 优惠券', pointsPrice: 300, couponTemplateId: welcome.id, sort: 1 },
        now,
      ),
      await createReward(
        tx,
        workspaceId,
        { kind: 'coupon', name: '招牌珍珠奶茶一杯', pointsPrice: 1200, couponTemplateId: gift.id, sort: 2 },
        now,
      ),
      await createReward(
        tx,
        workspaceId,
        {
          kind: 'physical',
          name: '茶语帆布袋',
          description: '环保帆布袋，门店自提或快递到家',
          pointsPrice: 1500,
          stock: 200,
          perMemberLimit: 2,
          sort: 3,
        },
        now,
      ),
      await createReward(
        tx,
        workspaceId,
        {
          kind: 'physical',
          name: '随行保温杯',
          pointsPrice: 2500,
          cashFen: 1990,
          stock: 50,
          perMemberLimit: 1,
          periodLimit: { count: 1, period: 'month' },
          sort: 4,
        },
        now,
      ),
      await createReward(
        tx,
        workspaceId,
        { kind: 'coupon', name: '会员日 8.5折券', pointsPrice: 500, couponTemplateId: percent.id, sort: 5 },
        now,
      ),
    ];
    await createLottery(
      tx,
      workspaceId,
      {
        name: '积分大转盘',
        description: '每次消耗50积分，每天最多3次',
        costPoints: 50,
        dailyLimit: 3,
        active: true,
        prizes: [
          { kind: 'points', name: '100积分', probabilityPpm: 150_000, points: 100 },
          { kind: 'coupon', name: '外卖免配送费', probabilityPpm: 250_000, couponTemplateId: shipping.id },
          { kind: 'coupon', name: '招牌珍珠奶茶', probabilityPpm: 50_000, couponTemplateId: gift.id, stock: 100 },
          { kind: 'nothing', name: '谢谢参与', probabilityPpm: 550_000 },
        ],
      },
      now,
    );
    return { templates: 4, rewards: rewards.length, welcomeId: welcome.id };
  });

  // The first members by card number: deterministic for a seed, whatever the workspace id.
  const members = await db.tenant(workspaceId, (tx) =>
    tx.query<{ customer_id: string }>(
      `SELECT customer_id FROM members WHERE workspace_id = $1 AND status = 'active' ORDER BY card_no LIMIT $2`,
      [workspaceId, Math.max(options.pointsMembers ?? 600, options.couponMembers ?? 300)],
    ),
  );
  let coupons = 0;
  await db.tenant(workspaceId, async (tx) => {
    for (const { customer_id } of members.slice(0, options.couponMembers ?? 300)) {
      const issued = await issueCoupon(tx, workspaceId, {
        templateId: shelf.welcomeId,
        customerId: customer_id,
        source: 'manual',
        idempotencyKey: `demo-welcome:${customer_id}`,
        now,
      });
      if (issued.created) coupons++;
    }
  });

  // Purchase points as the live subscriber would have posted them, order by order at the time each was placed:
  // lots expire a year after their order, so some are already gone and some are about to go.
  const orders = await db.tenant(workspaceId, (tx) =>
    tx.query<{ id: string; placed_at: Date }>(
      `SELECT o.id, o.placed_at FROM orders o
        WHERE o.workspace_id = $1 AND o.customer_id = ANY($2::uuid[]) AND o.placed_at > $3
        ORDER BY o.placed_at, o.id`,
      [
        workspaceId,
        members.slice(0, options.pointsMembers ?? 600).map((m) => m.customer_id),
        new Date(now.getTime() - 400 * DAY),
      ],
    ),
  );
  for (let i = 0; i < orders.length; i += 200) {
    await db.tenant(workspaceId, async (tx) => {
      for (const o of orders.slice(i, i + 200)) await reconcileOrder(tx, workspaceId, o.id, o.placed_at);
    });
  }
  return { templates: shelf.templates, rewards: shelf.rewards, lotteries: 1, coupons, pointsOrders: orders.length };
}
