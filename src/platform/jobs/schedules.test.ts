import { afterAll, beforeAll, beforeEach, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { eventually, memoryLog } from './fixtures/helpers.ts';
import { fireDueSchedules, InvalidSchedule, nextSlot, type Schedule, startWorker, syncSchedules } from './index.ts';

let t: TestDatabase;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());
beforeEach(() => t.db.exec('DELETE FROM jobs; DELETE FROM job_schedules;'));

const minutely: Schedule = {
  name: 'traits.refresh',
  cron: '* * * * *',
  kind: 'traits.refresh',
  payload: { full: false },
};
const noop = async () => {};

async function scheduledJobs(kind: string) {
  return t.db.query<{ dedupe_key: string; payload: unknown }>(
    'SELECT dedupe_key, payload FROM jobs WHERE kind = $1 ORDER BY id',
    [kind],
  );
}

test('a cron expression is evaluated in the schedule’s time zone', () => {
  const after = new Date('2030-03-09T06:30:00Z');
  expect(nextSlot('0 3 * * *', 'Asia/Shanghai', after).toISOString()).toBe('2030-03-09T19:00:00.000Z');
  expect(nextSlot('0 3 * * *', 'UTC', after).toISOString()).toBe('2030-03-10T03:00:00.000Z');
});

test('a slot fires once even when two schedulers tick at the same time', async () => {
  await syncSchedules(t.db, [minutely], new Date('2030-01-01T00:00:30+08:00'));
  const slot = '2029-12-31T16:01:00.000Z';
  const now = new Date('2030-01-01T00:01:10+08:00');
  const fired = await Promise.all([
    fireDueSchedules(t.db, [minutely.name], now),
    fireDueSchedules(t.db, [minutely.name], now),
  ]);
  expect(fired[0] + fired[1]).toBe(1);
  expect(await fireDueSchedules(t.db, [minutely.name], now)).toBe(0);

  // Even a scheduler that acted on a stale next_run_at cannot fire the slot twice: the dedupe key holds.
  await t.db.query('UPDATE job_schedules SET next_run_at = $1', [new Date(slot)]);
  expect(await fireDueSchedules(t.db, [minutely.name], now)).toBe(1);
  expect(await scheduledJobs('traits.refresh')).toEqual([
    { dedupe_key: `traits.refresh@${slot}`, payload: { full: false } },
  ]);
});

test('slots missed while every worker was down fire once, not once each', async () => {
  await syncSchedules(t.db, [minutely], new Date('2030-01-01T00:00:30+08:00'));
  // Down from 00:00:30 to 00:06:10: five slots (00:01 … 00:05) went by.
  expect(await fireDueSchedules(t.db, [minutely.name], new Date('2030-01-01T00:06:10+08:00'))).toBe(1);
  const [row] = await t.db.query<{ next_run_at: Date; last_run_at: Date }>(
    'SELECT next_run_at, last_run_at FROM job_schedules WHERE name = $1',
    [minutely.name],
  );
  expect(row!.last_run_at.toISOString()).toBe('2029-12-31T16:01:00.000Z');
  expect(row!.next_run_at.toISOString()).toBe('2029-12-31T16:07:00.000Z');
  expect((await scheduledJobs('traits.refresh')).map((j) => j.dedupe_key)).toEqual([
    'traits.refresh@2029-12-31T16:01:00.000Z',
  ]);
});

test('a restart keeps the pending slot of an unchanged schedule and starts over when it changed', async () => {
  await syncSchedules(t.db, [minutely], new Date('2030-01-01T00:00:30+08:00'));
  await syncSchedules(t.db, [minutely], new Date('2030-01-01T00:09:30+08:00'));
  const next = async () =>
    (await t.db.query<{ next_run_at: Date }>('SELECT next_run_at FROM job_schedules'))[0]!.next_run_at.toISOString();
  expect(await next()).toBe('2029-12-31T16:01:00.000Z');
  await syncSchedules(t.db, [{ ...minutely, cron: '0 * * * *' }], new Date('2030-01-01T00:09:30+08:00'));
  expect(await next()).toBe('2029-12-31T17:00:00.000Z');
});

test('a worker fires a due schedule and runs its job', async () => {
  const runs: unknown[] = [];
  // Stored with a slot in the past, as if the worker had been down: the first tick catches up.
  await t.db.query(
    `INSERT INTO job_schedules (name, cron, timezone, kind, payload, next_run_at)
     VALUES ($1, $2, 'Asia/Shanghai', $3, '{}', now() - interval '90 seconds')`,
    [minutely.name, minutely.cron, minutely.kind],
  );
  const worker = startWorker(t.db, {
    handlers: { 'traits.refresh': async (job) => void runs.push(job.payload) },
    schedules: [minutely],
    pollMs: 20,
    log: memoryLog(),
  });
  try {
    await eventually(async () => {
      const rows = await t.db.query<{ state: string }>(`SELECT state FROM jobs WHERE kind = 'traits.refresh'`);
      return rows.length === 1 && rows[0]!.state === 'succeeded';
    });
    expect(runs).toEqual([{ full: false }]);
  } finally {
    await worker.stop();
  }
});

test('an invalid schedule is refused at start with a message naming it', () => {
  const start = (schedule: Schedule) =>
    startWorker(t.db, { handlers: { 'loyalty.expire': noop }, schedules: [schedule], log: memoryLog() });
  expect(() => start({ name: 'points.expire', cron: '61 * * * *', kind: 'loyalty.expire' })).toThrow(
    /schedule 'points.expire': invalid cron expression '61 \* \* \* \*'/,
  );
  expect(() => start({ name: 'points.expire', cron: 'every night', kind: 'loyalty.expire' })).toThrow(InvalidSchedule);
  expect(() => start({ name: 'points.expire', cron: '*/5 * * * * *', kind: 'loyalty.expire' })).toThrow(
    /schedule 'points.expire'.*five fields/,
  );
  expect(() =>
    start({ name: 'points.expire', cron: '0 3 * * *', timezone: 'Mars/Olympus', kind: 'loyalty.expire' }),
  ).toThrow(/schedule 'points.expire': unknown time zone 'Mars\/Olympus'/);
  expect(() => start({ name: 'points.expire', cron: '0 3 * * *', kind: 'loyalty.typo' })).toThrow(
    /schedule 'points.expire': no handler is registered for job kind 'loyalty.typo'/,
  );
});
