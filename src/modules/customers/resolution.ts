// Identity resolution: a call carrying any known identity lands on that customer; identities of two customers
// in one call merge them (the older profile survives), and a merge can be undone. `resolveSightings` does the
// same for many calls at once (an ingestion batch), set-based where nothing needs merging or a profile change.

import { randomUUID } from 'node:crypto';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { emit, emitMany } from '../../platform/jobs/index.ts';
import { type Identity, identityKey } from './identities.ts';
import type { CustomerParticipants } from './participants.ts';
import {
  allocateSeqs,
  CUSTOMER_COLUMNS,
  type CustomerRow,
  getCustomerRow,
  insertCustomer,
  type ProfileInput,
  updateProfile,
} from './profiles.ts';

export interface Resolution {
  customerId: string;
  created: boolean;
  /** Customers merged into `customerId` by this call. */
  merged: string[];
}

/**
 * Serialises work on the same identities across concurrent transactions: two first-time calls with one new phone
 * number must not both create a customer. One statement takes them all, in the order of the lock numbers, so two
 * transactions locking overlapping sets cannot deadlock on each other.
 */
export async function lockIdentities(tx: Tx, workspaceId: string, identities: readonly Identity[]): Promise<void> {
  const keys = [...new Set(identities.map((i) => `${workspaceId}\u001f${identityKey(i)}`))];
  if (keys.length === 0) return;
  // pg_advisory_xact_lock is volatile, so PostgreSQL evaluates it after the sort, in lock-number order.
  await tx.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k) AS l
      ORDER BY h`,
    [keys],
  );
}

/** The customer each of these identities belongs to, for those that belong to one. */
async function ownersOf(tx: Tx, workspaceId: string, identities: readonly Identity[]): Promise<Map<string, string>> {
  if (identities.length === 0) return new Map();
  const rows = await tx.query<{ kind: string; app_id: string; value: string; customer_id: string }>(
    // One primary-key probe per identity, whatever the planner thinks of the tables' sizes: with young statistics
    // a join was planned as a scan of every identity of the workspace.
    `SELECT i.kind, i.app_id, i.value, i.customer_id
       FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, app_id, value)
       CROSS JOIN LATERAL (
         SELECT kind, app_id, value, customer_id FROM customer_identities
          WHERE workspace_id = $1 AND kind = u.kind AND app_id = u.app_id AND value = u.value LIMIT 1
       ) AS i`,
    [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.appId), identities.map((i) => i.value)],
  );
  return new Map(
    rows.map((r) => [
      identityKey({ kind: r.kind as Identity['kind'], appId: r.app_id, value: r.value }),
      r.customer_id,
    ]),
  );
}

/**
 * Identity → customer as this process last read it, per workspace, with the workspace's identity version at the
 * time (`customer_identity_versions`, moved by triggers whenever an identity or a customer stops being what it was).
 * Most ingested events come from people already known: the cache spares their look-up. It is trusted only after
 * the version is read under the merge lock, so a merge, an unmerge or an erasure committed anywhere, by any process,
 * empties it before its next use.
 */
const knownOwners = new Map<string, KnownOwners>();

interface KnownOwners {
  version: number;
  owners: Map<string, string>;
}

/**
 * The process's cache of a workspace as it stands (undefined before its first use): creation.ts reads it to see
 * which identities are new, and adds the identities it created once they are committed.
 */
export function knownOwnersOf(workspaceId: string): KnownOwners | undefined {
  return knownOwners.get(workspaceId);
}
/** Entries one workspace's cache holds at most; past it, it starts again from empty. */
export const KNOWN_OWNERS_LIMIT = 250_000;

/**
 * `ownersOf` through the process's cache, for identities given by their keys: the version and the identities the
 * cache does not hold are read in one statement, and if the version moved, the rest are read too. Must run after
 * `holdMerges`.
 */
async function cachedOwnersOf(
  tx: Tx,
  workspaceId: string,
  identities: ReadonlyMap<string, Identity>,
): Promise<Map<string, string>> {
  const cached = knownOwners.get(workspaceId);
  const hits = new Map<string, string>();
  const misses: Identity[] = [];
  for (const [key, identity] of identities) {
    const owner = cached?.owners.get(key);
    if (owner === undefined) misses.push(identity);
    else hits.set(key, owner);
  }
  const [row] = await tx.query<{
    version: number | null;
    clean: boolean;
    found: { k: string; a: string; v: string; c: string }[];
  }>(
    `SELECT (SELECT version FROM customer_identity_versions WHERE workspace_id = $1) AS version,
            pg_current_xact_id_if_assigned() IS NULL AS clean,
            coalesce((SELECT jsonb_agg(jsonb_build_object('k', i.kind, 'a', i.app_id, 'v', i.value, 'c', i.customer_id))
                        FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, app_id, value)
                        CROSS JOIN LATERAL (
                          SELECT kind, app_id, value, customer_id FROM customer_identities
                           WHERE workspace_id = $1 AND kind = u.kind AND app_id = u.app_id AND value = u.value LIMIT 1
                        ) AS i), '[]') AS found`,
    [workspaceId, misses.map((i) => i.kind), misses.map((i) => i.appId), misses.map((i) => i.value)],
  );
  const version = Number(row?.version ?? 0);
  const found = new Map(
    (row?.found ?? []).map((f) => [identityKey({ kind: f.k as Identity['kind'], appId: f.a, value: f.v }), f.c]),
  );
  let owners = cached?.version === version ? cached.owners : null;
  if (!owners || owners.size + found.size > KNOWN_OWNERS_LIMIT) {
    owners = new Map();
    knownOwners.set(workspaceId, { version, owners });
    if (cached?.version !== version && hits.size > 0) {
      const again = [...identities].flatMap(([key, identity]) => (hits.has(key) ? [identity] : []));
      hits.clear();
      for (const [key, customerId] of await ownersOf(tx, workspaceId, again)) found.set(key, customerId);
    }
  }
  // Filled only from a transaction that has written nothing yet, so from committed rows alone: an identity this
  // transaction created (an import writes row after row in one) would outlive a rollback in the cache.
  if (row?.clean) for (const [key, customerId] of found) owners.set(key, customerId);
  // Most identities are hits: the few found join them rather than the other way round.
  for (const [key, customerId] of found) hits.set(key, customerId);
  return hits;
}

/** Who owns these identities now, and since when that customer is known, for those that are owned at all. */
export async function findIdentities(
  tx: Tx,
  workspaceId: string,
  identities: readonly Identity[],
): Promise<(Identity & { customerId: string; firstSeenAt: Date | null })[]> {
  if (identities.length === 0) return [];
  const rows = await tx.query<{
    kind: string;
    app_id: string;
    value: string;
    customer_id: string;
    first_seen_at: Date | null;
  }>(
    `SELECT i.kind, i.app_id, i.value, i.customer_id, c.first_seen_at
       FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, app_id, value)
       JOIN customer_identities i
         ON i.workspace_id = $1 AND i.kind = u.kind AND i.app_id = u.app_id AND i.value = u.value
       JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id`,
    [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.appId), identities.map((i) => i.value)],
  );
  return rows.map((r) => ({
    kind: r.kind as Identity['kind'],
    appId: r.app_id,
    value: r.value,
    customerId: r.customer_id,
    firstSeenAt: r.first_seen_at,
  }));
}

/**
 * Merges and unmerges move a customer's rows (events, orders, tags, identities) to another profile. Writers that
 * looked a customer up and then write rows for it (ingestion batches) must not interleave with one, or a row
 * written for a customer just merged away would stay behind. They hold this workspace lock shared, merges hold it
 * exclusive: one lock in the lock manager instead of a row lock on every customer a batch names.
 */
export async function holdMerges(tx: Tx, workspaceId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.query(`SELECT ${fn}(hashtextextended($1, 0))`, [`customers:merge:${workspaceId}`]);
}

/** Where each of these customers lives now: itself, or the survivor it was merged into (followed through chains). */
export async function survivorsOf(tx: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const survivor = new Map<string, string>();
  let pending = [...new Set(ids)];
  for (let hops = 0; pending.length > 0 && hops < 20; hops++) {
    const rows = await tx.query<{ id: string; merged_into: string | null }>(
      `SELECT id, merged_into FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, pending],
    );
    const next = new Map(rows.map((r) => [r.id, r.merged_into]));
    for (const id of pending) if (!next.get(id)) survivor.set(id, id);
    for (const [from, to] of survivor) if (next.get(to)) survivor.set(from, next.get(to) as string);
    for (const [id, into] of next) if (into && !survivor.has(id)) survivor.set(id, into);
    pending = [...new Set([...next.values()].filter((into): into is string => !!into))];
  }
  return survivor;
}

/**
 * Widens first/last seen of each customer (or of the profile it was merged into) to the times given. Spans only
 * widen, so customers whose span already covers the times are not written. The rows are locked in id order, so two
 * callers widening the same customers queue rather than deadlock.
 */
export async function touchSeen(
  tx: Tx,
  workspaceId: string,
  seen: readonly { customerId: string; at: Date }[],
): Promise<void> {
  if (seen.length === 0) return;
  const survivors = await survivorsOf(
    tx,
    workspaceId,
    seen.map((s) => s.customerId),
  );
  const span = new Map<string, { first: Date; last: Date }>();
  for (const s of seen) {
    const id = survivors.get(s.customerId);
    if (!id) continue;
    const cur = span.get(id);
    if (!cur) span.set(id, { first: s.at, last: s.at });
    else {
      if (s.at < cur.first) cur.first = s.at;
      if (s.at > cur.last) cur.last = s.at;
    }
  }
  if (span.size === 0) return;
  const ids = [...span.keys()];
  await tx.query(
    `WITH seen AS (
       SELECT * FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS s(id, first_at, last_at)
     ), wider AS (
       SELECT c.id FROM (SELECT * FROM seen ORDER BY id) AS s
         CROSS JOIN LATERAL (
           SELECT id FROM customers c
            WHERE c.workspace_id = $1 AND c.id = s.id AND c.merged_into IS NULL
              AND (c.first_seen_at IS NULL OR c.last_seen_at IS NULL OR s.first_at < c.first_seen_at
                   OR s.last_at > c.last_seen_at)
              FOR NO KEY UPDATE
         ) AS c
     )
     UPDATE customers c
        SET first_seen_at = LEAST(coalesce(c.first_seen_at, s.first_at), s.first_at),
            last_seen_at = GREATEST(coalesce(c.last_seen_at, s.last_at), s.last_at)
       FROM seen s
      WHERE c.workspace_id = $1 AND c.id = s.id AND c.id IN (SELECT id FROM wider)`,
    [workspaceId, ids, ids.map((id) => span.get(id)?.first), ids.map((id) => span.get(id)?.last)],
  );
}

/** The survivor of a merge: the oldest profile (first created), ties broken by seq. Deterministic by design. */
function pickSurvivor(customers: CustomerRow[]): CustomerRow {
  return [...customers].sort(
    (a, b) => a.created_at.getTime() - b.created_at.getTime() || a.seq - b.seq,
  )[0] as CustomerRow;
}

export async function resolveCustomer(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  identities: readonly Identity[],
  options: { profile?: ProfileInput; seenAt: Date; reason?: string },
): Promise<Resolution> {
  if (identities.length === 0) throw new AppError(400, 'customer.identity_required');
  await lockIdentities(tx, workspaceId, identities);
  const found = await ownersOf(tx, workspaceId, identities);
  const ids = [...new Set(found.values())];
  let customerId: string;
  let created = false;
  const merged: string[] = [];
  if (ids.length === 0) {
    const row = await insertCustomer(tx, workspaceId, options.profile ?? {}, options.seenAt);
    customerId = row.id;
    created = true;
    await emit(tx, 'customer.created', { customerId, seq: row.seq });
  } else {
    const rows = await tx.query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE`,
      [workspaceId, ids],
    );
    const survivor = pickSurvivor(rows);
    customerId = survivor.id;
    for (const other of rows) {
      if (other.id === survivor.id) continue;
      await mergeCustomers(tx, participants, workspaceId, survivor.id, other.id, options.reason ?? 'identity');
      merged.push(other.id);
    }
    const fields = Object.keys(options.profile ?? {});
    await updateProfile(tx, workspaceId, customerId, options.profile ?? {}, { seenAt: options.seenAt });
    // Audiences index profile attributes: a changed city or gender must reach them like an edit in the console.
    if (fields.length > 0) await emit(tx, 'customer.updated', { customerId, fields });
  }
  const missing = identities.filter((i) => !found.has(identityKey(i)));
  if (missing.length > 0) {
    await tx.query(
      `INSERT INTO customer_identities (workspace_id, kind, app_id, value, customer_id)
       SELECT $1, * , $5 FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      [workspaceId, missing.map((i) => i.kind), missing.map((i) => i.appId), missing.map((i) => i.value), customerId],
    );
    // Audiences keep "identity present" bitmaps: a known customer gaining an identity must be announced.
    if (!created)
      await emit(tx, 'customer.identified', { customerId, kinds: [...new Set(missing.map((i) => i.kind))] });
  }
  return { customerId, created, merged };
}

/** Identities seen together in one call (an ingestion message), with the profile fields it sets, if any. */
export interface Sighting {
  identities: readonly Identity[];
  /**
   * `identityKey` of each identity, when the caller made them already: a batch's keys are looked up several times
   * (creation ahead, the cache, the fast path), and a key made once is hashed once.
   */
  keys?: readonly string[];
  /** Profile fields to apply (identify traits); null when the call changes no profile. */
  profile: ProfileInput | null;
  at: Date;
}

interface Unresolved {
  /** Indexes of the sightings linked to each other through shared identities, in order. */
  sightings: number[];
  keys: Set<string>;
}

/**
 * Groups sightings that share an identity, or whose identities belong to the same customer, directly or through
 * others: each group resolves to one customer, and its sightings' profile patches apply to it in order.
 */
export function linkedGroups(
  open: readonly number[],
  keysOf: readonly (readonly string[])[],
  ownerOf: ReadonlyMap<string, string>,
): Unresolved[] {
  const parent = new Map<string, string>();
  const root = (key: string): string => {
    let r = key;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    for (let k = key; k !== r; ) {
      const up = parent.get(k) as string;
      parent.set(k, r);
      k = up;
    }
    return r;
  };
  const linksOf = (n: number) => {
    const keys = keysOf[n] as string[];
    return [...keys, ...keys.flatMap((k) => (ownerOf.has(k) ? [`\u0002${ownerOf.get(k)}`] : []))];
  };
  for (const n of open) {
    const links = linksOf(n);
    for (const k of links) if (!parent.has(k)) parent.set(k, k);
    const first = root(links[0] as string);
    for (const k of links) {
      const r = root(k);
      if (r !== first) parent.set(r, first);
    }
  }
  const groups = new Map<string, Unresolved>();
  for (const n of open) {
    const keys = keysOf[n] as string[];
    const r = root(keys[0] as string);
    const group = groups.get(r) ?? { sightings: [], keys: new Set<string>() };
    group.sightings.push(n);
    for (const k of keys) group.keys.add(k);
    groups.set(r, group);
  }
  return [...groups.values()];
}

/** Profile patches applied one after another, as one: later fields overwrite, custom fields merge key by key. */
function foldPatches(patches: readonly ProfileInput[]): ProfileInput {
  const out: ProfileInput = {};
  for (const patch of patches) {
    const { custom, ...rest } = patch;
    Object.assign(out, rest);
    if (custom) out.custom = { ...out.custom, ...custom };
  }
  return out;
}

/**
 * Whether resolving a group's sightings one at a time, in order, would at some step find identities of two
 * customers (one existing, or one an earlier sighting of the batch would create) and merge them. Only then does
 * the order of the profile patches and the merge rule change the outcome, and the group goes one by one.
 */
function mergesOnReplay(
  group: Unresolved,
  keysOf: readonly (readonly string[])[],
  ownerOf: ReadonlyMap<string, string>,
): boolean {
  const holder = new Map<string, string>();
  for (const n of group.sightings) {
    const keys = keysOf[n] as string[];
    const found = new Set(keys.flatMap((k) => [holder.get(k) ?? ownerOf.get(k)].filter((v): v is string => !!v)));
    if (found.size > 1) return true;
    const customer = [...found][0] ?? `new:${n}`;
    for (const k of keys) holder.set(k, customer);
  }
  return false;
}

/**
 * Resolves many sightings in one transaction with the outcome of `resolveCustomer` called for each in order, and
 * passes the customer of each to `write`, which stores what the caller has to store (events). Set-based, whatever
 * the batch size, unless a merge is involved:
 * - every identity known and all of one customer: that customer, its profile patched by the sightings' profiles
 *   (folded in order), its new identities added;
 * - identities linked through the sightings and known to no one: one new customer with the folded profile, all of
 *   them created with one INSERT for customers and one for identities;
 * - a group whose one-at-a-time resolution would merge customers (identities of two existing customers, or of one
 *   and a customer an earlier sighting creates) goes through `resolveCustomer` one sighting at a time, in order,
 *   so the deterministic merge rule and the order of patches give exactly what calls one by one would. (Without
 *   profiles, sightings linked in one batch make one new customer where calls one by one would create two and
 *   merge them: the same empty profile, without a merge of a customer that existed for a moment.)
 * Patched customers are announced as `customer.updated`, new ones as `customer.created`.
 *
 * First and last seen are not widened here: the caller widens them later, set-based (ingestion does it in a
 * subscriber of its `event.tracked`), so that batches naming the same customers do not queue on their rows.
 *
 * Lock order, the same in every batch so concurrent ones queue instead of deadlocking: merges held off (shared),
 * the workspace's turn (only with merges), identities, customers FOR UPDATE (inside resolveCustomer), a merge's
 * exclusive hold, rows `write` inserts, customers patched (in id order), and last the workspace's customer-number
 * row. `write` runs before customers are patched or created, so that row, which every creator of customers needs,
 * is held only for the few statements before commit.
 */
export async function resolveSightings<T>(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  sightings: readonly Sighting[],
  reason: string,
  write: (customerIds: string[]) => Promise<T>,
  /** Customer numbers reserved ahead (`reserveSeqs`): new customers take theirs from the front of this list. */
  seqs?: number[],
): Promise<T> {
  if (sightings.some((s) => s.identities.length === 0)) throw new AppError(400, 'customer.identity_required');
  // Before the first look: an owner found below stays the owner of its rows until this transaction ends.
  await holdMerges(tx, workspaceId, 'shared');
  const keysOf = sightings.map((s) => s.keys ?? s.identities.map(identityKey));
  const identityOf = new Map<string, Identity>();
  sightings.forEach((s, n) => {
    s.identities.forEach((i, k) => {
      identityOf.set((keysOf[n] as readonly string[])[k] as string, i);
    });
  });
  const ownerOf = await cachedOwnersOf(tx, workspaceId, identityOf);

  const customerOf: string[] = sightings.map(() => '');
  const open: number[] = [];
  sightings.forEach((s, n) => {
    // The common case, every identity known and all of one customer, without a set per sighting.
    const keys = keysOf[n] as string[];
    const owner = ownerOf.get(keys[0] as string);
    if (!s.profile && owner !== undefined && keys.every((k) => ownerOf.get(k) === owner)) customerOf[n] = owner;
    else open.push(n);
  });

  const groupOwners = (group: Unresolved) =>
    new Set([...group.keys].flatMap((k) => (ownerOf.has(k) ? [ownerOf.get(k) as string] : [])));
  const profiled = (group: Unresolved) => group.sightings.some((n) => sightings[n]?.profile);
  const exact = (group: Unresolved) =>
    groupOwners(group).size > 1 || (profiled(group) && mergesOnReplay(group, keysOf, ownerOf));
  const foldedProfile = (group: Unresolved) =>
    foldPatches(group.sightings.flatMap((n) => (sightings[n]?.profile ? [sightings[n].profile] : [])));
  let turn = false;
  // Resolutions that merge take turns per workspace: they lock rows found along the way (a customer another batch
  // just created) in no fixed order, and concurrent ones would deadlock again and again.
  const takeTurn = async () => {
    if (turn) return;
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`customers:resolve:${workspaceId}`]);
    turn = true;
  };

  const created: NewCustomer[] = [];
  const attached: { customerId: string; key: string }[] = [];
  const patched: { customerId: string; patch: ProfileInput }[] = [];
  const exactOnes: number[] = [];
  if (open.length > 0) {
    // The turn comes before the identities' locks in every batch; whether it is needed, the first look tells.
    if (linkedGroups(open, keysOf, ownerOf).some(exact)) await takeTurn();
    const openKeys = [...new Set(open.flatMap((n) => keysOf[n] as string[]))];
    const unresolved = openKeys.map((k) => identityOf.get(k) as Identity);
    await lockIdentities(tx, workspaceId, unresolved);
    // Under their locks nobody else can give these identities an owner: look again at what may have changed.
    for (const k of openKeys) ownerOf.delete(k);
    for (const [key, customerId] of await ownersOf(tx, workspaceId, unresolved)) ownerOf.set(key, customerId);
    for (const g of linkedGroups(open, keysOf, ownerOf)) {
      const owners = groupOwners(g);
      if (exact(g)) {
        // Taken this late only when another batch gave an owner to one of these identities between the two looks;
        // should that deadlock with a batch holding the turn, PostgreSQL aborts one and the request runs again.
        await takeTurn();
        exactOnes.push(...g.sightings);
      } else if (owners.size === 1) {
        const customerId = [...owners][0] as string;
        for (const n of g.sightings) customerOf[n] = customerId;
        for (const key of g.keys) if (!ownerOf.has(key)) attached.push({ customerId, key });
        if (profiled(g)) patched.push({ customerId, patch: foldedProfile(g) });
      } else {
        const id = randomUUID();
        const times = g.sightings.map((n) => (sightings[n] as Sighting).at.getTime());
        created.push({
          id,
          keys: [...g.keys],
          profile: foldedProfile(g),
          first: new Date(Math.min(...times)),
          last: new Date(Math.max(...times)),
        });
        for (const n of g.sightings) customerOf[n] = id;
      }
    }
  }
  exactOnes.sort((a, b) => a - b);

  // Exact resolution in the sightings' order, so that a later identify sees what an earlier one created.
  const redirect = new Map<string, string>();
  const resolvedSets = new Map<string, string>();
  for (const n of exactOnes) {
    const s = sightings[n] as Sighting;
    const setKey = [...(keysOf[n] as string[])].sort().join('\u0001');
    const again = s.profile ? undefined : resolvedSets.get(setKey);
    if (again) {
      customerOf[n] = again;
      continue;
    }
    const r = await resolveCustomer(tx, participants, workspaceId, s.identities, {
      ...(s.profile ? { profile: s.profile } : {}),
      seenAt: s.at,
      reason,
    });
    customerOf[n] = r.customerId;
    resolvedSets.set(setKey, r.customerId);
    for (const m of r.merged) redirect.set(m, r.customerId);
  }
  // A customer resolved above may have been merged away by a later sighting: follow it to the survivor.
  const survivor = (id: string) => {
    let at = id;
    for (let hops = 0; hops < 100 && redirect.has(at); hops++) at = redirect.get(at) as string;
    return at;
  };
  const customerIds = customerOf.map(survivor);

  const result = await write(customerIds);
  await patchProfiles(tx, workspaceId, patched);
  await createCustomers(tx, workspaceId, created, attached, identityOf, seqs);
  return result;
}

/** `Tx.append` of a workspace's rows, in a tenant transaction (which writes the workspace) or an owner one. */
async function appendRows(
  tx: Tx,
  workspaceId: string,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  if (rows.length === 0) return;
  if (tx.workspaceId === null) {
    await tx.append(
      table,
      ['workspace_id', ...columns],
      rows.map((row) => [workspaceId, ...row]),
    );
  } else if (tx.workspaceId === workspaceId) await tx.append(table, columns, rows);
  else throw new Error(`rows of workspace ${workspaceId} in a transaction of ${tx.workspaceId}`);
}

interface NewCustomer {
  id: string;
  keys: string[];
  profile: ProfileInput;
  first: Date;
  last: Date;
}

/** A profile as the JSON the set-based statements read (the same columns insertCustomer and updateProfile write). */
function profileJson(p: ProfileInput) {
  return {
    name: p.name,
    gender: p.gender,
    birthday: p.birthday,
    region: p.region,
    city: p.city,
    phone: p.phone,
    email: p.email,
    occupation: p.occupation,
    interests: p.interests,
    source_channel: p.sourceChannel,
    custom: p.custom,
  };
}

const PATCHABLE = ['name', 'gender', 'region', 'city', 'phone', 'email', 'occupation', 'source_channel'];

/**
 * Applies folded profile patches to existing customers in one statement, as updateProfile would one by one (a
 * given field overwrites, custom fields merge key by key), locking the rows in id order; announces each as
 * `customer.updated`.
 */
async function patchProfiles(
  tx: Tx,
  workspaceId: string,
  patches: readonly { customerId: string; patch: ProfileInput }[],
): Promise<void> {
  if (patches.length === 0) return;
  await tx.query(
    `WITH p AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS p(id uuid, patch jsonb)),
     locked AS (
       SELECT c.id FROM (SELECT id FROM p ORDER BY id) AS s
         CROSS JOIN LATERAL (SELECT id FROM customers WHERE workspace_id = $1 AND id = s.id FOR NO KEY UPDATE) AS c
     )
     UPDATE customers c SET
       ${PATCHABLE.map((col) => `${col} = CASE WHEN p.patch ? '${col}' THEN p.patch->>'${col}' ELSE c.${col} END`).join(', ')},
       birthday = CASE WHEN p.patch ? 'birthday' THEN (p.patch->>'birthday')::date ELSE c.birthday END,
       interests = CASE WHEN p.patch ? 'interests'
                        THEN ARRAY(SELECT jsonb_array_elements_text(p.patch->'interests')) ELSE c.interests END,
       custom = c.custom || coalesce(p.patch->'custom', '{}'),
       updated_at = now()
      FROM p WHERE c.workspace_id = $1 AND c.id = p.id AND c.id IN (SELECT id FROM locked)`,
    [workspaceId, JSON.stringify(patches.map((p) => ({ id: p.customerId, patch: profileJson(p.patch) })))],
  );
  await emitMany(
    tx,
    'customer.updated',
    patches.map((p) => ({ customerId: p.customerId, fields: Object.keys(p.patch) })),
  );
}

/** Writes the new customers and identities `resolveSightings` decided on, and announces them. */
async function createCustomers(
  tx: Tx,
  workspaceId: string,
  created: readonly NewCustomer[],
  attached: readonly { customerId: string; key: string }[],
  identityOf: ReadonlyMap<string, Identity>,
  reserved?: number[],
): Promise<void> {
  const given = reserved ? reserved.splice(0, created.length) : [];
  const firstSeq =
    created.length > given.length ? await allocateSeqs(tx, workspaceId, created.length - given.length) : 0;
  const seqOf = (n: number) => (n < given.length ? (given[n] as number) : firstSeq + n - given.length);
  // Appended (COPY on PostgreSQL): a brand's first traffic creates thousands of customers a second, and the
  // JSON-document INSERT cost twice as much per row.
  await appendRows(
    tx,
    workspaceId,
    'customers',
    ['id', 'seq', ...PROFILE_COLUMNS],
    created.map((c, n) => {
      const p = profileJson(c.profile);
      return [
        c.id,
        seqOf(n),
        p.name ?? null,
        p.gender ?? 'unknown',
        p.birthday ?? null,
        p.region ?? null,
        p.city ?? null,
        p.phone ?? null,
        p.email ?? null,
        p.occupation ?? null,
        p.interests ?? [],
        p.source_channel ?? null,
        p.custom ?? {},
        c.first,
        c.last,
      ];
    }),
  );
  // No conflict is possible: these identities had no owner while this transaction held their locks, and every
  // writer of identities takes the same locks, so a duplicate would be a bug to fail on, not a race to paper over.
  await appendRows(
    tx,
    workspaceId,
    'customer_identities',
    ['kind', 'app_id', 'value', 'customer_id'],
    [
      ...created.flatMap((c) =>
        c.keys.map((key) => {
          const identity = identityOf.get(key) as Identity;
          return [identity.kind, identity.appId, identity.value, c.id];
        }),
      ),
      ...attached.map((a) => {
        const identity = identityOf.get(a.key) as Identity;
        return [identity.kind, identity.appId, identity.value, a.customerId];
      }),
    ],
  );
  await emitMany(
    tx,
    'customer.created',
    created.map((c, n) => ({ customerId: c.id, seq: seqOf(n) })),
  );
  // Audiences keep "identity present" bitmaps: a known customer gaining an identity must be announced.
  const kinds = new Map<string, Set<string>>();
  for (const a of attached) {
    const set = kinds.get(a.customerId) ?? new Set<string>();
    set.add((identityOf.get(a.key) as Identity).kind);
    kinds.set(a.customerId, set);
  }
  await emitMany(
    tx,
    'customer.identified',
    [...kinds].map(([customerId, set]) => ({ customerId, kinds: [...set] })),
  );
}

interface MergeRecord {
  identities: { kind: string; app_id: string; value: string }[];
  profile: CustomerRow;
  /** Survivor fields the merged profile filled in: column → [before, after]. */
  survivorFilled: Record<string, [unknown, unknown]>;
  participants: Record<string, unknown>;
}

const PROFILE_COLUMNS = [
  'name',
  'gender',
  'birthday',
  'region',
  'city',
  'phone',
  'email',
  'occupation',
  'interests',
  'source_channel',
  'custom',
  'first_seen_at',
  'last_seen_at',
] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function filledFields(before: CustomerRow, after: CustomerRow): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const col of PROFILE_COLUMNS) if (!same(before[col], after[col])) out[col] = [before[col], after[col]];
  return out;
}

/** Moves everything of `mergedId` to `survivorId`, keeps what moved for unmerge, and announces the merge. */
export async function mergeCustomers(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  survivorId: string,
  mergedId: string,
  reason: string,
): Promise<string> {
  if (survivorId === mergedId) throw conflict('customer.merge_self');
  await holdMerges(tx, workspaceId, 'exclusive');
  const rows = await tx.query<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, mergedId],
  );
  const merged = rows[0];
  if (!merged) throw notFound('customer.not_found');
  if (merged.merged_into) throw conflict('customer.already_merged');
  const identities = await tx.query<{ kind: string; app_id: string; value: string }>(
    `UPDATE customer_identities SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2
     RETURNING kind, app_id, value`,
    [workspaceId, mergedId, survivorId],
  );
  const undo: Record<string, unknown> = {};
  for (const p of participants.merge) undo[p.name] = await p.move(tx, workspaceId, mergedId, survivorId);
  const survivorBefore = await getCustomerRow(tx, workspaceId, survivorId);
  await updateProfile(
    tx,
    workspaceId,
    survivorId,
    {
      name: merged.name,
      gender: merged.gender,
      birthday: merged.birthday,
      region: merged.region,
      city: merged.city,
      phone: merged.phone,
      email: merged.email,
      occupation: merged.occupation,
      interests: merged.interests,
      sourceChannel: merged.source_channel,
      custom: merged.custom,
    },
    { fillOnly: true, ...(merged.first_seen_at ? { seenAt: merged.first_seen_at } : {}) },
  );
  if (merged.last_seen_at) await updateProfile(tx, workspaceId, survivorId, {}, { seenAt: merged.last_seen_at });
  const survivorAfter = await getCustomerRow(tx, workspaceId, survivorId);
  await tx.query('UPDATE customers SET merged_into = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    mergedId,
    survivorId,
  ]);
  const record: MergeRecord = {
    identities,
    profile: merged,
    survivorFilled: filledFields(survivorBefore, survivorAfter),
    participants: undo,
  };
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO customer_merges (workspace_id, survivor_id, merged_id, reason, moved) VALUES ($1, $2, $3, $4, $5)
     RETURNING id`,
    [workspaceId, survivorId, mergedId, reason, JSON.stringify(record)],
  );
  const mergeId = (inserted[0] as { id: string }).id;
  await emit(tx, 'customer.merged', { mergeId, survivorId, mergedId, reason });
  return mergeId;
}

/**
 * Undoes a merge: the merged profile comes back as it was, with the identities and rows it brought.
 * Later merges into the survivor are not affected; rows added to the survivor since the merge stay with it.
 */
export async function unmergeCustomers(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  mergeId: string,
): Promise<{ survivorId: string; restoredId: string }> {
  await holdMerges(tx, workspaceId, 'exclusive');
  const rows = await tx.query<{ survivor_id: string; merged_id: string; moved: MergeRecord; unmerged_at: Date | null }>(
    `SELECT survivor_id, merged_id, moved, unmerged_at FROM customer_merges
      WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, mergeId],
  );
  const merge = rows[0];
  if (!merge) throw notFound('customer.merge_not_found');
  if (merge.unmerged_at) throw conflict('customer.already_unmerged');
  const { survivor_id: survivorId, merged_id: mergedId, moved } = merge;
  const p = moved.profile;
  await tx.query(
    `UPDATE customers SET merged_into = NULL, name = $3, gender = $4, birthday = $5, region = $6, city = $7,
            phone = $8, email = $9, occupation = $10, interests = $11, source_channel = $12, custom = $13,
            first_seen_at = $14, last_seen_at = $15, updated_at = now()
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      mergedId,
      p.name,
      p.gender,
      p.birthday,
      p.region,
      p.city,
      p.phone,
      p.email,
      p.occupation,
      p.interests,
      p.source_channel,
      JSON.stringify(p.custom),
      p.first_seen_at,
      p.last_seen_at,
    ],
  );
  if (moved.identities.length > 0) {
    await tx.query(
      `UPDATE customer_identities SET customer_id = $2
        WHERE workspace_id = $1 AND customer_id = $3
          AND (kind, app_id, value) IN (SELECT * FROM unnest($4::text[], $5::text[], $6::text[]))`,
      [
        workspaceId,
        mergedId,
        survivorId,
        moved.identities.map((i) => i.kind),
        moved.identities.map((i) => i.app_id),
        moved.identities.map((i) => i.value),
      ],
    );
  }
  // The survivor gives back what the merged profile filled in, unless it was changed again since.
  const survivorNow = await getCustomerRow(tx, workspaceId, survivorId);
  const revert = Object.entries(moved.survivorFilled ?? {}).filter(([col, [, after]]) =>
    same(survivorNow[col as keyof CustomerRow], after),
  );
  for (const [col, [before]] of revert) {
    const value = col === 'custom' ? JSON.stringify(before) : before;
    await tx.query(`UPDATE customers SET ${col} = $3 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      survivorId,
      value,
    ]);
  }
  for (const participant of [...participants.merge].reverse()) {
    await participant.restore(tx, workspaceId, mergedId, survivorId, moved.participants[participant.name]);
  }
  await tx.query('UPDATE customer_merges SET unmerged_at = now() WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    mergeId,
  ]);
  await emit(tx, 'customer.unmerged', { mergeId, survivorId, restoredId: mergedId });
  return { survivorId, restoredId: mergedId };
}
