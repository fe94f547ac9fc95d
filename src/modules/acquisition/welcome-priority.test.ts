// The welcome message must leave within WeCom's 20 seconds even when the job queue has a backlog (a burst of adds
// during a live stream queues several slow jobs per add: reading the contact, creating the customer, SOP tasks).
// Jobs are claimed first-in first-out within a priority, so the welcome subscriber's jobs (and the connector's
// callback jobs that publish the add) carry a higher one: whatever is queued before them, they are claimed first.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { buildModules } from '../../modules.ts';
import { addWorkspace } from '../../platform/jobs/fixtures/helpers.ts';
import { claimJobs, dispatchEvents, emit, enqueue } from '../../platform/jobs/index.ts';

let t: TestDatabase;
let workspaceId: string;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  workspaceId = await addWorkspace(t.db, 'welcome-priority');
});
afterAll(() => t.drop());

test('a welcome job is claimed before a backlog queued ahead of it', async () => {
  const subscribers = buildModules().flatMap((m) => m.subscribers ?? []);
  const earlier = new Date(Date.now() - 60_000);
  await t.db.tenant(workspaceId, async (tx) => {
    for (let i = 0; i < 50; i++) {
      await enqueue(tx, { kind: 'relationships.sync-guide', payload: { i }, runAt: earlier });
    }
  });
  await t.db.tenant(workspaceId, (tx) =>
    emit(tx, 'wecom.contact_added', {
      corpId: 'wwpriority',
      occurredAt: new Date().toISOString(),
      inboxId: '1',
      userId: 'zhangsan',
      externalUserId: 'wmPriority',
      state: null,
      welcomeCode: 'welcome-code-1',
    }),
  );
  const now = new Date();
  expect(await dispatchEvents(t.db, subscribers, { limit: 100, now })).toBe(1);
  const kinds = await t.db.query<{ kind: string; priority: number }>(
    `SELECT kind, priority FROM jobs WHERE kind LIKE 'event:%' ORDER BY kind`,
  );
  // relationships reads the contact (slow, not urgent); acquisition sends the welcome message (urgent).
  expect(kinds).toEqual([
    { kind: 'event:acquisition.welcome', priority: 1 },
    { kind: 'event:relationships.contacts', priority: 0 },
  ]);
  // The dispatch stamped the jobs with the database's clock: claim a moment later so both are due.
  const later = new Date(Date.now() + 5000);
  const [first] = await claimJobs(t.db, { workerId: 'test', limit: 1, leaseSeconds: 60, now: later });
  expect(first?.kind).toBe('event:acquisition.welcome');
  const [second] = await claimJobs(t.db, { workerId: 'test', limit: 1, leaseSeconds: 60, now: later });
  expect(second?.kind).toBe('relationships.sync-guide');
});
