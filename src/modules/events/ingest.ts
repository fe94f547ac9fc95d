// Ingestion of Segment-style messages: each is checked and normalised alone, then a whole batch is resolved to
// customers and written set-based (customers found, created or widened a batch at a time, one events insert, one
// outbox insert), so that a batch costs a handful of statements rather than several per event.
import type { BatchMessage } from '../../contracts/events.ts';
import { sqlState, type Tx, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { emitManyJson, packedEmitSql } from '../../platform/jobs/index.ts';
import {
  type CustomerParticipants,
  cleanProfile,
  type Identity,
  type IdentityInput,
  identityKey,
  normalizeIdentity,
  type ProfileInput,
  resolveSightings,
} from '../customers/index.ts';

export type MessageType = 'track' | 'identify' | 'page' | 'screen';

/** A message ready to be written: identities normalised, profile cleaned, time fixed. */
export interface Normalized {
  type: MessageType;
  name: string;
  messageId: string;
  identities: Identity[];
  /** `identityKey` of each identity, made once for the look-ups of creation and resolution. */
  identityKeys: string[];
  /** Known traits of an identify call; null when the message does not change the profile. */
  profile: ProfileInput | null;
  properties: Record<string, unknown>;
  /** `properties` as JSON text, made once: the size check and the COPY of the row both need it. */
  propertiesJson: string;
  channel: string | null;
  occurredAt: Date;
}

/** Segment caps one message at 32 KB; a larger one is refused rather than bloating the events table. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const GENDERS: Record<string, 'male' | 'female'> = {
  male: 'male',
  m: 'male',
  man: 'male',
  男: 'male',
  female: 'female',
  f: 'female',
  woman: 'female',
  女: 'female',
};

const TEXT_TRAITS: Record<string, 'name' | 'city' | 'region' | 'phone' | 'email' | 'occupation'> = {
  name: 'name',
  city: 'city',
  region: 'region',
  state: 'region',
  phone: 'phone',
  email: 'email',
  occupation: 'occupation',
  title: 'occupation',
};

/**
 * Splits identify traits into the profile fields Siyu knows and the rest, which stay in the event's properties.
 * A known trait of an unusable type (a numeric name, an unknown gender word) also stays in the properties.
 */
function splitTraits(traits: Record<string, unknown>): { profile: ProfileInput; rest: Record<string, unknown> } {
  const profile: ProfileInput = {};
  const rest: Record<string, unknown> = {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  for (const [key, value] of Object.entries(traits)) {
    const field = TEXT_TRAITS[key];
    const t = text(value);
    if (field && t) {
      profile[field] = t;
      continue;
    }
    if (key === 'gender' && t && GENDERS[t.toLowerCase()]) {
      profile.gender = GENDERS[t.toLowerCase()];
      continue;
    }
    // Segment sends birthdays as ISO dates or date-times; the profile keeps the date.
    if (key === 'birthday' && t && /^\d{4}-\d{2}-\d{2}/.test(t)) {
      profile.birthday = t.slice(0, 10);
      continue;
    }
    if (key === 'interests') {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,，、;；]/) : [];
      const clean = list.flatMap((v) => (typeof v === 'string' && v.trim() ? [v.trim()] : []));
      if (clean.length > 0) {
        profile.interests = clean;
        continue;
      }
    }
    if (key === 'address' && isRecord(value)) {
      profile.city ??= text(value.city);
      profile.region ??= text(value.state) ?? text(value.region);
    }
    rest[key] = value;
  }
  for (const key of Object.keys(profile) as (keyof ProfileInput)[]) if (profile[key] === undefined) delete profile[key];
  return { profile, rest };
}

function identitiesOf(msg: BatchMessage, profile: ProfileInput | null): { identities: Identity[]; keys: string[] } {
  const inputs: IdentityInput[] = [];
  if (msg.userId) inputs.push({ kind: 'user_id', value: msg.userId });
  if (msg.anonymousId) inputs.push({ kind: 'anonymous_id', value: msg.anonymousId });
  for (const i of msg.context?.identities ?? []) inputs.push(i);
  if (profile?.phone) inputs.push({ kind: 'phone', value: profile.phone });
  if (profile?.email) inputs.push({ kind: 'email', value: profile.email });
  if (inputs.length === 1) {
    const identity = normalizeIdentity(inputs[0] as IdentityInput);
    return { identities: [identity], keys: [identityKey(identity)] };
  }
  const seen = new Map<string, Identity>();
  for (const input of inputs) {
    const identity = normalizeIdentity(input);
    seen.set(identityKey(identity), identity);
  }
  if (seen.size === 0) throw new AppError(400, 'events.identity_required');
  return { identities: [...seen.values()], keys: [...seen.keys()] };
}

/**
 * A bound on the bytes of `value` as JSON text, without serialising it: JSON text takes at most three bytes per UTF-16
 * unit, a raw string at most six (a control character becomes `\u001f`), and a number or literal at most 24 bytes.
 * Past a few levels of nesting it serialises what is left, so a deep document cannot exhaust the stack.
 */
function jsonBytesAtMost(value: unknown, depth = 0): number {
  if (typeof value === 'string') return 6 * value.length + 2;
  if (typeof value !== 'object' || value === null) return 24;
  if (depth > 8) return 3 * (JSON.stringify(value)?.length ?? 4);
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value) bytes += jsonBytesAtMost(item, depth + 1) + 1;
    return bytes;
  }
  for (const key in value)
    bytes += 6 * key.length + 4 + jsonBytesAtMost((value as Record<string, unknown>)[key], depth + 1);
  return bytes;
}

/**
 * A bound on the bytes of a message's JSON, from its properties already serialised and the rest without
 * serialising it again: most messages are far below the limit, and serialising each one whole to measure it cost
 * more than the rest of its checks.
 */
function sizeAtMost(msg: BatchMessage, propertiesJson: string): number {
  let bytes = 3 * propertiesJson.length + 16;
  const fields = msg as Record<string, unknown>;
  for (const key in fields) if (key !== 'properties') bytes += 6 * key.length + 4 + jsonBytesAtMost(fields[key]);
  return bytes;
}

/**
 * Checks one schema-valid message and turns it into a row to write; only an identify needs the transaction (`tx`).
 * `receivedAt` is the server's clock; when the sender says when it sent the message (`sentAt`), its clock skew is
 * taken out of `timestamp`, as Segment does.
 */
export async function normalizeMessage(
  tx: Tx | null,
  workspaceId: string,
  msg: BatchMessage,
  receivedAt: Date,
  newMessageId: () => string,
): Promise<Normalized> {
  let profile: ProfileInput | null = null;
  let properties: Record<string, unknown>;
  let name: string;
  if (msg.type === 'identify') {
    // Traits are checked against the workspace's custom fields, which only a transaction reads.
    if (!tx) throw new Error('an identify is normalised in a transaction');
    const split = splitTraits(msg.traits ?? {});
    profile = Object.keys(split.profile).length > 0 ? await cleanProfile(tx, workspaceId, split.profile) : null;
    properties = split.rest;
    name = 'identify';
  } else if (msg.type === 'track') {
    properties = msg.properties ?? {};
    name = msg.event;
  } else {
    properties = {
      ...(msg.properties ?? {}),
      ...(msg.name ? { name: msg.name } : {}),
      ...(msg.category ? { category: msg.category } : {}),
    };
    name = msg.type;
  }
  const propertiesJson = JSON.stringify(properties);
  if (msg.type === 'identify' || sizeAtMost(msg, propertiesJson) > MAX_MESSAGE_BYTES) {
    if (Buffer.byteLength(JSON.stringify(msg)) > MAX_MESSAGE_BYTES) {
      throw new AppError(400, 'events.message_too_large', { limit: MAX_MESSAGE_BYTES });
    }
  }
  const { identities, keys } = identitiesOf(msg, profile);
  const stamp = msg.timestamp ?? msg.originalTimestamp;
  let occurredAt = stamp ? new Date(stamp) : receivedAt;
  if (stamp && msg.sentAt)
    occurredAt = new Date(occurredAt.getTime() + (receivedAt.getTime() - Date.parse(msg.sentAt)));
  return {
    type: msg.type,
    name,
    messageId: msg.messageId ?? newMessageId(),
    identities,
    identityKeys: keys,
    profile,
    properties,
    propertiesJson,
    channel: msg.context?.channel ?? null,
    occurredAt,
  };
}

export interface IngestOutcome {
  /** Per message, in order: the customer it landed on and whether it was a repeat of an accepted messageId. */
  results: { customerId: string; duplicate: boolean }[];
}

/**
 * What subscribers learn of each stored event (`event.tracked`): who, what, when and where, and its messageId,
 * by which a subscriber that needs the properties reads them from the events table.
 */
const TRACKED_PAYLOAD = `jsonb_build_object('customerId', customer_id, 'type', type, 'name', name, 'channel', channel,
  'occurredAt', occurred_at, 'messageId', message_id)`;

/** The columns ingestion writes, after the workspace (`Tx.append` adds it). */
export const EVENT_COLUMNS = [
  'customer_id',
  'type',
  'name',
  'properties',
  'channel',
  'occurred_at',
  'received_at',
  'message_id',
] as const;

/**
 * Stores the events and announces them. First with `Tx.append` (COPY on PostgreSQL: about a fifth of the database's
 * work per event less than the INSERT below, which has to take the rows apart from a JSON document and check each
 * messageId by speculative insertion), and `event.tracked` built here. A messageId stored before (a retried batch)
 * or meanwhile (the same message in a concurrent batch, which COPY waits for) fails the COPY on the unique index:
 * then, back at the savepoint, one statement stores what is new and announces what it stored. Returns the
 * messageIds written.
 */
async function writeEvents(
  tx: Tx,
  workspaceId: string,
  messages: readonly Normalized[],
  customerIds: readonly string[],
  receivedAt: Date,
): Promise<Set<string>> {
  // Times as text once: each is written twice (the row, the announcement), the time received into every row.
  const occurred = messages.map((m) => m.occurredAt.toISOString());
  const received = receivedAt.toISOString();
  try {
    await tx.append(
      'events',
      EVENT_COLUMNS,
      messages.map((m, n) => [
        customerIds[n],
        m.type,
        m.name,
        m.propertiesJson,
        m.channel,
        occurred[n],
        received,
        m.messageId,
      ]),
      'events_append',
    );
  } catch (err) {
    if (sqlState(err) !== UNIQUE_VIOLATION) throw err;
    return insertNewEvents(tx, workspaceId, messages, customerIds, receivedAt);
  }
  // The TRACKED_PAYLOAD of each row, written straight as JSON (ids, types and times need no escaping).
  await emitManyJson(
    tx,
    'event.tracked',
    messages.map(
      (m, n) =>
        `{"customerId":"${customerIds[n]}","type":"${m.type}","name":${JSON.stringify(m.name)},` +
        `"channel":${m.channel === null ? 'null' : JSON.stringify(m.channel)},"occurredAt":"${occurred[n]}",` +
        `"messageId":${JSON.stringify(m.messageId)}}`,
    ),
  );
  return new Set(messages.map((m) => m.messageId));
}

/**
 * The same rows through one INSERT that skips messageIds already stored, announcing what it wrote: the rows travel
 * once, as one JSON document (node-postgres escapes text[] parameters character by character, which costs more CPU
 * than the insert), and the announcement is packed from what the insert returned.
 */
async function insertNewEvents(
  tx: Tx,
  workspaceId: string,
  messages: readonly Normalized[],
  customerIds: readonly string[],
  receivedAt: Date,
): Promise<Set<string>> {
  const rows = messages.map((m, n) => ({
    c: customerIds[n],
    t: m.type,
    n: m.name,
    p: m.properties,
    ch: m.channel,
    o: m.occurredAt,
    m: m.messageId,
  }));
  const [outcome] = await tx.query<{ written: number; ids: string[] | null }>(
    `WITH ins AS (
       INSERT INTO events (workspace_id, customer_id, type, name, properties, channel, occurred_at, received_at,
                           message_id)
       SELECT $1, x.c, x.t, x.n, x.p, x.ch, x.o, $2, x.m
         FROM jsonb_to_recordset($3::jsonb) AS x(c uuid, t text, n text, p jsonb, ch text, o timestamptz, m text)
       ON CONFLICT (workspace_id, message_id) DO NOTHING
       RETURNING customer_id, type, name, channel, occurred_at, message_id
     ), ${packedEmitSql('tracked', 'event.tracked', 'ins', TRACKED_PAYLOAD, '$1')}
     SELECT count(*)::int AS written, CASE WHEN count(*) < $4 THEN array_agg(message_id) END AS ids,
            (SELECT count(*) FROM tracked_notified) AS notified
       FROM ins`,
    [workspaceId, receivedAt, JSON.stringify(rows), messages.length],
  );
  const all = messages.map((m) => m.messageId);
  return new Set(outcome?.ids ?? (outcome?.written === all.length ? all : []));
}

/**
 * Writes normalised messages in one transaction. A messageId already stored (or repeated within the batch) is a
 * duplicate and changes nothing. The others are resolved to customers all at once (`resolveSightings`: set-based
 * unless a message merges customers or changes a profile), then stored and announced by one statement.
 *
 * Only messages that change a profile are looked up by messageId before they are resolved: applying a retried
 * identify again could undo a later change to the profile. A retried track resolves to the customer its first
 * delivery landed on (or that customer's survivor) and is then skipped by the unique index, so it needs no lookup.
 */
export async function ingest(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  messages: readonly Normalized[],
  receivedAt: Date,
): Promise<IngestOutcome> {
  const results: { customerId: string; duplicate: boolean }[] = messages.map(() => ({
    customerId: '',
    duplicate: false,
  }));
  const profiled = messages.filter((m) => m.profile).map((m) => m.messageId);
  const stored =
    profiled.length === 0
      ? []
      : await tx.query<{ message_id: string; customer_id: string }>(
          // One probe of the messageId index per message: with young statistics `message_id = ANY($2)` was planned
          // as a scan of every event of the workspace.
          `SELECT e.message_id, e.customer_id FROM jsonb_array_elements_text($2::jsonb) AS m(id)
             CROSS JOIN LATERAL (
               SELECT message_id, customer_id FROM events WHERE workspace_id = $1 AND message_id = m.id LIMIT 1
             ) AS e`,
          [workspaceId, JSON.stringify(profiled)],
        );
  const known = new Map(stored.map((s) => [s.message_id, s.customer_id]));
  const fresh: Normalized[] = [];
  const freshAt: number[] = [];
  const firstOf = new Map<string, number>();
  messages.forEach((m, index) => {
    const before = known.get(m.messageId);
    if (before !== undefined) results[index] = { customerId: before, duplicate: true };
    else if (firstOf.has(m.messageId)) results[index] = { customerId: '', duplicate: true };
    else {
      firstOf.set(m.messageId, index);
      fresh.push(m);
      freshAt.push(index);
    }
  });
  if (fresh.length === 0) return { results };

  const sightings = fresh.map((m) => ({
    identities: m.identities,
    keys: m.identityKeys,
    profile: m.profile,
    at: m.occurredAt,
  }));
  await resolveSightings(tx, participants, workspaceId, sightings, 'identify', async (customerIds) => {
    const written = await writeEvents(tx, workspaceId, fresh, customerIds, receivedAt);
    fresh.forEach((m, n) => {
      results[freshAt[n] as number] = { customerId: customerIds[n] as string, duplicate: !written.has(m.messageId) };
    });
  });
  // In-batch repeats answer with the customer of the first message that carried their messageId.
  messages.forEach((m, index) => {
    const r = results[index] as { customerId: string };
    if (!r.customerId) r.customerId = results[firstOf.get(m.messageId) as number]?.customerId as string;
  });
  return { results };
}
