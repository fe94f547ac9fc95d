import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase, testDbKind } from '../../../test/support/databases.ts';
import { eventually, jobRow, memoryLog } from './fixtures/helpers.ts';
import { enqueue, startWorker } from './index.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/sleepy-worker.ts');
let t: TestDatabase;
let child: ChildProcess | null = null;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  await t.db.exec('CREATE TABLE job_effects (job_id bigint NOT NULL, attempt int NOT NULL)');
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await t.drop();
});

/** Resolves with the first stdout line of `proc` that matches, or rejects when it exits first. */
function lineFrom(proc: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) resolve(line);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on('exit', (code) => reject(new Error(`worker exited (${code}) before saying ${pattern}: ${err}`)));
  });
}

test.skipIf(testDbKind() === 'pglite')(
  'a job whose worker is killed mid-run is taken over after its lease and its effects land exactly once',
  async () => {
    const id = (await enqueue(t.db, { kind: 'test.sleepy' }))!;
    child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, SIYU_TEST_DB_URL: t.url ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(await lineFrom(child, /^started \d+$/)).toBe(`started ${id}`);
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;

    const worker = startWorker(t.db, {
      handlers: {
        'test.sleepy': async (job, tx) => {
          await tx.query('INSERT INTO job_effects (job_id, attempt) VALUES ($1, $2)', [job.id, job.attempts]);
        },
      },
      leaseSeconds: 2,
      pollMs: 100,
      log: memoryLog(),
    });
    try {
      const row = await eventually(async () => {
        const r = await jobRow(t.db, id);
        return r.state === 'succeeded' && r;
      });
      expect(row.attempts).toBe(2);
      expect(row.last_error).toBe('lease of worker sleepy expired during attempt 1');
    } finally {
      await worker.stop();
    }
    const effects = await t.db.query('SELECT job_id, attempt FROM job_effects');
    expect(effects).toEqual([{ job_id: id, attempt: 2 }]);
  },
);
