// Each chunk of an import is a job of its own that commits its rows and its progress. Driven here job by job, with
// no workers running, the import reads queued, then running with nothing done, then one chunk done, two, and all.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import type { DataImport } from '../../contracts/events.ts';
import { claimJobs, type JobHandler, runJob } from '../../platform/jobs/index.ts';
import { IMPORT_CHUNK } from './import.ts';
import { CHUNK_JOB, PREPARE_JOB } from './import-jobs.ts';

let server: TestServer;
let owner: ApiClient;
let handlers: Record<string, JobHandler>;
const log = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  server = await startTestServer();
  owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password);
  handlers = Object.assign({}, ...server.siyu.modules.map((m) => m.jobs ?? {}));
});
afterAll(() => server.close());

/** Claims the next due job, which must be of this kind, and runs it the way a worker would. */
async function runNext(kind: string): Promise<void> {
  const [job] = await claimJobs(server.siyu.db, { workerId: 'test', limit: 1, leaseSeconds: 60, now: new Date() });
  expect(job?.kind).toBe(kind);
  if (!job) return;
  expect(await runJob(server.siyu.db, job, handlers[job.kind], { workerId: 'test', now: () => new Date(), log })).toBe(
    'succeeded',
  );
}

test('an import shows its progress chunk by chunk, each chunk committed by its own job', async () => {
  const rows = IMPORT_CHUNK * 2 + 20;
  const lines = ['手机号,姓名'];
  for (let i = 0; i < rows; i++) lines.push(`1360000${String(i).padStart(4, '0')},进度${i}`);
  lines[IMPORT_CHUNK + 3] = '123,坏号码';
  const res = await owner.request<DataImport>(
    'POST',
    '/api/imports?kind=customers&filename=progress.csv',
    Buffer.from(lines.join('\n')),
    { 'content-type': 'text/csv' },
  );
  expect(res.status).toBe(202);
  const now = async () => (await owner.get<DataImport>(`/api/imports/${res.body.id}`)).body;

  expect(await now()).toMatchObject({ state: 'queued', totalRows: null, doneRows: 0, progress: 0 });
  await runNext(PREPARE_JOB);
  expect(await now()).toMatchObject({ state: 'running', totalRows: rows, doneRows: 0, progress: 0, imported: 0 });
  await runNext(CHUNK_JOB);
  const percent = (done: number) => Math.floor((done * 100) / rows);
  expect(await now()).toMatchObject({
    state: 'running',
    doneRows: IMPORT_CHUNK,
    progress: percent(IMPORT_CHUNK),
    imported: IMPORT_CHUNK,
  });
  await runNext(CHUNK_JOB);
  expect(await now()).toMatchObject({
    state: 'running',
    doneRows: IMPORT_CHUNK * 2,
    progress: percent(IMPORT_CHUNK * 2),
    failed: 1,
  });
  await runNext(CHUNK_JOB);
  const done = await now();
  expect(done).toMatchObject({ state: 'succeeded', doneRows: rows, progress: 100, imported: rows - 1, failed: 1 });
  expect(done.finishedAt).not.toBeNull();
  expect(await claimJobs(server.siyu.db, { workerId: 'test', limit: 1, leaseSeconds: 60, now: new Date() })).toEqual(
    [],
  );
});
