// Group membership as a segment condition, fed by the WeCom simulator: the audience engine answers exactly what the
// SQL does in every operator, with and without a role (members who left and dismissed groups count for nothing), bad
// nodes are refused with their path, and joining or quitting a group moves customers into and out of dynamic
// segments.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { compileRule, type Rule, type SegmentsModule } from '../segments/index.ts';
import { dayOf } from '../segments/time.ts';
import { type CommunityWorld, eventually, groupWith, membersOf, startCommunity } from './fixtures.ts';

let world: CommunityWorld;
/** External user ids and customers by letter: a in A; b in A (KOC) and B; c in B (admin); d in the dismissed D;
 *  e joined A and quit. */
const external: Record<string, string> = {};
const customers: Record<string, string> = {};
type Groups = Record<'A' | 'B' | 'D', string>;
const groups = {} as Groups;
const chats = {} as Groups;
/** Each rule's count before the test's customers and groups existed: the counts below are on top of these. */
let before: number[];

/** The rules over the groups `g`, each with how many of the test's customers it matches. */
const rules = (g: Groups): [Rule, number][] => [
  [{ type: 'group', operator: 'any' }, 3],
  [{ type: 'group', operator: 'none' }, 2],
  [{ type: 'group', operator: 'in', groups: [g.A] }, 2],
  [{ type: 'group', operator: 'in', groups: [g.A, g.B] }, 3],
  [{ type: 'group', operator: 'in', groups: [g.D] }, 0],
  [{ type: 'group', operator: 'not_in', groups: [g.A] }, 3],
  [{ type: 'group', operator: 'not_in', groups: [g.A, g.B] }, 2],
  [{ type: 'group', operator: 'any', role: 'koc' }, 1],
  [{ type: 'group', operator: 'in', groups: [g.B], role: 'koc' }, 0],
  [{ type: 'group', operator: 'not_in', groups: [g.A], role: 'koc' }, 4],
  [{ type: 'group', operator: 'none', role: 'admin' }, 4],
  [{ op: 'not', rule: { type: 'group', operator: 'in', groups: [g.B] } }, 3],
  [
    {
      op: 'and',
      rules: [
        { type: 'group', operator: 'any' },
        { type: 'group', operator: 'not_in', groups: [g.B] },
      ],
    },
    1,
  ],
];

async function sqlCount(rule: Rule): Promise<number> {
  const { siyu, workspaceId } = world.server;
  const segments = siyu.modules.find((m) => m.name === 'segments') as SegmentsModule;
  const compiled = compileRule(segments.engine.registry, rule, {
    workspaceId,
    today: dayOf(new Date(), 'Asia/Shanghai'),
    timeZone: 'Asia/Shanghai',
  });
  const rows = await siyu.db.tenant(workspaceId, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n ${compiled.from}`, compiled.params),
  );
  return rows[0]!.n;
}

async function makeGroup(label: keyof Groups, owner: string, members: string[]): Promise<void> {
  const { chatId } = await world.sim.createGroup({ owner, name: `条件测试群${label}`, memberIds: members });
  const group = await groupWith(world.owner, chatId, members.length + 1);
  chats[label] = chatId;
  groups[label] = group.id;
  for (const m of await membersOf(world.owner, group.id)) {
    const letter = Object.keys(external).find((l) => external[l] === m.memberId);
    if (letter) customers[letter] = m.customerId as string;
  }
}

async function setRole(group: keyof Groups, member: string, role: string): Promise<void> {
  const res = await world.owner.request(
    'PUT',
    `/api/community/groups/${groups[group]}/members/${external[member]}/role`,
    {
      role,
    },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  world = await startCommunity({ slug: 'group-segments', corpId: 'wwgroupcondition01' });
  // Ids no group has yet match what the real ones matched before their groups existed.
  const unborn: Groups = { A: crypto.randomUUID(), B: crypto.randomUUID(), D: crypto.randomUUID() };
  before = [];
  for (const [rule] of rules(unborn)) before.push(await sqlCount(rule));

  for (const letter of ['a', 'b', 'c', 'd', 'e']) {
    external[letter] = (
      await world.sim.customerAddsGuide({ userId: 'zhangsan', name: `群客户${letter}` })
    ).externalUserId;
  }
  await makeGroup('A', 'zhangsan', [external.a, external.b, external.e] as string[]);
  await makeGroup('B', 'lisi', [external.b, external.c] as string[]);
  await makeGroup('D', 'wangwu', [external.d] as string[]);
  await world.sim.quitGroup({ chatId: chats.A, memberIds: [external.e as string] });
  await groupWith(world.owner, chats.A, 3);
  await world.sim.dismissGroup({ chatId: chats.D });
  await eventually(
    () => world.owner.get(`/api/community/groups/${groups.D}`),
    (res) => res.body.status === 'dismissed',
  );
  await setRole('A', 'b', 'koc');
  await setRole('B', 'c', 'admin');
}, 120_000);
afterAll(() => world?.close());

test('the engine and the SQL agree on every group operator and role, alone, negated and combined', async () => {
  for (const [i, [rule, added]] of rules(groups).entries()) {
    const key = JSON.stringify(rule);
    const preview = await world.owner.post('/api/segments/preview', { rule });
    expect(preview.status, key).toBe(200);
    const sql = await sqlCount(rule);
    expect(preview.body.count, key).toBe(sql);
    expect(sql, key).toBe((before[i] as number) + added);
  }
});

test('bad group conditions are refused with the path of the bad node', async () => {
  const refused = async (rule: unknown) => {
    const res = await world.owner.post('/api/segments/preview', { rule });
    expect(res.status, JSON.stringify(rule)).toBe(400);
    return res.body.error.details;
  };
  expect(
    await refused({
      op: 'and',
      rules: [{ op: 'not', rule: { type: 'group', operator: 'not_in', groups: [] } }],
    }),
  ).toEqual({ path: 'rules[0].rule.groups', reason: 'expected_string_list' });
  expect(await refused({ type: 'group', operator: 'any', groups: [groups.A] })).toEqual({
    path: 'groups',
    reason: 'unexpected',
  });
  expect(await refused({ type: 'group', operator: 'in', groups: [groups.A, chats.A] })).toEqual({
    path: 'groups[1]',
    reason: 'expected_uuid',
  });
  expect(await refused({ type: 'group', operator: 'in', groups: Array(51).fill(groups.A) })).toEqual({
    path: 'groups',
    reason: 'too_many',
  });
  expect(await refused({ type: 'group', operator: 'any', role: 'owner' })).toMatchObject({
    path: 'role',
    reason: 'expected_one_of',
  });
});

test('joining and quitting a group moves customers into and out of dynamic segments', async () => {
  const { sim, owner } = world;
  const inB = await owner.post('/api/segments', {
    name: '群B成员',
    kind: 'dynamic',
    rule: { type: 'group', operator: 'in', groups: [groups.B] },
  });
  expect(inB.status, JSON.stringify(inB.body)).toBe(201);
  const inNone = await owner.post('/api/segments', {
    name: '不在任何群',
    kind: 'dynamic',
    rule: { type: 'group', operator: 'none' },
  });
  expect(inNone.status, JSON.stringify(inNone.body)).toBe(201);
  const inBCount = inB.body.memberCount as number;

  // d (whose only group was dismissed) joins B; c, in B alone, quits it.
  await sim.joinGroup({ chatId: chats.B, memberIds: [external.d as string] });
  await sim.quitGroup({ chatId: chats.B, memberIds: [external.c as string] });
  const changes = await eventually(
    () =>
      world.server.siyu.db.query<{ type: string; segment_id: string; customer_id: string }>(
        `SELECT type, payload->>'segmentId' AS segment_id, payload->>'customerId' AS customer_id FROM domain_events
          WHERE type IN ('segment.entered', 'segment.left') AND payload->>'segmentId' = ANY($1::text[]) ORDER BY id`,
        [[inB.body.id, inNone.body.id]],
      ),
    (rows) => rows.length >= 4,
  );
  expect(changes.map((c) => [c.type, c.segment_id, c.customer_id]).sort()).toEqual(
    [
      ['segment.entered', inB.body.id, customers.d],
      ['segment.left', inNone.body.id, customers.d],
      ['segment.left', inB.body.id, customers.c],
      ['segment.entered', inNone.body.id, customers.c],
    ].sort(),
  );
  const count = await owner.get(`/api/segments/${inB.body.id}/count`);
  expect(count.body.count).toBe(inBCount);
  expect(count.body.count).toBe(await sqlCount({ type: 'group', operator: 'in', groups: [groups.B] }));
});
