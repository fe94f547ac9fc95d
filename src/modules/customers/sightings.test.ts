// resolveSightings against its definition: a batch must leave the customers exactly as resolveCustomer called for
// each sighting in order would. Random batches over a small pool of identities (so sightings link, attach and merge)
// with random profile patches run both ways in two workspaces that start alike, and the living customers compare
// equal: the same identities together, with the same profile.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { Rng } from '../../demo/random.ts';
import { createWorkspace } from '../../platform/workspaces.ts';
import { type Identity, normalizeIdentity } from './identities.ts';
import { CustomerParticipants } from './participants.ts';
import type { ProfileInput } from './profiles.ts';
import { resolveCustomer, resolveSightings, type Sighting } from './resolution.ts';

let t: TestDatabase;
const participants = new CustomerParticipants();
const at = new Date('2026-06-18T10:00:00Z');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

const POOL: Identity[] = [
  ...['u1', 'u2', 'u3', 'u4'].map((v) => normalizeIdentity({ kind: 'user_id', value: v })),
  ...['a1', 'a2', 'a3'].map((v) => normalizeIdentity({ kind: 'anonymous_id', value: v })),
  ...['13800000001', '13800000002'].map((v) => normalizeIdentity({ kind: 'phone', value: v })),
];
const CITIES = ['上海', '杭州', '北京'];
const NAMES = ['王一', '李二', '张三'];

function randomSighting(rng: Rng, withProfiles: boolean): Sighting {
  const identities = [rng.pick(POOL)];
  if (rng.next() < 0.5) identities.push(rng.pick(POOL));
  let profile: ProfileInput | null = null;
  if (withProfiles && rng.next() < 0.6) {
    profile = {};
    if (rng.next() < 0.6) profile.city = rng.pick(CITIES);
    if (rng.next() < 0.5) profile.name = rng.pick(NAMES);
    if (rng.next() < 0.3) profile.gender = rng.next() < 0.5 ? 'male' : 'female';
    if (rng.next() < 0.3) profile.interests = [rng.pick(['奶茶', '果茶'])];
  }
  return { identities: [...new Map(identities.map((i) => [`${i.kind}:${i.value}`, i])).values()], profile, at };
}

/** The living customers as comparable text: each one's identities and profile, sorted. */
async function customersOf(ws: string): Promise<string[]> {
  const rows = await t.db.tenant(ws, (tx) =>
    tx.query<{ ids: string; name: string | null; city: string | null; gender: string; interests: string[] }>(
      `SELECT string_agg(i.kind || ':' || i.value, ',' ORDER BY i.kind, i.value) AS ids, c.name, c.city, c.gender,
              c.interests
         FROM customers c JOIN customer_identities i ON i.workspace_id = c.workspace_id AND i.customer_id = c.id
        WHERE c.merged_into IS NULL GROUP BY c.workspace_id, c.id`,
    ),
  );
  return rows.map((r) => JSON.stringify([r.ids, r.name, r.city, r.gender, r.interests])).sort();
}

test('a batch of sightings leaves the customers as resolving them one by one would', async () => {
  for (let round = 0; round < 150; round++) {
    const rng = new Rng(1000 + round);
    const before = Array.from({ length: rng.int(0, 4) }, () => randomSighting(rng, true));
    const batch = Array.from({ length: rng.int(1, 10) }, () => randomSighting(rng, round % 4 !== 0));
    const one = await createWorkspace(t.db, { slug: `batch-${round}`, name: 'B' });
    const each = await createWorkspace(t.db, { slug: `each-${round}`, name: 'E' });
    const oneByOne = (ws: string, s: Sighting) =>
      t.db.tenant(ws, (tx) =>
        resolveCustomer(tx, participants, ws, s.identities, {
          ...(s.profile ? { profile: s.profile } : {}),
          seenAt: s.at,
        }),
      );
    for (const s of before) {
      await oneByOne(one, s);
      await oneByOne(each, s);
    }
    await t.db.tenant(one, (tx) => resolveSightings(tx, participants, one, batch, 'test', async (ids) => ids));
    for (const s of batch) await oneByOne(each, s);
    expect(await customersOf(one), `round ${round}`).toEqual(await customersOf(each));
  }
}, 120_000);
