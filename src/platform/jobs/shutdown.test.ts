import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { eventually, jobRow, memoryLog } from './fixtures/helpers.ts';
import { enqueue, startWorker } from './index.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

test('stop() waits for the job in flight to finish, then claims nothing more', async () => {
  let started = false;
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  // Both jobs exist before the worker starts: on PGlite the running handler's transaction holds the one
  // connection, so the test could not enqueue while it runs.
  const slow = (await enqueue(t.db, { kind: 'test.slow', runAt: new Date(Date.now() - 60_000) }))!;
  const later = (await enqueue(t.db, { kind: 'test.slow' }))!;
  const worker = startWorker(t.db, {
    handlers: {
      'test.slow': async () => {
        started = true;
        await gate;
      },
    },
    concurrency: 1,
    pollMs: 20,
    log: memoryLog(),
  });
  await eventually(async () => started);

  let stopped = false;
  const stopping = worker.stop().then(() => {
    stopped = true;
  });
  await new Promise((r) => setTimeout(r, 100));
  expect(stopped).toBe(false);

  release();
  await stopping;
  expect(await jobRow(t.db, slow)).toMatchObject({ state: 'succeeded', attempts: 1 });
  expect(await jobRow(t.db, later)).toMatchObject({ state: 'queued', attempts: 0 });
});
