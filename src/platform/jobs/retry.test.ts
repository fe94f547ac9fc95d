import { afterAll, beforeAll, beforeEach, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { addWorkspace, jobRow, memoryLog } from './fixtures/helpers.ts';
import {
  claimJobs,
  enqueue,
  type JobHandler,
  JobNotFound,
  JobNotRetryable,
  retryDelaySeconds,
  retryJob,
  runJob,
} from './index.ts';

let t: TestDatabase;
let brand: string;
const log = memoryLog();
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);
const failing: JobHandler = async () => {
  throw new Error('coupon service said no');
};

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  brand = await addWorkspace(t.db, 'brand-retry');
});
afterAll(() => t.drop());
// Each test claims whatever is due, so each starts from an empty queue.
beforeEach(() => t.db.exec('DELETE FROM jobs'));

test('the backoff doubles from 10 s up to an hour, jittered within the upper half', () => {
  expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, () => 0))).toEqual([5, 10, 20, 40]);
  expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, () => 1))).toEqual([10, 20, 40, 80]);
  expect(retryDelaySeconds(30, () => 1)).toBe(3600);
});

test('a failing job is retried later and later, then dead after its last attempt; retryJob revives it', async () => {
  const id = (await enqueue(t.db, { kind: 'test.flaky', workspaceId: brand, maxAttempts: 3 }))!;
  const t0 = at(new Date(), 60);
  const claim = (now: Date) => claimJobs(t.db, { workerId: 'w1', limit: 10, leaseSeconds: 30, now });

  const [first] = await claim(t0);
  expect(await runJob(t.db, first!, failing, { workerId: 'w1', now: () => t0, log })).toBe('retrying');
  let row = await jobRow(t.db, id);
  expect(row.state).toBe('queued');
  expect(row.last_error).toMatch(/^Error: coupon service said no\n\s+at /);
  expect((row.run_at.getTime() - t0.getTime()) / 1000).toBeGreaterThanOrEqual(5);
  expect((row.run_at.getTime() - t0.getTime()) / 1000).toBeLessThanOrEqual(10);
  expect(await claim(at(t0, 4))).toEqual([]);

  const t1 = at(t0, 3600);
  const [second] = await claim(t1);
  expect(second!.attempts).toBe(2);
  expect(await runJob(t.db, second!, failing, { workerId: 'w1', now: () => t1, log })).toBe('retrying');
  row = await jobRow(t.db, id);
  expect((row.run_at.getTime() - t1.getTime()) / 1000).toBeGreaterThanOrEqual(10);
  expect((row.run_at.getTime() - t1.getTime()) / 1000).toBeLessThanOrEqual(20);

  const t2 = at(t0, 7200);
  const [third] = await claim(t2);
  expect(await runJob(t.db, third!, failing, { workerId: 'w1', now: () => t2, log })).toBe('dead');
  row = await jobRow(t.db, id);
  expect(row).toMatchObject({ state: 'dead', attempts: 3, finished_at: t2 });
  expect(await claim(at(t0, 99_999))).toEqual([]);

  const revived = await t.db.tenant(brand, (tx) => retryJob(tx, String(id)));
  expect(revived).toMatchObject({ id: String(id), state: 'queued', attempts: 0, finishedAt: null });
  expect(revived.lastError).toMatch(/coupon service said no/);
  const [again] = await claim(at(t0, 99_999));
  expect(again).toMatchObject({ id, attempts: 1 });
  expect(await runJob(t.db, again!, async () => {}, { workerId: 'w1', now: () => t2, log })).toBe('succeeded');
});

test('retryJob refuses a job that is not dead, and one it cannot see', async () => {
  const id = (await enqueue(t.db, { kind: 'test.calm', workspaceId: brand }))!;
  const other = await addWorkspace(t.db, 'brand-other');
  await expect(t.db.tenant(brand, (tx) => retryJob(tx, id))).rejects.toThrow(JobNotRetryable);
  await expect(t.db.tenant(brand, (tx) => retryJob(tx, id))).rejects.toMatchObject({
    code: 'jobs.not_retryable',
    status: 409,
  });
  await expect(t.db.tenant(other, (tx) => retryJob(tx, id))).rejects.toMatchObject({
    code: 'jobs.not_found',
    status: 404,
  });
  await expect(t.db.tenant(brand, (tx) => retryJob(tx, 'not-a-number'))).rejects.toThrow(JobNotFound);
  await expect(t.db.tenant(brand, (tx) => retryJob(tx, 987654))).rejects.toThrow(JobNotFound);
});

test('a job whose worker died during its last attempt goes dead when reclaimed, without running again', async () => {
  const id = (await enqueue(t.db, { kind: 'test.poison', maxAttempts: 1 }))!;
  const t0 = at(new Date(), 60);
  const [first] = await claimJobs(t.db, { workerId: 'doomed', limit: 1, leaseSeconds: 30, now: t0 });
  expect(first).toMatchObject({ id, attempts: 1 });
  // The doomed worker never finishes; its lease runs out.
  const [reclaimed] = await claimJobs(t.db, { workerId: 'w2', limit: 1, leaseSeconds: 30, now: at(t0, 31) });
  expect(reclaimed).toMatchObject({ id, attempts: 2 });
  let ran = false;
  const outcome = await runJob(
    t.db,
    reclaimed!,
    async () => {
      ran = true;
    },
    { workerId: 'w2', now: () => at(t0, 32), log },
  );
  expect(outcome).toBe('dead');
  expect(ran).toBe(false);
  expect((await jobRow(t.db, id)).last_error).toMatch(/no attempts left: attempt 1 of 1 lost its worker/);
});
