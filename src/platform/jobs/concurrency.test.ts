import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase, testDbKind } from '../../../test/support/databases.ts';
import { type Db, openPostgres } from '../db/index.ts';
import { eventually, memoryLog } from './fixtures/helpers.ts';
import { enqueue, type JobHandler, startWorker } from './index.ts';

let t: TestDatabase;
const pools: Db[] = [];

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  await t.db.exec('CREATE TABLE job_effects (job_id bigint NOT NULL, worker text NOT NULL)');
});
afterAll(async () => {
  for (const pool of pools) await pool.close();
  await t.drop();
});

/** On PostgreSQL each worker gets its own pool, as separate processes would; PGlite has the one connection. */
function connection(): Db {
  if (!t.url) return t.db;
  const db = openPostgres(t.url, 4);
  pools.push(db);
  return db;
}

test('two workers on one queue never run a job twice', async () => {
  const runs = new Map<number, string[]>();
  const handler =
    (worker: string): JobHandler =>
    async (job, tx) => {
      runs.set(job.id, [...(runs.get(job.id) ?? []), worker]);
      await tx.query('INSERT INTO job_effects (job_id, worker) VALUES ($1, $2)', [job.id, worker]);
      // Yield so the other worker's claims interleave with this job's transaction.
      await new Promise((r) => setTimeout(r, 2));
    };
  const ids: number[] = [];
  for (let i = 0; i < 80; i++) ids.push((await enqueue(t.db, { kind: 'test.shared', payload: { i } }))!);
  const workers = ['w1', 'w2'].map((id) =>
    startWorker(connection(), {
      workerId: id,
      handlers: { 'test.shared': handler(id) },
      concurrency: 3,
      pollMs: 20,
      log: memoryLog(),
    }),
  );
  try {
    await eventually(async () => {
      const rows = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE state <> 'succeeded'`);
      return rows[0]!.n === 0;
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  expect([...runs.keys()].sort((a, b) => a - b)).toEqual(ids);
  expect([...runs.values()].filter((by) => by.length !== 1)).toEqual([]);
  const effects = await t.db.query<{ n: number; jobs: number }>(
    'SELECT count(*) AS n, count(DISTINCT job_id) AS jobs FROM job_effects',
  );
  expect(effects[0]).toEqual({ n: 80, jobs: 80 });
  const attempts = await t.db.query<{ attempts: number }>('SELECT DISTINCT attempts FROM jobs');
  expect(attempts).toEqual([{ attempts: 1 }]);
});

// PGlite takes a long lease instead: its one connection is held by the handler, so a heartbeat could not pass.
test.skipIf(testDbKind() === 'pglite')('a job running past its lease keeps it by heartbeat', async () => {
  const runs: string[] = [];
  const id = (await enqueue(t.db, { kind: 'test.long' }))!;
  const long =
    (worker: string): JobHandler =>
    async () => {
      runs.push(worker);
      await new Promise((r) => setTimeout(r, 2500));
    };
  const first = startWorker(connection(), {
    workerId: 'first',
    handlers: { 'test.long': long('first') },
    leaseSeconds: 1,
    pollMs: 20,
    log: memoryLog(),
  });
  await eventually(async () => runs.length === 1);
  const second = startWorker(connection(), {
    workerId: 'second',
    handlers: { 'test.long': long('second') },
    leaseSeconds: 1,
    pollMs: 20,
    log: memoryLog(),
  });
  try {
    await eventually(async () => {
      const rows = await t.db.query<{ state: string }>('SELECT state FROM jobs WHERE id = $1', [id]);
      return rows[0]!.state === 'succeeded';
    });
  } finally {
    await Promise.all([first.stop(), second.stop()]);
  }
  expect(runs).toEqual(['first']);
  const [row] = await t.db.query<{ attempts: number }>('SELECT attempts FROM jobs WHERE id = $1', [id]);
  expect(row!.attempts).toBe(1);
});
