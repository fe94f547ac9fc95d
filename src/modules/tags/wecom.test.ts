// Siyu tags and WeCom corp tags (企业客户标签) kept equal both ways, end to end: the real server with its workers,
// the WeCom simulator's corp tags and contacts, signed callbacks. What WeCom changes reaches Siyu, what Siyu changes
// reaches WeCom through jobs, and nothing that came from WeCom is sent back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tag, TagGroup } from '../../contracts/tags.ts';
import { startWorld, type World } from '../relationships/fixtures/world.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'] });
});
afterAll(() => world.close());

const db = () => world.server.siyu.db;

/** Everything handled, and no tags job failing (the world checks the relationships ones). */
async function settled(): Promise<void> {
  await world.settled();
  const failed = await db().query<{ kind: string; last_error: string }>(
    `SELECT kind, last_error FROM jobs WHERE last_error IS NOT NULL AND state <> 'succeeded'
        AND (kind LIKE 'tags.%' OR kind LIKE 'event:tags.%')`,
  );
  expect(failed, JSON.stringify(failed)).toEqual([]);
}

async function groups(): Promise<TagGroup[]> {
  const res = await world.owner.get('/api/tag-groups');
  expect(res.status).toBe(200);
  return res.body.items;
}
async function groupNamed(name: string): Promise<TagGroup> {
  const group = (await groups()).find((g) => g.name === name);
  expect(group, name).toBeDefined();
  return group as TagGroup;
}
const tagIn = (group: TagGroup, name: string): Tag => {
  const tag = group.tags.find((t) => t.name === name);
  expect(tag, `${group.name}/${name}`).toBeDefined();
  return tag as Tag;
};
const corpGroup = (name: string) => world.sim.tagGroups.find((g) => g.groupName === name);
const corpTagId = (group: string, name: string): string => {
  const id = corpGroup(group)?.tags.find((t) => t.name === name)?.id;
  expect(id, `${group}/${name} in WeCom`).toBeDefined();
  return id as string;
};
const callsOf = (api: string, from = 0) => world.sim.apiCalls.slice(from).filter((c) => c.api === api);

async function customerOf(externalUserId: string): Promise<string> {
  const found = await world.owner.get(`/api/customers?q=${encodeURIComponent(externalUserId)}`);
  expect(found.body.items, externalUserId).toHaveLength(1);
  return found.body.items[0].id;
}
async function tagsOf(customerId: string): Promise<{ name: string; source: string }[]> {
  const res = await world.owner.get(`/api/customers/${customerId}/tags`);
  expect(res.status).toBe(200);
  return res.body.items.map((t: { name: string; source: string }) => ({ name: t.name, source: t.source }));
}

test('a full sync brings WeCom’s corp tag groups and tags into Siyu, marked as WeCom’s', async () => {
  const { sim, owner } = world;
  await settled();
  // Made in WeCom while its callbacks were not reaching Siyu: only a full sync can find them.
  const url = sim.callbackUrl;
  sim.callbackUrl = null;
  sim.adminEditsCorpTags({ op: 'create', groupName: '会员等级', tags: ['金卡', '银卡'] });
  sim.adminEditsCorpTags({ op: 'create', groupName: '兴趣偏好', tags: ['红茶', '茶具'] });
  await sim.idle();
  sim.callbackUrl = url;

  const started = await owner.post('/api/tags/wecom-sync', {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body.state).toBe('queued');
  await settled();

  const level = await groupNamed('会员等级');
  expect(level).toMatchObject({ source: 'wecom', wecomSync: true, wecomGroupId: corpGroup('会员等级')?.groupId });
  expect(level.tags.map((t) => [t.name, t.wecomTagId]).sort()).toEqual(
    [
      ['金卡', corpTagId('会员等级', '金卡')],
      ['银卡', corpTagId('会员等级', '银卡')],
    ].sort(),
  );
  expect((await groupNamed('兴趣偏好')).tags.map((t) => t.name).sort()).toEqual(['红茶', '茶具'].sort());

  const status = await owner.get('/api/tags/wecom-sync');
  expect(status.body).toMatchObject({ state: 'idle', lastStatus: 'succeeded', lastError: null });
  expect(status.body.lastFinishedAt).not.toBeNull();
  expect(status.body.lastResult.tags.created).toBe(4);

  // Nothing went back to WeCom: it already had all of it.
  expect(callsOf('externalcontact/add_corp_tag')).toHaveLength(0);
  // Again: the same list changes nothing.
  await owner.post('/api/tags/wecom-sync', {});
  await settled();
  expect((await groups()).filter((g) => g.source === 'wecom')).toHaveLength(2);
  expect((await owner.get('/api/tags/wecom-sync')).body.lastResult.tags).toEqual({
    created: 0,
    linked: 0,
    renamed: 0,
    archived: 0,
  });
});

test('corp tags created, renamed and deleted in WeCom follow in Siyu through the callbacks', async () => {
  const { sim } = world;
  const groupId = corpGroup('兴趣偏好')?.groupId as string;
  sim.adminEditsCorpTags({ op: 'create', groupId, tags: ['普洱'] });
  await settled();
  const puer = tagIn(await groupNamed('兴趣偏好'), '普洱');
  expect(puer.wecomTagId).toBe(corpTagId('兴趣偏好', '普洱'));

  sim.adminEditsCorpTags({ op: 'rename', id: corpTagId('兴趣偏好', '普洱'), name: '普洱茶' });
  await settled();
  expect(tagIn(await groupNamed('兴趣偏好'), '普洱茶').id).toBe(puer.id);

  sim.adminEditsCorpTags({ op: 'delete', tagIds: [puer.wecomTagId as string] });
  await settled();
  const archived = tagIn(await groupNamed('兴趣偏好'), '普洱茶');
  expect(archived).toMatchObject({ wecomTagId: null, archivedAt: expect.any(String) });
  // Kept for history, no longer given.
  const customerId = (await world.owner.get('/api/customers?limit=1')).body.items[0].id;
  const refused = await world.owner.post(`/api/customers/${customerId}/tags`, { tagIds: [archived.id] });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'tag.archived']);
});

let xiaohong: { externalUserId: string; customerId: string };

test('a customer added with corp tags gets them as Siyu tags, and nothing is marked back', async () => {
  const { sim } = world;
  const before = sim.apiCalls.length;
  const added = await sim.customerAddsGuide({
    userId: 'zhangsan',
    name: '小红',
    tagIds: [corpTagId('会员等级', '金卡'), corpTagId('兴趣偏好', '红茶')],
  });
  await settled();
  const customerId = await customerOf(added.externalUserId);
  xiaohong = { externalUserId: added.externalUserId, customerId };
  expect(await tagsOf(customerId)).toEqual(
    expect.arrayContaining([
      { name: '金卡', source: 'wecom' },
      { name: '红茶', source: 'wecom' },
    ]),
  );
  expect(callsOf('externalcontact/mark_tag', before)).toEqual([]);
});

test('tagging in Siyu marks the corp tag on the contact in WeCom, untagging removes it', async () => {
  const { sim, owner } = world;
  const silver = tagIn(await groupNamed('会员等级'), '银卡');
  const tagged = await owner.post(`/api/customers/${xiaohong.customerId}/tags`, { tagIds: [silver.id] });
  expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
  await settled();
  expect(sim.followTagIds('zhangsan', xiaohong.externalUserId).sort()).toEqual(
    [corpTagId('会员等级', '金卡'), corpTagId('兴趣偏好', '红茶'), corpTagId('会员等级', '银卡')].sort(),
  );

  const untagged = await owner.request('DELETE', `/api/customers/${xiaohong.customerId}/tags/${silver.id}`);
  expect(untagged.status).toBe(204);
  await settled();
  expect(sim.followTagIds('zhangsan', xiaohong.externalUserId)).not.toContain(corpTagId('会员等级', '银卡'));

  // In bulk too, and a tag of a group that is not synced never reaches WeCom.
  const before = sim.apiCalls.length;
  const bulk = await owner.post(`/api/tags/${silver.id}/customers`, { customerIds: [xiaohong.customerId] });
  expect(bulk.body).toMatchObject({ matched: 1, changed: 1 });
  await settled();
  expect(sim.followTagIds('zhangsan', xiaohong.externalUserId)).toContain(corpTagId('会员等级', '银卡'));
  expect(callsOf('externalcontact/mark_tag', before)).toHaveLength(1);
  const local = (await groups()).flatMap((g) => (g.wecomSync ? [] : g.tags)).find((t) => t.rule === null) as Tag;
  const marksBefore = callsOf('externalcontact/mark_tag').length;
  const localTagged = await owner.post(`/api/customers/${xiaohong.customerId}/tags`, { tagIds: [local.id] });
  expect(localTagged.status).toBe(200);
  await settled();
  expect(callsOf('externalcontact/mark_tag')).toHaveLength(marksBefore);
});

test('a guide taking a corp tag off in WeCom takes it off in Siyu, and nothing is pushed back', async () => {
  const { sim } = world;
  const before = sim.apiCalls.length;
  await sim.guideTagsCustomer({
    userId: 'zhangsan',
    externalUserId: xiaohong.externalUserId,
    remove: [corpTagId('会员等级', '金卡')],
    add: [corpTagId('兴趣偏好', '茶具')],
  });
  await settled();
  const names = (await tagsOf(xiaohong.customerId)).map((t) => t.name);
  expect(names).not.toContain('金卡');
  expect(names).toContain('茶具');
  expect(callsOf('externalcontact/mark_tag', before)).toEqual([]);
  const history = await db().query<{ tag_name: string; change: string; source: string }>(
    `SELECT tag_name, change, source FROM tag_history WHERE customer_id = $1 AND tag_name IN ('金卡', '茶具')
      ORDER BY id`,
    [xiaohong.customerId],
  );
  expect(history.slice(-2)).toEqual([
    { tag_name: '茶具', change: 'added', source: 'wecom' },
    { tag_name: '金卡', change: 'removed', source: 'wecom' },
  ]);
});

test('a second guide’s relationship gets the customer’s synced tags marked on it', async () => {
  const { sim } = world;
  await sim.customerAddsGuide({ userId: 'lisi', externalUserId: xiaohong.externalUserId });
  await settled();
  expect(sim.followTagIds('lisi', xiaohong.externalUserId).sort()).toEqual(
    sim.followTagIds('zhangsan', xiaohong.externalUserId).sort(),
  );
});

test('tags made, renamed and deleted in a synced group in Siyu are made, renamed and deleted in WeCom, once', async () => {
  const { sim, owner } = world;
  const level = await groupNamed('会员等级');
  const before = sim.apiCalls.length;
  const created = await owner.post('/api/tags', { groupId: level.id, name: '钻石卡' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await settled();
  const diamond = tagIn(await groupNamed('会员等级'), '钻石卡');
  expect(diamond.wecomTagId).toBe(corpTagId('会员等级', '钻石卡'));
  // WeCom's create callback came back and was recognised: one tag, one add_corp_tag.
  expect((await groupNamed('会员等级')).tags.filter((t) => t.name.startsWith('钻石卡'))).toHaveLength(1);
  expect(callsOf('externalcontact/add_corp_tag', before)).toHaveLength(1);

  const renamed = await owner.request('PATCH', `/api/tags/${diamond.id}`, { name: '黑钻卡' });
  expect(renamed.status).toBe(200);
  await settled();
  expect(corpGroup('会员等级')?.tags.find((t) => t.id === diamond.wecomTagId)?.name).toBe('黑钻卡');
  expect(tagIn(await groupNamed('会员等级'), '黑钻卡').id).toBe(diamond.id);
  expect(callsOf('externalcontact/edit_corp_tag', before)).toHaveLength(1);

  const moved = await owner.request('PATCH', `/api/tags/${diamond.id}`, {
    groupId: (await groupNamed('兴趣偏好')).id,
  });
  expect([moved.status, moved.body.error.code]).toEqual([409, 'tag.wecom_move']);

  expect((await owner.request('DELETE', `/api/tags/${diamond.id}`)).status).toBe(204);
  await settled();
  expect(corpGroup('会员等级')?.tags.some((t) => t.id === diamond.wecomTagId)).toBe(false);
  expect((await groupNamed('会员等级')).tags.some((t) => t.name === '黑钻卡')).toBe(false);
});

test('a Siyu group set to sync reaches WeCom with its first tag', async () => {
  const { sim, owner } = world;
  const group = await owner.post('/api/tag-groups', { name: '门店', wecomSync: true });
  expect(group.status, JSON.stringify(group.body)).toBe(201);
  expect(group.body).toMatchObject({ source: 'siyu', wecomSync: true, wecomGroupId: null });
  await settled();
  expect(corpGroup('门店')).toBeUndefined();

  await owner.post('/api/tags', { groupId: group.body.id, name: '杭州湖滨店' });
  await settled();
  expect(corpGroup('门店')?.tags.map((t) => t.name)).toEqual(['杭州湖滨店']);
  const synced = await groupNamed('门店');
  expect(synced.wecomGroupId).toBe(corpGroup('门店')?.groupId);
  expect(tagIn(synced, '杭州湖滨店').wecomTagId).toBe(corpTagId('门店', '杭州湖滨店'));
  expect(sim.tagGroups.filter((g) => g.groupName === '门店')).toHaveLength(1);
});

test('a channel code’s auto-tag in a synced group is marked on the contact who came through the code', async () => {
  const { sim, owner } = world;
  const channels = await owner.get('/api/acquisition/channels');
  const poster = channels.body.items.find((c: { key: string }) => c.key === 'poster').id;
  const gold = tagIn(await groupNamed('会员等级'), '金卡');
  const created = await owner.post('/api/acquisition/codes', {
    channelId: poster,
    name: '金卡专属码',
    mode: 'round_robin',
    guides: [{ staffId: world.guides.lisi?.staffId }],
    tagIds: [gold.id],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await settled();
  const configId = (await owner.get(`/api/acquisition/codes/${created.body.id}`)).body.configId as string;
  expect(configId).toBeTruthy();
  const added = await sim.customerAddsGuide({ configId, name: '阿金' });
  await settled();
  const customerId = await customerOf(added.externalUserId);
  expect(await tagsOf(customerId)).toContainEqual({ name: '金卡', source: expect.any(String) });
  expect(sim.followTagIds('lisi', added.externalUserId)).toEqual([gold.wecomTagId]);
});

test('a sync WeCom refuses is reported with the reason, and the next one recovers', async () => {
  const { sim, owner } = world;
  sim.failNext('externalcontact/get_corp_tag_list', 60020);
  expect((await owner.post('/api/tags/wecom-sync', {})).status).toBe(202);
  await settled();
  const failed = await owner.request('GET', '/api/tags/wecom-sync', undefined, { 'accept-language': 'en' });
  expect(failed.body).toMatchObject({ state: 'idle', lastStatus: 'failed', lastResult: null });
  expect(failed.body.lastError.code).toBe('wecom.ip_not_allowed');
  expect(failed.body.lastError.message).not.toBe('wecom.ip_not_allowed');

  await owner.post('/api/tags/wecom-sync', {});
  await settled();
  expect((await owner.get('/api/tags/wecom-sync')).body).toMatchObject({ lastStatus: 'succeeded', lastError: null });
});

test('guides see the sync state but cannot start a sync', async () => {
  const guide = world.guides.zhangsan?.client;
  const denied = await guide?.post('/api/tags/wecom-sync', {});
  expect(denied?.status).toBe(403);
  expect((await guide?.get('/api/tags/wecom-sync'))?.status).toBe(200);
});
