import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { addWorkspace, eventually, memoryLog } from './fixtures/helpers.ts';
import {
  type DomainEvent,
  dispatchEvents,
  emit,
  emitMany,
  enqueue,
  PACK_SIZE,
  type Subscriber,
  startWorker,
} from './index.ts';

let t: TestDatabase;
let brand: string;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  brand = await addWorkspace(t.db, 'brand-events');
  await t.db.exec(`CREATE TABLE handled (workspace_id uuid NOT NULL, subscriber text NOT NULL, event_id bigint NOT NULL);
                   GRANT SELECT, INSERT ON handled TO siyu_app;`);
});
afterAll(() => t.drop());

const recorder = (name: string, events: string[], seen: DomainEvent[] = []): Subscriber => ({
  name,
  events,
  handle: async (event, tx) => {
    seen.push(event);
    await tx.query('INSERT INTO handled (workspace_id, subscriber, event_id) VALUES ($1, $2, $3)', [
      tx.workspaceId,
      name,
      event.id,
    ]);
  },
});

async function handledBy(eventId: number) {
  const rows = await t.db.query<{ subscriber: string }>(
    'SELECT subscriber FROM handled WHERE event_id = $1 ORDER BY subscriber',
    [eventId],
  );
  return rows.map((r) => r.subscriber);
}

async function pendingJobs() {
  const rows = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE state <> 'succeeded'`);
  return rows[0]!.n;
}

test('emit needs a tenant transaction', async () => {
  await expect(t.db.transaction((tx) => emit(tx, 'order.placed', {}))).rejects.toThrow(/tenant transaction/);
});

test('an event reaches each matching subscriber exactly once, even when dispatched and delivered twice', async () => {
  const loyaltySeen: DomainEvent[] = [];
  const subscribers = [
    recorder('loyalty.earn', ['order.placed'], loyaltySeen),
    recorder('analytics.all', ['*']),
    recorder('feedback.survey', ['feedback.received']),
  ];
  const eventId = await t.db.tenant(brand, (tx) => emit(tx, 'order.placed', { orderId: 'O-1', amountFen: 12_900 }));
  const first = startWorker(t.db, { handlers: {}, subscribers, pollMs: 20, log: memoryLog() });
  try {
    await eventually(async () => (await handledBy(eventId)).length === 2 && (await pendingJobs()) === 0);
  } finally {
    await first.stop();
  }
  expect(loyaltySeen).toEqual([
    {
      id: eventId,
      index: 0,
      workspaceId: brand,
      type: 'order.placed',
      payload: { orderId: 'O-1', amountFen: 12_900 },
      occurredAt: expect.any(Date),
    },
  ]);

  // A second dispatch of the same event (as if the first one's commit had been lost) creates no new jobs. No worker
  // runs meanwhile: its poll would dispatch the event before this call could.
  await t.db.query('UPDATE outbox_events SET dispatched_at = NULL WHERE id = $1', [eventId]);
  expect(await dispatchEvents(t.db, subscribers, { limit: 10, now: new Date() })).toBe(1);
  const jobs = await t.db.query<{ kind: string }>('SELECT kind FROM jobs WHERE dedupe_key = $1 ORDER BY kind', [
    String(eventId),
  ]);
  expect(jobs.map((j) => j.kind)).toEqual(['event:analytics.all', 'event:loyalty.earn']);

  // A duplicate delivery that slipped past the dedupe key meets the receipt and changes nothing.
  await enqueue(t.db, { kind: 'event:loyalty.earn', workspaceId: brand, payload: { eventId } });
  const second = startWorker(t.db, { handlers: {}, subscribers, pollMs: 20, log: memoryLog() });
  try {
    await eventually(async () => (await pendingJobs()) === 0);
    expect(await handledBy(eventId)).toEqual(['analytics.all', 'loyalty.earn']);
    expect(loyaltySeen).toHaveLength(1);
  } finally {
    await second.stop();
  }
});

test('an event emitted in a transaction that rolls back is never published', async () => {
  const attempt = t.db.tenant(brand, async (tx) => {
    await emit(tx, 'order.placed', { orderId: 'O-rolled-back' });
    throw new Error('payment declined');
  });
  await expect(attempt).rejects.toThrow('payment declined');
  const rows = await t.db.query(`SELECT id FROM outbox_events WHERE payload->>'orderId' = 'O-rolled-back'`);
  expect(rows).toEqual([]);
});

test('events without a subscriber are marked dispatched and create no jobs', async () => {
  const eventId = await t.db.tenant(brand, (tx) => emit(tx, 'nobody.cares', null));
  const before = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM jobs'))[0]!.n;
  expect(await dispatchEvents(t.db, [], { limit: 10, now: new Date() })).toBe(1);
  const after = (await t.db.query<{ n: number }>('SELECT count(*) AS n FROM jobs'))[0]!.n;
  expect(after).toBe(before);
  const [row] = await t.db.query<{ dispatched_at: Date | null }>(
    'SELECT dispatched_at FROM outbox_events WHERE id = $1',
    [eventId],
  );
  expect(row!.dispatched_at).toBeInstanceOf(Date);
});

test('a batch subscriber gets what arrived as one job per workspace, appended to while queued, each event once', async () => {
  const batches: number[][] = [];
  const batchRecorder: Subscriber = {
    ...recorder('analytics.batch', ['page.viewed']),
    handleMany: async (events, tx) => {
      batches.push(events.map((e) => e.id));
      for (const e of events) await batchRecorder.handle(e, tx);
    },
  };
  const first = await t.db.tenant(brand, (tx) => Promise.all([1, 2, 3].map((n) => emit(tx, 'page.viewed', { n }))));
  expect(await dispatchEvents(t.db, [batchRecorder], { limit: 100, now: new Date() })).toBe(3);
  // More events while that job is still queued: they join it rather than queueing a job each.
  const second = await t.db.tenant(brand, (tx) => Promise.all([4, 5].map((n) => emit(tx, 'page.viewed', { n }))));
  expect(await dispatchEvents(t.db, [batchRecorder], { limit: 100, now: new Date() })).toBe(2);
  const queued = await t.db.query<{ payload: { eventIds: number[] } }>(
    `SELECT payload FROM jobs WHERE kind = 'event:analytics.batch' AND state = 'queued'`,
  );
  expect(queued.map((j) => j.payload.eventIds)).toEqual([[...first, ...second]]);

  // A duplicate delivery of some of them (a re-dispatch after a lost commit) reaches nobody twice.
  await enqueue(t.db, { kind: 'event:analytics.batch', workspaceId: brand, payload: { eventIds: [second[1]] } });
  const worker = startWorker(t.db, { handlers: {}, subscribers: [batchRecorder], pollMs: 20, log: memoryLog() });
  try {
    await eventually(async () => (await pendingJobs()) === 0);
  } finally {
    await worker.stop();
  }
  // Whichever of the two jobs a worker claims first takes the shared event; the other leaves it out.
  expect(batches.flat().sort((a, b) => a - b)).toEqual([...first, ...second]);
  for (const id of [...first, ...second]) expect(await handledBy(id)).toEqual(['analytics.batch']);
});

test('events emitted together travel as packs and reach each subscriber one by one, once', async () => {
  const seen: DomainEvent[] = [];
  const subscriber = recorder('analytics.packs', ['page.viewed'], seen);
  const payloads = Array.from({ length: PACK_SIZE + 2 }, (_, n) => ({ n }));
  await t.db.tenant(brand, (tx) => emitMany(tx, 'page.viewed', payloads));
  const rows = await t.db.query<{ id: number; pack_size: number }>(
    `SELECT id, pack_size FROM outbox_events WHERE type = 'page.viewed' AND pack_size IS NOT NULL ORDER BY id`,
  );
  expect(rows.map((r) => r.pack_size)).toEqual([PACK_SIZE, 2]);
  const viewed = await t.db.tenant(brand, (tx) =>
    tx.query<{ payload: { n: number } }>(
      `SELECT payload FROM domain_events WHERE type = 'page.viewed' AND id = ANY($1::bigint[]) ORDER BY id, index`,
      [rows.map((r) => r.id)],
    ),
  );
  expect(viewed.map((v) => v.payload)).toEqual(payloads);

  const worker = startWorker(t.db, { handlers: {}, subscribers: [subscriber], pollMs: 20, log: memoryLog() });
  try {
    await eventually(async () => (await pendingJobs()) === 0 && seen.length === payloads.length);
    // Delivered again: the pack's receipt turns the whole pack away.
    await enqueue(t.db, { kind: 'event:analytics.packs', workspaceId: brand, payload: { eventId: rows[1]!.id } });
    worker.wake();
    await eventually(async () => (await pendingJobs()) === 0);
  } finally {
    await worker.stop();
  }
  // Each pack is one job, in order inside; two packs' jobs may run side by side.
  for (const row of rows) {
    const ofPack = seen.filter((e) => e.id === row.id);
    expect(ofPack.map((e) => e.index)).toEqual([...Array(row.pack_size).keys()]);
  }
  expect(seen.map((e) => (e.payload as { n: number }).n).sort((a, b) => a - b)).toEqual(payloads.map((p) => p.n));
});
