import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { addWorkspace } from './fixtures/helpers.ts';
import { enqueue, InvalidJobCursor, listJobs } from './index.ts';

let t: TestDatabase;
let brand: string;
const ids: number[] = [];

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  brand = await addWorkspace(t.db, 'brand-console');
  const other = await addWorkspace(t.db, 'brand-elsewhere');
  for (let i = 0; i < 5; i++) {
    ids.push((await enqueue(t.db, { kind: 'test.list', workspaceId: brand, payload: { i } }))!);
  }
  await enqueue(t.db, { kind: 'test.list', workspaceId: other });
  await enqueue(t.db, { kind: 'test.system' });
  await t.db.query(`UPDATE jobs SET state = 'dead', last_error = 'gave up', finished_at = now() WHERE id = $1`, [
    ids[1],
  ]);
});
afterAll(() => t.drop());

test("the console pages through its workspace's jobs newest first", async () => {
  const seen: string[] = [];
  let cursor: string | undefined;
  const pages: number[] = [];
  do {
    const page = await t.db.tenant(brand, (tx) => listJobs(tx, { limit: 2, ...(cursor ? { cursor } : {}) }));
    pages.push(page.items.length);
    seen.push(...page.items.map((j) => j.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  expect(pages).toEqual([2, 2, 1]);
  expect(seen).toEqual([...ids].reverse().map(String));
});

test('a job is shown in the contract shape, and the state filter narrows the list', async () => {
  const page = await t.db.tenant(brand, (tx) => listJobs(tx, { state: 'dead', limit: 10 }));
  expect(page.nextCursor).toBeNull();
  expect(page.items).toEqual([
    {
      id: String(ids[1]),
      kind: 'test.list',
      state: 'dead',
      attempts: 0,
      maxAttempts: 8,
      runAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      lastError: 'gave up',
      payload: { i: 1 },
      createdAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
    },
  ]);
});

test('an owner transaction lists every workspace and the system jobs', async () => {
  const page = await t.db.transaction((tx) => listJobs(tx, { limit: 50 }));
  expect(page.items.map((j) => j.kind).sort()).toEqual([...Array(6).fill('test.list'), 'test.system']);
});

test('a cursor this API did not hand out is refused', async () => {
  await expect(t.db.tenant(brand, (tx) => listJobs(tx, { limit: 2, cursor: 'abc' }))).rejects.toThrow(InvalidJobCursor);
});
