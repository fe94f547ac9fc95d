// The acquisition API's promises apart from WeCom's traffic: bad input is refused with a stable code before anything
// is written, roles see and change what their permissions say (a guide only the codes they are in), creation is
// idempotent under a retried Idempotency-Key, writes are audited, and channels guard the statistics that use them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startWorld, type World } from '../relationships/fixtures/world.ts';

let world: World;
let poster: string;
const staff: Record<string, ApiClient> = {};

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
  const channels = await world.owner.get('/api/acquisition/channels');
  poster = channels.body.items.find((c: { key: string }) => c.key === 'poster').id;
  for (const role of ['analyst', 'auditor']) {
    const email = `${role}@acquisition.test`;
    const created = await world.owner.post('/api/staff', { name: role, email, role, password: 'acquisition-test-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const client = new ApiClient(world.server.url);
    expect((await client.login(email, 'acquisition-test-1', world.server.workspace)).status).toBe(200);
    staff[role] = client;
  }
});
afterAll(() => world.close());

const staffId = (userId: string) => world.guides[userId]?.staffId as string;
const valid = () => ({
  name: '门店活码',
  channelId: poster,
  guides: [{ staffId: staffId('zhangsan') }],
});

async function refused(body: Record<string, unknown>, status: number, code: string) {
  const res = await world.owner.post('/api/acquisition/codes', { ...valid(), ...body });
  expect([res.status, res.body.error?.code], JSON.stringify(res.body)).toEqual([status, code]);
  return res.body.error;
}

test('bad codes are refused with stable codes and nothing is written', async () => {
  const unknown = await refused(
    { guides: [{ staffId: '00000000-0000-4000-8000-000000000000' }] },
    400,
    'acquisition.unknown_guides',
  );
  expect(unknown.details).toEqual({ missing: ['00000000-0000-4000-8000-000000000000'] });
  // The manager is staff but no guide (not linked to a WeCom member).
  await refused({ guides: [{ staffId: world.manager.staffId }] }, 400, 'acquisition.unknown_guides');
  await refused({ backupStaffId: world.manager.staffId }, 400, 'acquisition.unknown_guides');
  await refused(
    { guides: [{ staffId: staffId('zhangsan') }, { staffId: staffId('zhangsan') }] },
    400,
    'acquisition.duplicate_guides',
  );
  await refused({ guides: [{ staffId: staffId('zhangsan'), weight: 0 }] }, 400, 'request.invalid');
  await refused({ dailyCap: 0 }, 400, 'request.invalid');
  await refused({ guides: [] }, 400, 'request.invalid');
  await refused(
    { workingHours: { days: [1, 2, 3], from: '18:00', to: '09:00' } },
    400,
    'acquisition.invalid_working_hours',
  );
  await refused({ workingHours: { days: [8], from: '09:00', to: '18:00' } }, 400, 'request.invalid');
  await refused({ expiresAt: new Date(Date.now() - 60_000).toISOString() }, 400, 'acquisition.expiry_in_past');
  await refused({ channelId: '00000000-0000-4000-8000-000000000000' }, 400, 'acquisition.unknown_channel');
  await refused({ tagIds: ['00000000-0000-4000-8000-000000000000'] }, 400, 'acquisition.unknown_tags');
  // 1,400 Chinese characters are 4,200 bytes: within the schema's characters, over WeCom's bytes.
  const tooLong = await refused(
    { welcome: { text: '欢'.repeat(1400), attachments: [] } },
    400,
    'acquisition.welcome_too_long',
  );
  expect(tooLong.message).toContain('4200');
  await refused({ welcome: { text: '  ', attachments: [] } }, 400, 'acquisition.welcome_empty');
  const variables = await refused(
    { welcome: { text: '你好{{nickname}}', attachments: [] } },
    400,
    'acquisition.unknown_variables',
  );
  expect(variables.details).toEqual({ unknown: ['nickname'] });
  const ten = Array.from({ length: 10 }, () => ({ kind: 'image', picUrl: 'https://cdn.example.com/a.png' }));
  await refused({ welcome: { text: 'hi', attachments: ten } }, 400, 'request.invalid');
  await refused(
    { welcome: { text: 'hi', attachments: [{ kind: 'link', title: 'x', url: 'javascript:alert(1)' }] } },
    400,
    'request.invalid',
  );
  expect((await world.owner.get('/api/acquisition/codes')).body.items).toEqual([]);
});

test('roles: operators manage, analysts read, auditors see nothing, a guide sees only the codes they are in', async () => {
  const created = await world.owner.post('/api/acquisition/codes', {
    ...valid(),
    welcome: { text: '你好，我是{{导购名}}', attachments: [] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const other = await world.owner.post('/api/acquisition/codes', {
    ...valid(),
    name: '李四的活码',
    guides: [{ staffId: staffId('lisi') }],
  });
  const manager = await world.manager.client.post('/api/acquisition/codes', { ...valid(), name: '店长建的' });
  expect(manager.status, JSON.stringify(manager.body)).toBe(201);

  const zhangsan = world.guides.zhangsan?.client as ApiClient;
  const mine = await zhangsan.get('/api/acquisition/codes');
  expect(mine.status).toBe(200);
  expect(mine.body.items.map((c: { id: string }) => c.id).sort()).toEqual([created.body.id, manager.body.id].sort());
  expect((await zhangsan.get(`/api/acquisition/codes/${other.body.id}`)).status).toBe(404);
  expect((await zhangsan.post('/api/acquisition/codes', valid())).status).toBe(403);
  expect((await zhangsan.post(`/api/acquisition/codes/${created.body.id}/pause`)).status).toBe(403);
  const preview = await zhangsan.post('/api/acquisition/welcome/preview', {
    text: '你好，我是{{导购名}}，{{客户昵称}}',
  });
  expect(preview.body).toEqual({ text: '你好，我是导购zhangsan，亲', bytes: 35, fallbacks: ['name'] });

  const analyst = staff.analyst as ApiClient;
  expect((await analyst.get('/api/acquisition/codes')).body.items).toHaveLength(3);
  expect((await analyst.get('/api/acquisition/stats')).status).toBe(200);
  expect((await analyst.post('/api/acquisition/codes', valid())).status).toBe(403);
  const auditor = staff.auditor as ApiClient;
  expect((await auditor.get('/api/acquisition/codes')).status).toBe(403);
  expect((await auditor.get('/l/abcdefgh')).status).toBe(404);

  const audit = await world.owner.get('/api/audit?action=acquisition.code_create');
  expect(audit.body.items.map((e: { targetId: string }) => e.targetId)).toContain(created.body.id);

  const paused = await world.owner.post(`/api/acquisition/codes/${created.body.id}/pause`);
  expect(paused.body.status).toBe('paused');
  expect((await world.owner.get('/api/acquisition/codes?status=paused')).body.items).toHaveLength(1);
  const resumed = await world.owner.post(`/api/acquisition/codes/${created.body.id}/resume`);
  expect(resumed.body.status).toBe('active');
  expect((await world.owner.request('DELETE', `/api/acquisition/codes/${other.body.id}`)).status).toBe(204);
  expect((await world.owner.get(`/api/acquisition/codes/${other.body.id}`)).status).toBe(404);
});

test('a retried create with the same Idempotency-Key makes one code', async () => {
  const body = { ...valid(), name: '重试活码' };
  const headers = { 'idempotency-key': 'create-retry-1' };
  const first = await world.owner.post('/api/acquisition/codes', body, headers);
  const again = await world.owner.post('/api/acquisition/codes', body, headers);
  expect(first.status).toBe(201);
  expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
  expect(again.body.id).toBe(first.body.id);
  const named = await world.owner.get(`/api/acquisition/codes?q=${encodeURIComponent('重试')}`);
  expect(named.body.items).toHaveLength(1);
});

test('channels: custom ones are added and deleted while unused; built-in and used ones are archived instead', async () => {
  const { owner } = world;
  const listed = await owner.get('/api/acquisition/channels');
  expect(listed.body.items.map((c: { key: string; name: string }) => `${c.key}:${c.name}`)).toEqual([
    'store:门店',
    'poster:海报',
    'official_account:公众号',
    'mini_program:小程序',
    'live:直播',
    'moments:朋友圈',
    'offline_event:线下活动',
  ]);
  const added = await owner.post('/api/acquisition/channels', { key: 'meituan', name: '美团' });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const twice = await owner.post('/api/acquisition/channels', { key: 'meituan', name: '美团2' });
  expect([twice.status, twice.body.error.code]).toEqual([409, 'acquisition.channel_key_taken']);
  const builtin = await owner.request('DELETE', `/api/acquisition/channels/${poster}`);
  expect([builtin.status, builtin.body.error.code]).toEqual([409, 'acquisition.channel_builtin']);

  const code = await owner.post('/api/acquisition/codes', { ...valid(), name: '美团活码', channelId: added.body.id });
  expect(code.body.channel).toEqual({ id: added.body.id, key: 'meituan', name: '美团' });
  const used = await owner.request('DELETE', `/api/acquisition/channels/${added.body.id}`);
  expect([used.status, used.body.error.code]).toEqual([409, 'acquisition.channel_in_use']);
  const archived = await owner.patch(`/api/acquisition/channels/${added.body.id}`, { archived: true });
  expect(archived.body).toMatchObject({ archived: true, codeCount: 1 });
  await refused({ channelId: added.body.id }, 400, 'acquisition.channel_archived');
  expect((await owner.get('/api/acquisition/channels')).body.items).toHaveLength(7);
  expect((await owner.get('/api/acquisition/channels?includeArchived=true')).body.items).toHaveLength(8);

  const spare = await owner.post('/api/acquisition/channels', { key: 'spare', name: '备用' });
  expect((await owner.request('DELETE', `/api/acquisition/channels/${spare.body.id}`)).status).toBe(204);

  const range = await owner.get('/api/acquisition/stats?from=2026-03-10&to=2026-03-01');
  expect([range.status, range.body.error.code]).toEqual([400, 'acquisition.bad_range']);
  const link = await owner.post('/api/acquisition/links', {
    name: '码链接',
    target: { kind: 'code', codeId: code.body.id },
  });
  expect(link.status, JSON.stringify(link.body)).toBe(201);
  const retarget = await owner.patch(`/api/acquisition/links/${link.body.id}`, { url: 'https://example.com' });
  expect([retarget.status, retarget.body.error.code]).toEqual([400, 'acquisition.link_target_fixed']);
});
