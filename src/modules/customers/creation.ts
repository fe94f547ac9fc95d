// Creating the customers that ingestion meets for the first time, ahead of the request's own transaction and
// together for all the requests that arrive meanwhile.
//
// A transaction that creates customers holds its identities' locks until it commits, and it numbers them from the
// workspace's one number row (`customer_seq`), which it holds until then too. Inside ingestion's request
// transactions, which commit only after a whole batch of events is written, concurrent batches naming the same new
// people (every batch, while a brand's first traffic arrives) queued behind one another for the length of each
// other's transactions, and every creator queued on the number row. Here one short transaction per workspace and
// process at a time creates what every waiting request needs, with numbers this process reserved beforehand; the
// requests' own resolutions then find everyone known, from the process's cache.
import type { Tx } from '../../platform/db/index.ts';
import { identityKey } from './identities.ts';
import type { CustomerParticipants } from './participants.ts';
import { allocateSeqs } from './profiles.ts';
import { KNOWN_OWNERS_LIMIT, knownOwnersOf, linkedGroups, resolveSightings, type Sighting } from './resolution.ts';

type Tenant = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/** Most sightings one creating transaction takes: ten full ingestion batches. */
export const MAX_SIGHTINGS_PER_CREATION = 5000;

interface Waiting {
  sightings: Sighting[];
  tenant: Tenant;
  participants: CustomerParticipants;
  done: (err?: unknown) => void;
}

/** Per workspace: the requests waiting for the next creating transaction, and whether one is running. */
const queues = new Map<string, { waiting: Waiting[]; running: boolean }>();

/**
 * Creates the customers that these sightings would create, before the caller's transaction opens: each group of
 * linked sightings that this process knows none of the identities of. The sightings join those of other requests
 * waiting in this process for the workspace's next creating transaction; the call returns once that transaction has
 * committed.
 *
 * Only groups that the caller's resolution would resolve on their own are created here: sightings without a profile
 * whose identities no other sighting of the call shares (directly or through others) unless that one qualifies too.
 * A group linked to an identify, or to a sighting with a known identity, is left to the caller, so that the order of
 * the call's sightings decides what merges, as it does there. What is created here stays if the caller's
 * transaction then fails: customers with identities and no events yet, which a retry of the call finds.
 */
export function createUnknownCustomers(
  tenant: Tenant,
  participants: CustomerParticipants,
  workspaceId: string,
  sightings: readonly Sighting[],
): Promise<void> {
  const owners = knownOwnersOf(workspaceId)?.owners;
  const keysOf = sightings.map((s) => s.keys ?? s.identities.map(identityKey));
  const unknown = keysOf.map(
    (keys, n) => (sightings[n] as Sighting).profile === null && keys.every((key) => !owners?.has(key)),
  );
  // Most batches, once a brand's traffic is under way, name no one new.
  if (!unknown.includes(true)) return Promise.resolve();
  // Only sightings that share an identity with an unknown one are grouped: whether an unknown sighting's group holds
  // a known one is decided by the first known sighting on any chain from it, and that one shares an identity with
  // an unknown sighting.
  const unknownKeys = new Set(keysOf.flatMap((keys, n) => (unknown[n] ? keys : [])));
  const linked = keysOf.flatMap((keys, n) => (unknown[n] || keys.some((key) => unknownKeys.has(key)) ? [n] : []));
  const chosen = linkedGroups(linked, keysOf, new Map())
    .filter((group) => group.sightings.every((n) => unknown[n]))
    .flatMap((group) => group.sightings)
    .sort((a, b) => a - b)
    .map((n) => sightings[n] as Sighting);
  if (chosen.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const queue = queues.get(workspaceId) ?? { waiting: [], running: false };
    queues.set(workspaceId, queue);
    queue.waiting.push({
      sightings: chosen,
      tenant,
      participants,
      done: (err) => (err === undefined ? resolve() : reject(err)),
    });
    if (!queue.running) void drain(workspaceId, queue);
  });
}

async function drain(workspaceId: string, queue: { waiting: Waiting[]; running: boolean }): Promise<void> {
  queue.running = true;
  try {
    while (queue.waiting.length > 0) {
      const taken: Waiting[] = [];
      let count = 0;
      while (queue.waiting.length > 0) {
        const next = queue.waiting[0] as Waiting;
        if (taken.length > 0 && count + next.sightings.length > MAX_SIGHTINGS_PER_CREATION) break;
        taken.push(queue.waiting.shift() as Waiting);
        count += next.sightings.length;
      }
      try {
        await createTogether(workspaceId, taken);
        for (const w of taken) w.done();
      } catch (err) {
        if (taken.length === 1) (taken[0] as Waiting).done(err);
        // Whatever failed the shared transaction fails only the request it comes from: each runs alone.
        else
          for (const w of taken) {
            await createTogether(workspaceId, [w]).then(
              () => w.done(),
              (alone) => w.done(alone),
            );
          }
      }
    }
  } finally {
    queue.running = false;
  }
}

/** One transaction that creates the customers of every waiting request, in the order the requests came. */
async function createTogether(workspaceId: string, taken: readonly Waiting[]): Promise<void> {
  const first = taken[0] as Waiting;
  const sightings = taken.flatMap((w) => w.sightings);
  // At most one new customer per sighting: numbers for all of them, so this transaction never waits for the
  // workspace's number row.
  const seqs = await reserveSeqs(first.tenant, workspaceId, sightings.length);
  const learned: [string, string][] = [];
  let cache: ReturnType<typeof knownOwnersOf>;
  try {
    await first.tenant(async (tx) => {
      // Committed without waiting for the disk, so that the identities' locks are released at once. Nothing is lost
      // that was answered for: a transaction that writes for these customers commits later in the same log, and its
      // own flush makes this one durable too.
      await tx.exec('SET LOCAL synchronous_commit = off');
      await resolveSightings(
        tx,
        first.participants,
        workspaceId,
        sightings,
        'identify',
        async (customerIds) => {
          // The cache as this transaction's look-up left it, at the identity version it read.
          cache = knownOwnersOf(workspaceId);
          sightings.forEach((s, n) => {
            for (const identity of s.identities) learned.push([identityKey(identity), customerIds[n] as string]);
          });
        },
        seqs,
      );
    });
  } finally {
    // What creation did not take from the front of the list is unused, whether or not the transaction committed.
    returnSeqs(workspaceId, seqs);
  }
  // Committed now: the requests' own look-ups find these in the cache, unless the version moved meanwhile (then a
  // reader has replaced the cache, or will empty it at its next read).
  if (cache && knownOwnersOf(workspaceId) === cache && cache.owners.size + learned.length <= KNOWN_OWNERS_LIMIT) {
    for (const [key, customerId] of learned) cache.owners.set(key, customerId);
  }
}

/** Customer numbers this process reserved and has not used yet, per workspace, lowest first. */
const spareSeqs = new Map<string, number[]>();
/** How many numbers a reservation takes at least: one short transaction per this many new customers. */
export const SEQ_RESERVATION = 1000;

/**
 * `count` customer numbers for this process's use, from those it reserved before or from a new reservation, which
 * commits at once in a short transaction of its own. The numbers stay dense enough for the audiences' bitmaps: a
 * process loses at most its spare numbers when it stops, and a failed creation loses the numbers it took.
 */
export async function reserveSeqs(tenant: Tenant, workspaceId: string, count: number): Promise<number[]> {
  if ((spareSeqs.get(workspaceId)?.length ?? 0) < count) {
    const size = Math.max(count, SEQ_RESERVATION);
    const first = await tenant(async (tx) => {
      // Durable with the first transaction that commits a customer numbered from it (see createTogether).
      await tx.exec('SET LOCAL synchronous_commit = off');
      return allocateSeqs(tx, workspaceId, size);
    });
    const block = Array.from({ length: size }, (_, n) => first + n);
    spareSeqs.set(workspaceId, [...(spareSeqs.get(workspaceId) ?? []), ...block]);
  }
  return (spareSeqs.get(workspaceId) as number[]).splice(0, count);
}

function returnSeqs(workspaceId: string, seqs: readonly number[]): void {
  if (seqs.length === 0) return;
  spareSeqs.set(
    workspaceId,
    [...seqs, ...(spareSeqs.get(workspaceId) ?? [])].sort((a, b) => a - b),
  );
}
