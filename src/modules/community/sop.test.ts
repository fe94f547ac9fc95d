// Group SOP: a plan's occurrence becomes one group message template per group owner (with its link), sent through
// the simulator, whose results follow the owners' confirmations; due plans run once per occurrence by the clock
// and move on to their next one (daily, weekly, between first and last days, in the workspace's time zone).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CommunityWorld, eventually, groupWith, startCommunity } from './fixtures.ts';
import { nextRun, runDuePlans } from './sop.ts';

let world: CommunityWorld;
let chats: { a: string; b: string; c: string };

beforeAll(async () => {
  world = await startCommunity({ corpId: 'wwgroupsop0000001' });
  const { sim, owner } = world;
  chats = {
    a: (await sim.createGroup({ owner: 'zhangsan', name: '一店群' })).chatId,
    b: (await sim.createGroup({ owner: 'zhangsan', name: '二店群' })).chatId,
    c: (await sim.createGroup({ owner: 'lisi', name: '三店群' })).chatId,
  };
  for (const chatId of Object.values(chats)) await groupWith(owner, chatId, 1);
});
afterAll(() => world.close());

test('running a plan sends one group message per owner, and the send results follow the owners', async () => {
  const { owner, sim } = world;
  const plan = await owner.post('/api/community/sop-plans', {
    name: '每日早安',
    schedule: 'daily',
    time: '09:00',
    text: '早安！今日推荐：桂花乌龙',
    link: { title: '新品上架', url: 'https://shop.chayu.example/new', description: '第二杯半价' },
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  expect(plan.body.nextRunAt).toMatch(/T01:00:00\.000Z$/); // 09:00 in Asia/Shanghai
  const key = { 'idempotency-key': 'sop-run-1' };
  const run = await owner.post(`/api/community/sop-plans/${plan.body.id}/run`, {}, key);
  expect(run.status, JSON.stringify(run.body)).toBe(200);
  expect(run.body.sends.map((s: any) => [s.sender, s.chatIds])).toEqual([
    ['lisi', [chats.c]],
    ['zhangsan', [chats.a, chats.b].sort()],
  ]);
  const replay = await owner.post(`/api/community/sop-plans/${plan.body.id}/run`, {}, key);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');

  const sent = await eventually(
    () => owner.get(`/api/community/sends?kind=sop&sourceId=${plan.body.id}`),
    (res) => res.body.items.length === 2 && res.body.items.every((s: any) => s.state === 'sent'),
  );
  const mine = sent.body.items.find((s: any) => s.sender === 'zhangsan');
  const template = sim.messages.get(mine.msgId);
  expect(template).toMatchObject({ chatType: 'group', sender: 'zhangsan', text: '早安！今日推荐：桂花乌龙' });
  expect(template?.attachments).toEqual([
    {
      msgtype: 'link',
      link: { title: '新品上架', url: 'https://shop.chayu.example/new', desc: '第二杯半价' },
    },
  ]);
  expect(mine.results.map((r: any) => r.status)).toEqual([0, 0]);
  sim.confirmGroupMessage({ msgId: mine.msgId, userId: 'zhangsan' });
  const refreshed = await owner.post(`/api/community/sends/${mine.id}/refresh`);
  expect(refreshed.body.results.map((r: any) => r.status)).toEqual([1, 1]);
  expect(refreshed.body.resultsAt).not.toBeNull();
  expect((await owner.get(`/api/community/sop-plans/${plan.body.id}`)).body).toMatchObject({ runs: 1 });
});

test('due plans run once per occurrence by the clock and move on to their next one', async () => {
  const { owner, server } = world;
  const at = new Date(Date.now() + 3_600_000);
  const once = await owner.post('/api/community/sop-plans', {
    name: '新品发布',
    schedule: 'once',
    runAt: at.toISOString(),
    text: '新品今晚 8 点开售',
    groupIds: [(await groupWith(owner, chats.c, 1)).id],
  });
  expect(once.body.nextRunAt).toBe(at.toISOString());
  const weekly = await owner.post('/api/community/sop-plans', {
    name: '每周上新',
    schedule: 'weekly',
    time: '10:30',
    weekdays: [1, 4],
    text: '本周上新',
  });
  const due = (now: Date) =>
    server.siyu.db.tenant(server.workspaceId, (tx) => runDuePlans(tx, server.workspaceId, now));
  const runsOf = async (id: string) => (await owner.get(`/api/community/sop-plans/${id}`)).body;
  // Counted per plan, not by what runDuePlans returns: the daily plan above or the weekly one may fall due within
  // the same hour, depending on when the suite runs.
  await due(new Date(at.getTime() - 1000));
  expect(await runsOf(once.body.id)).toMatchObject({ runs: 0 });
  await due(new Date(at.getTime() + 30_000));
  await due(new Date(at.getTime() + 90_000));
  expect(await runsOf(once.body.id)).toMatchObject({ runs: 1, nextRunAt: null });
  const sends = await owner.get(`/api/community/sends?kind=sop&sourceId=${once.body.id}`);
  expect(sends.body.items.map((s: any) => s.chatIds)).toEqual([[chats.c]]);

  // The weekly plan's occurrence runs, then waits for the next Monday or Thursday at 10:30.
  const before = await runsOf(weekly.body.id);
  const slot = new Date(before.nextRunAt);
  expect([1, 4]).toContain(isoWeekday(slot));
  expect(await due(new Date(slot.getTime() + 5_000))).toBeGreaterThanOrEqual(1);
  const moved = await runsOf(weekly.body.id);
  expect(moved.runs).toBe(before.runs + 1);
  expect(new Date(moved.nextRunAt).getTime()).toBeGreaterThan(slot.getTime());
  expect([1, 4]).toContain(isoWeekday(new Date(moved.nextRunAt)));
});

/** The ISO weekday (1 Monday … 7 Sunday) of an instant in Asia/Shanghai. */
function isoWeekday(at: Date): number {
  const name = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', weekday: 'short' }).format(at);
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(name) + 1;
}

test('occurrences follow the time zone, the weekdays and the first and last days', () => {
  const tz = 'Asia/Shanghai';
  const plan = (over: Partial<Parameters<typeof nextRun>[0]>) => ({
    schedule: 'daily' as const,
    run_at: null,
    time_of_day: '08:00',
    weekdays: [],
    starts_on: null,
    ends_on: null,
    ...over,
  });
  const after = new Date('2026-03-04T02:00:00Z'); // Wednesday 10:00 in Shanghai
  expect(nextRun(plan({}), after, tz, false)?.toISOString()).toBe('2026-03-05T00:00:00.000Z');
  expect(nextRun(plan({ schedule: 'weekly', weekdays: [1, 7] }), after, tz, false)?.toISOString()).toBe(
    '2026-03-08T00:00:00.000Z',
  );
  expect(nextRun(plan({ starts_on: '2026-03-10' }), after, tz, false)?.toISOString()).toBe('2026-03-10T00:00:00.000Z');
  expect(nextRun(plan({ ends_on: '2026-03-04' }), after, tz, false)).toBeNull();
  const once = plan({ schedule: 'once', run_at: new Date('2026-03-06T12:00:00Z') });
  expect(nextRun(once, after, tz, false)?.toISOString()).toBe('2026-03-06T12:00:00.000Z');
  expect(nextRun(once, after, tz, true)).toBeNull();
  expect(nextRun(plan({}), after, 'America/New_York', false)?.toISOString()).toBe('2026-03-04T13:00:00.000Z');
});

test('plans are checked on save', async () => {
  const { owner } = world;
  const cases: [Record<string, unknown>, string][] = [
    [{ name: 'x', schedule: 'once', text: 'x' }, 'community.sop_run_at_required'],
    [{ name: 'x', schedule: 'daily', text: 'x' }, 'community.sop_time_required'],
    [{ name: 'x', schedule: 'weekly', time: '10:00', text: 'x' }, 'community.sop_weekdays_required'],
    [
      { name: 'x', schedule: 'daily', time: '10:00', text: 'x', startsOn: '2026-05-02', endsOn: '2026-05-01' },
      'community.sop_bad_days',
    ],
  ];
  for (const [body, code] of cases) {
    const res = await owner.post('/api/community/sop-plans', body);
    expect([res.status, res.body.error?.code], code).toEqual([400, code]);
  }
});
