// Identity resolution: a call carrying any known identity lands on that customer; identities of two customers
// in one call merge them (the older profile survives), and a merge can be undone.

import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/jobs/index.ts';
import { type Identity, identityKey } from './identities.ts';
import type { CustomerParticipants } from './participants.ts';
import {
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
 * number must not both create a customer. Locks are taken in a fixed order so they cannot deadlock.
 */
export async function lockIdentities(tx: Tx, workspaceId: string, identities: readonly Identity[]): Promise<void> {
  const keys = [...new Set(identities.map(identityKey))].sort();
  for (const key of keys) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${workspaceId}\u001f${key}`]);
  }
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
  const found = await tx.query<{ kind: string; app_id: string; value: string; customer_id: string }>(
    // Driven from the call's identities: one primary-key probe each, however young the table's statistics.
    `SELECT i.kind, i.app_id, i.value, i.customer_id
       FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, app_id, value)
       JOIN customer_identities i
         ON i.workspace_id = $1 AND i.kind = u.kind AND i.app_id = u.app_id AND i.value = u.value`,
    [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.appId), identities.map((i) => i.value)],
  );
  const ids = [...new Set(found.map((f) => f.customer_id))];
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
    if (options.profile && Object.keys(options.profile).length > 0) {
      await updateProfile(tx, workspaceId, customerId, options.profile, { seenAt: options.seenAt });
    } else {
      await updateProfile(tx, workspaceId, customerId, {}, { seenAt: options.seenAt });
    }
  }
  const known = new Set(found.map((f) => identityKey({ kind: f.kind, appId: f.app_id, value: f.value } as Identity)));
  const missing = identities.filter((i) => !known.has(identityKey(i)));
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
