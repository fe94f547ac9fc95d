// Guide as a segment condition, fed by the WeCom simulator: the audience engine answers exactly what the SQL does in
// every operator (a WeCom member no staff account is linked to counts for `any`, not for `in`), bad nodes are refused
// with their path, and a customer adding or deleting a guide moves them into and out of dynamic segments.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { compileRule, type Rule, type SegmentsModule } from '../segments/index.ts';
import { dayOf } from '../segments/time.ts';
import { startWorld, type World } from './fixtures/world.ts';

let world: World;
const staffOf = (userId: string) => world.guides[userId]?.staffId as string;
/** Customers by letter: a follows zhangsan, b lisi, c both, d only the unlinked wangwu, e deleted zhangsan. */
const customers: Record<string, string> = {};
const externalIds: Record<string, string> = {};
/** The demo brand's own customers, before the test adds its own: the counts below are on top of these. */
const before = new Map<string, number>();

const rules = (): [Rule, number][] => [
  [{ type: 'guide', operator: 'any' }, 4],
  [{ type: 'guide', operator: 'none' }, 1],
  [{ type: 'guide', operator: 'in', guides: [staffOf('zhangsan')] }, 2],
  [{ type: 'guide', operator: 'in', guides: [staffOf('zhangsan'), staffOf('lisi')] }, 3],
  [{ type: 'guide', operator: 'not_in', guides: [staffOf('zhangsan')] }, 3],
  [{ type: 'guide', operator: 'not_in', guides: [staffOf('zhangsan'), staffOf('lisi')] }, 2],
  // wangwu's staff account is no longer a guide: the id matches nothing.
  [{ type: 'guide', operator: 'in', guides: [staffOf('wangwu')] }, 0],
  [{ op: 'not', rule: { type: 'guide', operator: 'in', guides: [staffOf('lisi')] } }, 3],
  [
    {
      op: 'and',
      rules: [
        { type: 'guide', operator: 'any' },
        { type: 'guide', operator: 'not_in', guides: [staffOf('lisi')] },
      ],
    },
    2,
  ],
];

async function customerByExternalId(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  expect(found.body.items, externalUserId).toHaveLength(1);
  return found.body.items[0].id;
}

async function sqlCount(rule: Rule): Promise<number> {
  const { siyu, workspaceId } = world.server;
  const segments = siyu.modules.find((m) => m.name === 'segments') as SegmentsModule;
  const now = world.clock.now();
  const compiled = compileRule(segments.engine.registry, rule, {
    workspaceId,
    today: dayOf(now, 'Asia/Shanghai'),
    timeZone: 'Asia/Shanghai',
  });
  const rows = await siyu.db.tenant(workspaceId, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n ${compiled.from}`, compiled.params),
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi', 'wangwu'] });
  // wangwu stays a WeCom member customers can add, with no staff account linked.
  expect((await world.owner.request('DELETE', `/api/guides/${staffOf('wangwu')}`)).status).toBe(204);
  for (const [rule] of rules()) before.set(JSON.stringify(rule), await sqlCount(rule));
  const { sim } = world;
  const plan: [string, string[]][] = [
    ['a', ['zhangsan']],
    ['b', ['lisi']],
    ['c', ['zhangsan', 'lisi']],
    ['d', ['wangwu']],
    ['e', ['zhangsan']],
  ];
  for (const [label, userIds] of plan) {
    for (const userId of userIds) {
      const added = await sim.customerAddsGuide({ userId, name: `客户${label}`, externalUserId: externalIds[label] });
      externalIds[label] = added.externalUserId;
    }
  }
  // The add is handled before the delete, as it would be when the customer deletes the guide days later.
  await world.settled();
  await sim.customerDeletesGuide({ externalUserId: externalIds.e as string, userId: 'zhangsan' });
  await world.settled();
  for (const label of Object.keys(externalIds)) customers[label] = await customerByExternalId(externalIds[label]!);
}, 120_000);
afterAll(() => world?.close());

test('the engine and the SQL agree on every guide operator, alone, negated and combined', async () => {
  for (const [rule, added] of rules()) {
    const key = JSON.stringify(rule);
    const preview = await world.owner.post('/api/segments/preview', { rule });
    expect(preview.status, key).toBe(200);
    const sql = await sqlCount(rule);
    expect(preview.body.count, key).toBe(sql);
    expect(sql, key).toBe((before.get(key) ?? 0) + added);
  }
});

test('bad guide conditions are refused with the path of the bad node', async () => {
  const refused = async (rule: unknown) => {
    const res = await world.owner.post('/api/segments/preview', { rule });
    expect(res.status, JSON.stringify(rule)).toBe(400);
    return res.body.error.details;
  };
  expect(
    await refused({
      op: 'or',
      rules: [
        { type: 'guide', operator: 'any' },
        { type: 'guide', operator: 'in' },
      ],
    }),
  ).toEqual({ path: 'rules[1].guides', reason: 'expected_string_list' });
  expect(await refused({ type: 'guide', operator: 'none', guides: [staffOf('lisi')] })).toEqual({
    path: 'guides',
    reason: 'unexpected',
  });
  expect(await refused({ type: 'guide', operator: 'not_in', guides: [staffOf('lisi'), 'lisi'] })).toEqual({
    path: 'guides[1]',
    reason: 'expected_uuid',
  });
  const many = Array.from({ length: 51 }, () => staffOf('lisi'));
  expect(await refused({ type: 'guide', operator: 'in', guides: many })).toEqual({
    path: 'guides',
    reason: 'too_many',
  });
  expect((await refused({ type: 'guide', operator: 'all' })).path).toBe('operator');
  expect(await refused({ type: 'guide', operator: 'any', guide: staffOf('lisi') })).toEqual({
    path: 'guide',
    reason: 'unknown_key',
  });
});

test('adding and deleting a guide moves customers into and out of dynamic segments', async () => {
  const { sim } = world;
  const withLisi = await world.owner.post('/api/segments', {
    name: '李四的客户',
    kind: 'dynamic',
    rule: { type: 'guide', operator: 'in', guides: [staffOf('lisi')] },
  });
  expect(withLisi.status, JSON.stringify(withLisi.body)).toBe(201);
  const withoutGuide = await world.owner.post('/api/segments', {
    name: '没有导购的客户',
    kind: 'dynamic',
    rule: { type: 'guide', operator: 'none' },
  });
  expect(withoutGuide.status, JSON.stringify(withoutGuide.body)).toBe(201);
  const lisiCount = withLisi.body.memberCount as number;

  // a adds lisi too; b deletes lisi, their only guide.
  await sim.customerAddsGuide({ userId: 'lisi', externalUserId: externalIds.a });
  await sim.customerDeletesGuide({ externalUserId: externalIds.b as string, userId: 'lisi' });
  await world.settled();

  const changes = await world.server.siyu.db.query<{ type: string; segment_id: string; customer_id: string }>(
    `SELECT type, payload->>'segmentId' AS segment_id, payload->>'customerId' AS customer_id FROM domain_events
      WHERE type IN ('segment.entered', 'segment.left') AND payload->>'segmentId' = ANY($1::text[]) ORDER BY id`,
    [[withLisi.body.id, withoutGuide.body.id]],
  );
  expect(changes.map((c) => [c.type, c.segment_id, c.customer_id])).toEqual(
    expect.arrayContaining([
      ['segment.entered', withLisi.body.id, customers.a],
      ['segment.left', withLisi.body.id, customers.b],
      ['segment.entered', withoutGuide.body.id, customers.b],
    ]),
  );
  expect(changes).toHaveLength(3);
  const count = await world.owner.get(`/api/segments/${withLisi.body.id}/count`);
  expect(count.body.count).toBe(lisiCount);
  expect((await world.owner.get(`/api/segments/${withLisi.body.id}`)).body.memberCount).toBe(lisiCount);
  expect(count.body.count).toBe(await sqlCount({ type: 'guide', operator: 'in', guides: [staffOf('lisi')] }));
});
