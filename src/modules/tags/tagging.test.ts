import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { createWorkspace } from '../../platform/workspaces.ts';
import { CustomerParticipants } from '../customers/participants.ts';
import { insertCustomer } from '../customers/profiles.ts';
import { mergeCustomers, unmergeCustomers } from '../customers/resolution.ts';
import { timeline } from '../customers/timeline.ts';
import { createTag, createTagGroup, setTagRule } from './catalog.ts';
import { tagsMergeParticipant, tagsTimelineSource } from './participants.ts';
import { customerTags, syncRuleTag, tagCustomers, untagCustomers } from './tagging.ts';

let t: TestDatabase;
let ws: string;
const participants = new CustomerParticipants();
participants.addMergeParticipant(tagsMergeParticipant);
participants.addTimelineSource(tagsTimelineSource);

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  ws = await createWorkspace(t.db, { slug: 'tags-a', name: 'A' });
});
afterAll(() => t.drop());

const at = (day: number, minute = 0) => new Date(Date.UTC(2024, 0, day, 8, minute));
const inWs = <T>(fn: (tx: Parameters<Parameters<TestDatabase['db']['tenant']>[1]>[0]) => Promise<T>) =>
  t.db.tenant(ws, fn);

async function customers(n: number): Promise<string[]> {
  return inWs(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await insertCustomer(tx, ws, { name: `c${i}` }, at(1))).id);
    return ids;
  });
}

async function newTag(name: string): Promise<string> {
  return inWs(async (tx) => {
    const group = await createTagGroup(tx, ws, { name: `g-${name}` });
    return (await createTag(tx, ws, { groupId: group.id, name })).id;
  });
}

const events = (type: string, tagId: string) =>
  inWs((tx) =>
    tx.query<{ customer_id: string }>(
      `SELECT payload->>'customerId' AS customer_id FROM domain_events WHERE type = $1 AND payload->>'tagId' = $2
        ORDER BY id, index`,
      [type, tagId],
    ),
  );

test('bulk tagging adds the tag once per customer, writes history and one event per changed customer', async () => {
  const [a, b, c] = (await customers(3)) as [string, string, string];
  const tag = await newTag('奶茶控');
  const first = await inWs((tx) => tagCustomers(tx, ws, tag, [a, b, a], 'bulk', 'staff-1', at(2)));
  expect(first.sort()).toEqual([a, b].sort());
  const second = await inWs((tx) => tagCustomers(tx, ws, tag, [a, b, c], 'bulk', 'staff-1', at(3)));
  expect(second).toEqual([c]);
  expect((await events('tag.added', tag)).map((e) => e.customer_id).sort()).toEqual([a, b, c].sort());

  const removed = await inWs((tx) => untagCustomers(tx, ws, tag, [b, c, c], 'manual', 'staff-2', at(4)));
  expect(removed.sort()).toEqual([b, c].sort());
  expect((await events('tag.removed', tag)).map((e) => e.customer_id).sort()).toEqual([b, c].sort());
  const history = await inWs((tx) =>
    tx.query<{ change: string; source: string; actor_id: string }>(
      'SELECT change, source, actor_id FROM tag_history WHERE customer_id = $1 ORDER BY id',
      [c],
    ),
  );
  expect(history).toEqual([
    { change: 'added', source: 'bulk', actor_id: 'staff-1' },
    { change: 'removed', source: 'manual', actor_id: 'staff-2' },
  ]);
  expect((await inWs((tx) => customerTags(tx, ws, a))).map((r) => r.name)).toEqual(['奶茶控']);
});

test('tag history appears on the customer timeline, newest first, across pages', async () => {
  const [a] = (await customers(1)) as [string];
  const tags = [await newTag('t1'), await newTag('t2'), await newTag('t3')];
  await inWs(async (tx) => {
    for (const [i, tag] of tags.entries()) await tagCustomers(tx, ws, tag, [a], 'manual', null, at(5, i));
    await untagCustomers(tx, ws, tags[0] as string, [a], 'manual', null, at(6));
  });
  const pageOne = await inWs((tx) => timeline(tx, participants.timeline, ws, a, undefined, 3));
  expect(pageOne.items.map((i) => [i.kind, i.title])).toEqual([
    ['tag.removed', 't1'],
    ['tag.added', 't3'],
    ['tag.added', 't2'],
  ]);
  const pageTwo = await inWs((tx) => timeline(tx, participants.timeline, ws, a, pageOne.nextCursor ?? '', 3));
  expect(pageTwo.items.map((i) => [i.kind, i.title])).toEqual([['tag.added', 't1']]);
  expect(pageTwo.nextCursor).toBeNull();
});

test('a merge gives the survivor the union of both customers’ tags and unmerge puts them back', async () => {
  const [survivor, merged] = (await customers(2)) as [string, string];
  const [both, onlyMerged, onlySurvivor] = [await newTag('both'), await newTag('only-m'), await newTag('only-s')];
  await inWs(async (tx) => {
    await tagCustomers(tx, ws, both, [survivor, merged], 'manual', null, at(7));
    await tagCustomers(tx, ws, onlyMerged, [merged], 'manual', null, at(7));
    await tagCustomers(tx, ws, onlySurvivor, [survivor], 'manual', null, at(7));
  });
  const mergeId = await inWs((tx) => mergeCustomers(tx, participants, ws, survivor, merged, 'test'));
  const names = async (id: string) => (await inWs((tx) => customerTags(tx, ws, id))).map((r) => r.name).sort();
  expect(await names(survivor)).toEqual(['both', 'only-m', 'only-s']);
  expect(await names(merged)).toEqual([]);
  const survivorTimeline = await inWs((tx) => timeline(tx, participants.timeline, ws, survivor, undefined, 50));
  expect(survivorTimeline.items).toHaveLength(4);

  await inWs((tx) => unmergeCustomers(tx, participants, ws, mergeId));
  expect(await names(survivor)).toEqual(['both', 'only-s']);
  expect(await names(merged)).toEqual(['both', 'only-m']);
  const mergedTimeline = await inWs((tx) => timeline(tx, participants.timeline, ws, merged, undefined, 50));
  expect(mergedTimeline.items).toHaveLength(2);
});

test('an auto-tag follows its rule’s members and refuses tagging by hand', async () => {
  const [a, b, c] = (await customers(3)) as [string, string, string];
  const tag = await newTag('高价值');
  await inWs((tx) => setTagRule(tx, ws, tag, { and: [{ type: 'trait.rfm_group', value: 'important_value' }] }));
  await expect(inWs((tx) => tagCustomers(tx, ws, tag, [a], 'manual', null))).rejects.toMatchObject({
    code: 'tag.rule_managed',
  });
  expect(await inWs((tx) => syncRuleTag(tx, ws, tag, [a, b], at(8)))).toEqual({
    added: expect.arrayContaining([a, b]),
    removed: [],
  });
  const next = await inWs((tx) => syncRuleTag(tx, ws, tag, [b, c], at(9)));
  expect(next).toEqual({ added: [c], removed: [a] });
  const sources = await inWs((tx) =>
    tx.query<{ source: string }>('SELECT DISTINCT source FROM tag_history WHERE tag_id = $1', [tag]),
  );
  expect(sources).toEqual([{ source: 'rule' }]);
});
