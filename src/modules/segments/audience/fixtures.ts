// Seeded random customers, tags, traits, identities, orders and events, and random rules over them: the ground
// the audience engine is compared with SQL on (equivalence.test.ts).

import { IDENTITY_KINDS } from '../../../contracts/identity-kinds.ts';
import { Rng } from '../../../demo/random.ts';
import type { Db } from '../../../platform/db/index.ts';
import type { Rule } from '../rules.ts';

const DAY = 86_400_000;
export const CITIES = ['上海', '杭州', '北京', '成都', '深圳'];
export const EVENT_NAMES = ['view_product', 'add_to_cart', 'check_in', 'share'];
export const CATEGORIES = ['奶茶', '果茶', '咖啡', '周边'];
const STAGES = ['introduction', 'growth', 'stable', 'decline', 'churned'];
const RFM = ['champions', 'loyal', 'at_risk', 'hibernating'];

export interface RandomData {
  tagIds: string[];
  customerIds: string[];
}

/** Inserts `n` customers with everything segments read, spread over ±400 days around `now`. */
export async function seedRandomData(db: Db, ws: string, seed: number, n: number, now: Date): Promise<RandomData> {
  const rng = new Rng(seed);
  const maybe = <T>(p: number, v: () => T): T | null => (rng.next() < p ? v() : null);
  const at = (fromDays: number, toDays: number) =>
    new Date(now.getTime() + Math.floor((fromDays + rng.next() * (toDays - fromDays)) * DAY));
  return db.transaction(async (tx) => {
    const group = rng.uuid();
    await tx.query(`INSERT INTO tag_groups (workspace_id, id, name) VALUES ($1, $2, '兴趣')`, [ws, group]);
    const tagIds = ['奶茶爱好者', '果茶', '咖啡', '学生', '上班族', '宝妈'].map(() => rng.uuid());
    for (const [i, id] of tagIds.entries())
      await tx.query('INSERT INTO tags (workspace_id, id, group_id, name) VALUES ($1, $2, $3, $4)', [
        ws,
        id,
        group,
        `t${i}`,
      ]);
    const customerIds: string[] = [];
    for (let seq = 1; seq <= n; seq++) {
      const id = rng.uuid();
      customerIds.push(id);
      const custom: Record<string, unknown> = {};
      if (rng.next() < 0.6) custom.level = rng.int(0, 5);
      if (rng.next() < 0.5) custom.vip = rng.next() < 0.5;
      if (rng.next() < 0.5) custom.color = rng.pick(['red', 'green', 'blue']);
      if (rng.next() < 0.3) custom.hobbies = ['tea', 'music', 'sport'].filter(() => rng.next() < 0.5);
      await tx.query(
        `INSERT INTO customers (workspace_id, id, seq, gender, city, region, source_channel, member_status, occupation,
           interests, birthday, first_seen_at, custom)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          ws,
          id,
          seq,
          rng.pick(['male', 'female', 'unknown']),
          maybe(0.9, () => rng.pick(CITIES)),
          maybe(0.5, () => rng.pick(['华东', '华北', '西南'])),
          maybe(0.7, () => rng.pick(['wecom', 'mini_program', 'store'])),
          rng.pick(['none', 'member']),
          maybe(0.3, () => rng.pick(['学生', '白领'])),
          ['tea', 'music', 'sport'].filter(() => rng.next() < 0.3),
          maybe(0.5, () => `19${rng.int(70, 99)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`),
          maybe(0.8, () => at(-400, 0)),
          JSON.stringify(custom),
        ],
      );
      for (const tag of tagIds) if (rng.next() < 0.3) await tag_(tx, ws, id, tag);
      for (const kind of IDENTITY_KINDS.slice(0, 5))
        if (rng.next() < 0.4)
          await tx.query(
            'INSERT INTO customer_identities (workspace_id, kind, value, customer_id) VALUES ($1, $2, $3, $4)',
            [ws, kind, `${kind}-${seq}`, id],
          );
      if (rng.next() < 0.8)
        await tx.query(
          `INSERT INTO customer_traits (workspace_id, customer_id, order_count, spend_fen, recency_score, frequency_score,
             monetary_score, rfm_group, lifecycle_stage, clv_predicted_fen, churn_risk, active_hour)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            ws,
            id,
            rng.int(0, 8),
            rng.int(0, 50_000),
            maybe(0.9, () => rng.int(1, 5)),
            maybe(0.9, () => rng.int(1, 5)),
            maybe(0.9, () => rng.int(1, 5)),
            maybe(0.8, () => rng.pick(RFM)),
            maybe(0.9, () => rng.pick(STAGES)),
            rng.int(0, 200_000),
            maybe(0.9, () => rng.int(0, 100)),
            maybe(0.5, () => rng.int(0, 23)),
          ],
        );
      for (let o = rng.int(0, 6); o > 0; o--) await addOrder(tx, ws, id, rng, at(-400, 1));
      for (let e = rng.int(0, 10); e > 0; e--) await addEvent(tx, ws, id, rng, at(-400, 2));
    }
    // A few customers merged away: no rule may ever return them.
    for (let i = 0; i < n / 30; i++) {
      const victim = rng.pick(customerIds);
      const survivor = rng.pick(customerIds);
      if (victim !== survivor)
        await tx.query('UPDATE customers SET merged_into = $3 WHERE workspace_id = $1 AND id = $2', [
          ws,
          victim,
          survivor,
        ]);
    }
    return { tagIds, customerIds };
  });
}

async function tag_(tx: { query: Db['query'] }, ws: string, customer: string, tag: string): Promise<void> {
  await tx.query(
    'INSERT INTO customer_tags (workspace_id, customer_id, tag_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [ws, customer, tag],
  );
}

export async function addOrder(tx: { query: Db['query'] }, ws: string, customer: string, rng: Rng, placed: Date) {
  const total = rng.int(1000, 20000);
  const status = rng.pick(['paid', 'paid', 'paid', 'partially_refunded', 'refunded', 'cancelled', 'pending']);
  const refunded = status === 'partially_refunded' ? rng.int(0, total) : status === 'refunded' ? total : 0;
  const id = rng.uuid();
  await tx.query(
    `INSERT INTO orders (workspace_id, id, order_no, customer_id, status, total_fen, paid_fen, refunded_fen, placed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [ws, id, id, customer, status, total, status === 'pending' ? 0 : total, refunded, placed],
  );
  for (let line = 1; line <= rng.int(1, 2); line++)
    await tx.query(
      `INSERT INTO order_items (workspace_id, order_id, line, sku, name, category, quantity, unit_price_fen)
       VALUES ($1, $2, $3, 'sku', '商品', $4, 1, 100)`,
      [ws, id, line, rng.pick(CATEGORIES)],
    );
}

/** Stores a random event and returns what `event.tracked` says of it. */
export async function addEvent(tx: { query: Db['query'] }, ws: string, customer: string, rng: Rng, at: Date) {
  const props: Record<string, unknown> = {};
  if (rng.next() < 0.7) props.amount = rng.int(0, 100);
  if (rng.next() < 0.7) props.sku = rng.pick(['A', 'B', 'C']);
  if (rng.next() < 0.3) props.flag = rng.next() < 0.5;
  const name = rng.pick(EVENT_NAMES);
  await tx.query(
    `INSERT INTO events (workspace_id, customer_id, type, name, properties, occurred_at, message_id)
     VALUES ($1, $2, 'track', $3, $4, $5, $6)`,
    [ws, customer, name, JSON.stringify(props), at, rng.uuid()],
  );
  return { customerId: customer, type: 'track', name, occurredAt: at.toISOString(), properties: props };
}

/** A random rule of up to `depth` levels over every condition type, with windows indexed and not. */
export function randomRule(rng: Rng, tagIds: string[], depth = 3): Rule {
  if (depth > 0 && rng.next() < 0.45) {
    const r = rng.next();
    if (r < 0.2) return { op: 'not', rule: randomRule(rng, tagIds, depth - 1) };
    const rules = Array.from({ length: rng.int(1, 3) }, () => randomRule(rng, tagIds, depth - 1));
    return { op: r < 0.6 ? 'and' : 'or', rules };
  }
  return randomCondition(rng, tagIds);
}

function randomWindow(rng: Rng): Record<string, unknown> {
  const r = rng.next();
  if (r < 0.2) return {};
  if (r < 0.75) return { window: { lastDays: rng.pick([7, 30, 90, 180, 365]) } };
  if (r < 0.9) return { window: { lastDays: rng.int(1, 400) } };
  const from = new Date(Date.UTC(2024, 0, 1) + rng.int(0, 500) * DAY).toISOString().slice(0, 10);
  const to = new Date(Date.parse(from) + rng.int(0, 200) * DAY).toISOString().slice(0, 10);
  return { window: { from, to } };
}

function randomCondition(rng: Rng, tagIds: string[]): Rule {
  const comparison = rng.pick(['at_least', 'at_most']);
  switch (rng.int(0, 9)) {
    case 0:
      return rng.next() < 0.5
        ? {
            type: 'attribute',
            field: 'city',
            operator: 'in',
            value: CITIES.filter(() => rng.next() < 0.4).concat('上海'),
          }
        : {
            type: 'attribute',
            field: rng.pick(['gender', 'region', 'source_channel', 'occupation']),
            operator: 'exists',
          };
    case 1:
      return rng.pick<Rule>([
        { type: 'attribute', field: 'gender', operator: 'eq', value: rng.pick(['male', 'female']) },
        { type: 'attribute', field: 'interests', operator: 'contains', value: rng.pick(['tea', 'music']) },
        { type: 'attribute', field: 'birthday', operator: 'gte', value: '1985-01-01' },
        { type: 'attribute', field: 'custom.level', operator: rng.pick(['gte', 'lte']), value: rng.int(0, 5) },
        { type: 'attribute', field: 'custom.color', operator: 'eq', value: 'red' },
        { type: 'attribute', field: 'custom.hobbies', operator: 'contains', value: 'tea' },
        { type: 'attribute', field: 'custom.vip', operator: 'exists' },
      ]);
    case 2:
    case 3:
      return { type: 'tag', tagId: rng.pick(tagIds) };
    case 4:
      return rng.pick<Rule>([
        { type: 'trait', trait: 'lifecycle_stage', operator: 'eq', value: rng.pick(STAGES) },
        { type: 'trait', trait: 'rfm_group', operator: 'in', value: [rng.pick(RFM), rng.pick(RFM)] },
        { type: 'trait', trait: 'churn_risk', operator: rng.pick(['gte', 'lte']), value: rng.int(0, 100) },
        { type: 'trait', trait: rng.pick(['recency_score', 'monetary_score']), operator: 'eq', value: rng.int(1, 5) },
        { type: 'trait', trait: 'frequency_score', operator: 'in', value: [rng.int(1, 5), rng.int(1, 5)] },
        { type: 'trait', trait: 'active_hour', operator: 'exists' },
        { type: 'trait', trait: 'clv_predicted_fen', operator: 'gte', value: rng.int(0, 200_000) },
      ]);
    case 5:
    case 6:
      return {
        type: 'event',
        name: rng.pick(EVENT_NAMES),
        comparison,
        value: rng.int(0, 4),
        ...randomWindow(rng),
        ...(rng.next() < 0.2 ? { where: [{ property: 'sku', operator: 'eq', value: rng.pick(['A', 'B']) }] } : {}),
        ...(rng.next() < 0.1 ? { measure: { sum: 'amount' }, value: rng.int(0, 300) } : {}),
      };
    case 7:
    case 8:
      return rng.next() < 0.7
        ? { type: 'order', measure: 'count', comparison, value: rng.int(0, 4), ...randomWindow(rng) }
        : rng.next() < 0.7
          ? { type: 'order', measure: 'spend', comparison, value: rng.int(0, 40_000), ...randomWindow(rng) }
          : { type: 'order', measure: 'count', comparison: 'at_least', value: 1, category: rng.pick(CATEGORIES) };
    default:
      return { type: 'identity', kind: rng.pick(IDENTITY_KINDS.slice(0, 6)) };
  }
}
