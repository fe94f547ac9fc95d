// The engine catches up from the outbox by transaction snapshot: an event whose transaction commits after later
// ones did (or after a long time) is still applied, an uncommitted one is not, and a rolled-back one never is.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../../test/support/databases.ts';
import type { Tx } from '../../../platform/db/index.ts';
import { emit, emitMany } from '../../../platform/jobs/index.ts';
import { createWorkspace } from '../../../platform/workspaces.ts';
import { registerSegmentMessages } from '../messages.ts';
import { ConditionRegistry, type Rule } from '../rules.ts';
import { AudienceEngine } from './engine.ts';
import { type RandomData, seedRandomData } from './fixtures.ts';

const NOW = new Date('2025-06-15T04:00:00Z');
const testDbKind = () => (process.env.SIYU_TEST_DB === 'postgres' ? 'postgres' : 'pglite');
let t: TestDatabase;
let ws: string;
let data: RandomData;
let tagId: string;
/** Customers without the tag at the start, handed out one per test step. */
let untagged: string[];

beforeAll(async () => {
  registerSegmentMessages();
  t = await copyTestDatabase(inject('siyuTemplate'));
  ws = await createWorkspace(t.db, { slug: 'catch-up', name: 'C' });
  data = await seedRandomData(t.db, ws, 5, 40, NOW);
  tagId = data.tagIds[0]!;
  const tagged = await t.db.query<{ customer_id: string }>('SELECT customer_id FROM customer_tags WHERE tag_id = $1', [
    tagId,
  ]);
  untagged = data.customerIds.filter((id) => !tagged.some((r) => r.customer_id === id));
}, 120_000);
afterAll(() => t.drop());

const hasTag = (): Rule => ({ type: 'tag', tagId });

async function tag(tx: Tx, customerId: string) {
  await tx.query('INSERT INTO customer_tags (workspace_id, customer_id, tag_id) VALUES ($1, $2, $3)', [
    ws,
    customerId,
    tagId,
  ]);
  await emit(tx, 'tag.added', { customerId, tagId });
}

async function taggedSeqs(engine: AudienceEngine): Promise<number[]> {
  return t.db.tenant(ws, async (tx) => (await engine.evaluate(tx, hasTag(), NOW)).toArray());
}

async function seqOf(customerId: string): Promise<number> {
  const rows = await t.db.query<{ seq: number }>('SELECT seq FROM customers WHERE id = $1', [customerId]);
  return rows[0]!.seq;
}

test.skipIf(testDbKind() === 'pglite')(
  'an event that commits after later events were applied is applied when it commits',
  async () => {
    const engine = new AudienceEngine(new ConditionRegistry());
    const [early, late] = [untagged.pop()!, untagged.pop()!];
    const before = await taggedSeqs(engine);

    // The early transaction takes its outbox id first and stays open while a later one commits and is applied.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const isOpen = new Promise<void>((resolve) => {
      started = resolve;
    });
    const earlyTx = t.db.tenant(ws, async (tx) => {
      await tag(tx, early);
      started();
      await held;
    });
    await isOpen;
    // Outbox ids are shared by all workspaces: another brand's burst moves them far past the open transaction's.
    const other = await createWorkspace(t.db, { slug: 'catch-up-other', name: 'O' });
    await t.db.tenant(other, (tx) =>
      emitMany(
        tx,
        'page.viewed',
        Array.from({ length: 20_000 }, (_, n) => ({ n })),
      ),
    );
    await t.db.tenant(ws, (tx) => tag(tx, late));
    const whileOpen = await taggedSeqs(engine);
    expect(whileOpen).toContain(await seqOf(late));
    expect(whileOpen).not.toContain(await seqOf(early));

    release();
    await earlyTx;
    const after = await taggedSeqs(engine);
    expect(after).toEqual([...before, await seqOf(early), await seqOf(late)].sort((a, b) => a - b));
  },
);

test('a transaction does not apply its own events before it commits, and a rolled-back one never applies', async () => {
  const engine = new AudienceEngine(new ConditionRegistry());
  const before = await taggedSeqs(engine);
  const [kept, dropped] = [untagged.pop()!, untagged.pop()!];
  await t.db.tenant(ws, async (tx) => {
    await tag(tx, kept);
    // Evaluated inside the tagging transaction: the index must not take in what may still roll back.
    expect((await engine.evaluate(tx, hasTag(), NOW)).toArray()).toEqual(before);
  });
  const rolledBack = t.db.tenant(ws, async (tx) => {
    await tag(tx, dropped);
    await engine.evaluate(tx, hasTag(), NOW);
    throw new Error('changed my mind');
  });
  await expect(rolledBack).rejects.toThrow('changed my mind');
  const after = await taggedSeqs(engine);
  expect(after).toContain(await seqOf(kept));
  expect(after).not.toContain(await seqOf(dropped));
});
