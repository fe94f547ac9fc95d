import { afterAll, beforeAll, beforeEach, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { jobRow, memoryLog } from './fixtures/helpers.ts';
import { claimJobs, enqueue, type JobHandler, runJob } from './index.ts';

let t: TestDatabase;
const log = memoryLog();
const at = (base: Date, seconds: number) => new Date(base.getTime() + seconds * 1000);

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  await t.db.exec('CREATE TABLE job_effects (job_id bigint NOT NULL, worker text NOT NULL)');
});
afterAll(() => t.drop());
// Each test claims whatever is due, so each starts from an empty queue.
beforeEach(() => t.db.exec('DELETE FROM jobs'));

const effect =
  (worker: string): JobHandler =>
  async (job, tx) => {
    await tx.query('INSERT INTO job_effects (job_id, worker) VALUES ($1, $2)', [job.id, worker]);
  };

test('a worker whose lease was taken over cannot complete the job, and its effects roll back', async () => {
  const id = (await enqueue(t.db, { kind: 'test.fenced' }))!;
  const t0 = at(new Date(), 60);
  const [stale] = await claimJobs(t.db, { workerId: 'slow', limit: 1, leaseSeconds: 30, now: t0 });
  const [fresh] = await claimJobs(t.db, { workerId: 'fast', limit: 1, leaseSeconds: 30, now: at(t0, 31) });
  expect(fresh).toMatchObject({ id, attempts: 2 });
  expect((await jobRow(t.db, id)).last_error).toBe('lease of worker slow expired during attempt 1');

  expect(await runJob(t.db, stale!, effect('slow'), { workerId: 'slow', now: () => at(t0, 40), log })).toBe('lost');
  expect(await t.db.query('SELECT worker FROM job_effects WHERE job_id = $1', [id])).toEqual([]);
  expect(await jobRow(t.db, id)).toMatchObject({ state: 'running', locked_by: 'fast', attempts: 2 });

  expect(await runJob(t.db, fresh!, effect('fast'), { workerId: 'fast', now: () => at(t0, 41), log })).toBe(
    'succeeded',
  );
  expect(await t.db.query('SELECT worker FROM job_effects WHERE job_id = $1', [id])).toEqual([{ worker: 'fast' }]);
  expect(await jobRow(t.db, id)).toMatchObject({ state: 'succeeded', attempts: 2 });
});

test("a worker whose lease was taken over cannot record a failure over the new owner's attempt", async () => {
  const id = (await enqueue(t.db, { kind: 'test.fenced-failure' }))!;
  const t0 = at(new Date(), 60);
  const [stale] = await claimJobs(t.db, { workerId: 'slow', limit: 1, leaseSeconds: 30, now: t0 });
  await claimJobs(t.db, { workerId: 'fast', limit: 1, leaseSeconds: 30, now: at(t0, 31) });
  const boom: JobHandler = async () => {
    throw new Error('too late anyway');
  };
  expect(await runJob(t.db, stale!, boom, { workerId: 'slow', now: () => at(t0, 40), log })).toBe('lost');
  expect(await jobRow(t.db, id)).toMatchObject({
    state: 'running',
    locked_by: 'fast',
    attempts: 2,
    last_error: 'lease of worker slow expired during attempt 1',
  });
});
