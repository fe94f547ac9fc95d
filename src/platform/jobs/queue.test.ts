import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase, testDbKind } from '../../../test/support/databases.ts';
import { addWorkspace, eventually, jobRow, memoryLog } from './fixtures/helpers.ts';
import { type ClaimedJob, enqueue, startWorker } from './index.ts';

let t: TestDatabase;
let brandA: string;
let brandB: string;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  brandA = await addWorkspace(t.db, 'brand-a');
  brandB = await addWorkspace(t.db, 'brand-b');
  await t.db.exec(`CREATE TABLE job_effects (job_id bigint NOT NULL, note text);
                   GRANT SELECT, INSERT ON job_effects TO siyu_app;`);
});
afterAll(() => t.drop());

test('a queued job runs once, and its effects commit with its completion', async () => {
  const seen: ClaimedJob[] = [];
  const worker = startWorker(t.db, {
    handlers: {
      'test.greet': async (job, tx) => {
        seen.push(job);
        await tx.query('INSERT INTO job_effects (job_id, note) VALUES ($1, $2)', [job.id, 'hello']);
      },
    },
    pollMs: 20,
    log: memoryLog(),
  });
  try {
    const id = (await enqueue(t.db, { kind: 'test.greet', payload: { name: '小明' }, maxAttempts: 3 }))!;
    worker.wake();
    const row = await eventually(async () => {
      const r = await jobRow(t.db, id);
      return r.state === 'succeeded' && r;
    });
    expect(row.attempts).toBe(1);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(seen).toEqual([
      { id, kind: 'test.greet', workspaceId: null, payload: { name: '小明' }, attempts: 1, maxAttempts: 3 },
    ]);
    const effects = await t.db.query('SELECT note FROM job_effects WHERE job_id = $1', [id]);
    expect(effects).toEqual([{ note: 'hello' }]);
  } finally {
    await worker.stop();
  }
});

test("a workspace's job runs in that workspace's tenant transaction", async () => {
  const visible: { workspaceId: string | null; jobs: number }[] = [];
  const worker = startWorker(t.db, {
    handlers: {
      'test.tenant': async (job, tx) => {
        // No workspace filter on purpose: row-level security must confine the handler to its workspace.
        const rows = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE kind = 'test.tenant'`);
        visible.push({ workspaceId: tx.workspaceId, jobs: rows[0]!.n });
        await tx.query('INSERT INTO job_effects (job_id, note) VALUES ($1, $2)', [job.id, tx.workspaceId]);
      },
    },
    pollMs: 20,
    log: memoryLog(),
  });
  try {
    // In a tenant transaction the job belongs to that workspace without saying so.
    const a = (await t.db.tenant(brandA, (tx) => enqueue(tx, { kind: 'test.tenant' })))!;
    const b = (await enqueue(t.db, { kind: 'test.tenant', workspaceId: brandB }))!;
    const owners = await t.db.query<{ workspace_id: string }>(
      'SELECT workspace_id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[a, b]],
    );
    expect(owners.map((o) => o.workspace_id)).toEqual([brandA, brandB]);
    worker.wake();
    await eventually(async () => (await jobRow(t.db, a)).state === 'succeeded');
    await eventually(async () => (await jobRow(t.db, b)).state === 'succeeded');
    expect(visible.sort((x, y) => String(x.workspaceId).localeCompare(String(y.workspaceId)))).toEqual(
      [
        { workspaceId: brandA, jobs: 1 },
        { workspaceId: brandB, jobs: 1 },
      ].sort((x, y) => x.workspaceId.localeCompare(y.workspaceId)),
    );
  } finally {
    await worker.stop();
  }
});

test('a second job with the same kind and dedupe key is not created', async () => {
  const first = await enqueue(t.db, { kind: 'test.dedupe', dedupeKey: 'order-42' });
  const again = await enqueue(t.db, { kind: 'test.dedupe', dedupeKey: 'order-42', payload: { other: true } });
  const otherKind = await enqueue(t.db, { kind: 'test.dedupe-other', dedupeKey: 'order-42' });
  const noKey = [await enqueue(t.db, { kind: 'test.dedupe' }), await enqueue(t.db, { kind: 'test.dedupe' })];
  expect(first).toBeTypeOf('number');
  expect(again).toBeNull();
  expect(otherKind).toBeTypeOf('number');
  expect(noKey.every((id) => typeof id === 'number')).toBe(true);
  const rows = await t.db.query(`SELECT payload FROM jobs WHERE kind = 'test.dedupe' AND dedupe_key = 'order-42'`);
  expect(rows).toEqual([{ payload: {} }]);
});

test('a job whose kind has no handler fails with a clear error instead of disappearing', async () => {
  const log = memoryLog();
  const worker = startWorker(t.db, { handlers: {}, pollMs: 20, log });
  try {
    const id = (await enqueue(t.db, { kind: 'nobody.handles', maxAttempts: 1 }))!;
    worker.wake();
    const row = await eventually(async () => {
      const r = await jobRow(t.db, id);
      return r.state === 'dead' && r;
    });
    expect(row.last_error).toMatch(/no handler is registered for job kind 'nobody.handles'/);
    expect(log.lines.some((l) => l.level === 'error' && l.msg.includes('dead'))).toBe(true);
  } finally {
    await worker.stop();
  }
});

test.skipIf(testDbKind() === 'pglite')('on PostgreSQL an idle worker is woken by NOTIFY, not by its poll', async () => {
  const done: number[] = [];
  const worker = startWorker(t.db, {
    handlers: { 'test.notify': async (job) => void done.push(job.id) },
    pollMs: 60_000,
    databaseUrl: t.url,
    log: memoryLog(),
  });
  try {
    // The first job is found by the worker's first look; by then it is listening.
    const first = (await enqueue(t.db, { kind: 'test.notify' }))!;
    await eventually(async () => done.includes(first));
    const second = (await t.db.transaction((tx) => enqueue(tx, { kind: 'test.notify' })))!;
    await eventually(async () => done.includes(second), 5000);
  } finally {
    await worker.stop();
  }
});
