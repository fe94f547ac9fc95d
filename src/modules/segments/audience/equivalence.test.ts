// The audience engine is a cache of what SQL says: over seeded random data, 1,200 random rules must select exactly
// the same customers through the bitmaps as through the SQL evaluator — after a rebuild, after incremental
// updates from domain events, and after local days slid by.
import roaring from 'roaring';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../../test/support/databases.ts';
import { Rng } from '../../../demo/random.ts';
import { emit } from '../../../platform/jobs/index.ts';
import { createWorkspace } from '../../../platform/workspaces.ts';
import { registerSegmentMessages } from '../messages.ts';
import { ConditionRegistry, type Rule } from '../rules.ts';
import { compileRule, sqlSeqs } from '../sql.ts';
import { dayOf } from '../time.ts';
import { AudienceEngine } from './engine.ts';
import { addEvent, addOrder, type RandomData, randomRule, seedRandomData } from './fixtures.ts';

const { RoaringBitmap32 } = roaring;
const NOW = new Date('2025-06-15T04:00:00Z');
let t: TestDatabase;
let ws: string;
let data: RandomData;
const registry = new ConditionRegistry();

beforeAll(async () => {
  registerSegmentMessages();
  t = await copyTestDatabase(inject('siyuTemplate'));
  ws = await createWorkspace(t.db, { slug: 'audience', name: 'A' });
  data = await seedRandomData(t.db, ws, 42, 300, NOW);
}, 120_000);
afterAll(() => t.drop());

async function compare(engine: AudienceEngine, rules: Rule[], now: Date): Promise<number> {
  let nonTrivial = 0;
  await t.db.tenant(ws, async (tx) => {
    const today = dayOf(now, 'Asia/Shanghai');
    for (const rule of rules) {
      registry.validate(rule);
      const viaSql = await sqlSeqs(
        tx,
        compileRule(registry, rule, { workspaceId: ws, today, timeZone: 'Asia/Shanghai' }),
      );
      const viaBitmap = (await engine.evaluate(tx, rule, now)).toArray();
      expect(viaBitmap, JSON.stringify(rule)).toEqual(viaSql);
      if (viaSql.length > 0 && viaSql.length < 280) nonTrivial++;
      // A batch of customers (what the membership subscriber asks after events) must agree too.
      await engine.withIndex(tx, now, async (index) => {
        const batch = new RoaringBitmap32([1, 50, 150, 299, 300_000]);
        const hits = (await engine.matchingAmong(tx, index, rule, batch)).toArray();
        expect(hits, JSON.stringify(rule)).toEqual(viaSql.filter((seq) => batch.has(seq)));
      });
    }
  });
  return nonTrivial;
}

test('1,000 random rules select the same customers through bitmaps as through SQL', async () => {
  const rng = new Rng(7);
  const rules = Array.from({ length: 1000 }, () => randomRule(rng, data.tagIds));
  const nonTrivial = await compare(new AudienceEngine(registry), rules, NOW);
  // The generator must produce rules that tell customers apart, or the comparison proves little.
  expect(nonTrivial).toBeGreaterThan(500);
}, 300_000);

test('after domain events change customers, the index still equals SQL', async () => {
  const engine = new AudienceEngine(registry);
  const rng = new Rng(11);
  const rules = Array.from({ length: 100 }, () => randomRule(rng, data.tagIds));
  await compare(engine, rules, NOW);
  await t.db.tenant(ws, async (tx) => {
    for (let i = 0; i < 40; i++) {
      const customerId = rng.pick(data.customerIds);
      switch (i % 5) {
        case 0:
          await addOrder(tx, ws, customerId, rng, new Date(NOW.getTime() - rng.int(0, 40) * 86_400_000));
          await emit(tx, 'order.placed', { customerId });
          break;
        case 1:
          // Several, some of the same customer in one catch-up: tracked events are counted in, not reloaded.
          for (const days of [0, 3, 8, 35, 200]) {
            const at = new Date(NOW.getTime() - days * 86_400_000 - rng.int(0, 86_400_000));
            await emit(tx, 'event.tracked', await addEvent(tx, ws, customerId, rng, at));
          }
          break;
        case 2: {
          const tagId = rng.pick(data.tagIds);
          await tx.query('DELETE FROM customer_tags WHERE customer_id = $1 AND tag_id = $2', [customerId, tagId]);
          await emit(tx, 'tag.removed', { customerId, tagId });
          break;
        }
        case 3:
          await tx.query(
            `INSERT INTO customer_traits (workspace_id, customer_id, lifecycle_stage, churn_risk) VALUES ($1, $2, 'growth', $3)
             ON CONFLICT (workspace_id, customer_id) DO UPDATE SET lifecycle_stage = 'growth', churn_risk = $3`,
            [ws, customerId, rng.int(0, 100)],
          );
          await emit(tx, 'traits.changed', { customerId, changed: ['lifecycle_stage', 'churn_risk'] });
          break;
        default:
          await tx.query(`UPDATE customers SET city = '杭州', gender = 'female' WHERE id = $1`, [customerId]);
          await emit(tx, 'customer.updated', { customerId, fields: ['city', 'gender'] });
      }
    }
  });
  await compare(engine, rules, NOW);
}, 300_000);

test('as local days pass, the rolling windows slide and still equal SQL', async () => {
  const engine = new AudienceEngine(registry);
  const rng = new Rng(13);
  const rules = Array.from({ length: 100 }, () => randomRule(rng, data.tagIds));
  await compare(engine, rules, NOW);
  for (const days of [1, 3, 40]) await compare(engine, rules, new Date(NOW.getTime() + days * 86_400_000));
}, 300_000);
