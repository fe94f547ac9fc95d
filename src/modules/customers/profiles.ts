// Customer profiles: reading, writing (with custom-field validation) and masking of personal data by role.
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { emitMany } from '../../platform/jobs/index.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { validateCustom } from './custom-fields.ts';

export const GENDERS = ['male', 'female', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

/** The profile attributes a caller may set (identify traits, the console, imports). */
export interface ProfileInput {
  name?: string | null;
  gender?: Gender;
  birthday?: string | null;
  region?: string | null;
  city?: string | null;
  phone?: string | null;
  email?: string | null;
  occupation?: string | null;
  interests?: string[];
  sourceChannel?: string | null;
  custom?: Record<string, unknown>;
}

export interface CustomerRow {
  id: string;
  seq: number;
  name: string | null;
  gender: Gender;
  birthday: string | null;
  region: string | null;
  city: string | null;
  phone: string | null;
  email: string | null;
  occupation: string | null;
  interests: string[];
  source_channel: string | null;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
  member_status: string;
  custom: Record<string, unknown>;
  merged_into: string | null;
  created_at: Date;
}

export const CUSTOMER_COLUMNS = `id, seq, name, gender, to_char(birthday, 'YYYY-MM-DD') AS birthday, region, city, phone,
  email, occupation, interests, source_channel, first_seen_at, last_seen_at, member_status, custom, merged_into,
  created_at`;

export interface Customer {
  id: string;
  seq: number;
  name: string | null;
  gender: Gender;
  birthday: string | null;
  region: string | null;
  city: string | null;
  phone: string | null;
  email: string | null;
  occupation: string | null;
  interests: string[];
  sourceChannel: string | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  memberStatus: string;
  custom: Record<string, unknown>;
  createdAt: string;
}

export function maskPhone(phone: string): string {
  return phone.length > 8 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : '****';
}
export function maskEmail(email: string): string {
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 1)}***@${domain}`;
}
export function maskName(name: string): string {
  return name.length <= 1 ? '*' : `${name.slice(0, 1)}${'*'.repeat(Math.min(name.length - 1, 3))}`;
}

/** `showPii` comes from the caller's role (permission customer.pii); others see masked name, phone and e-mail. */
export function toCustomer(r: CustomerRow, showPii: boolean): Customer {
  return {
    id: r.id,
    seq: r.seq,
    name: r.name && !showPii ? maskName(r.name) : r.name,
    gender: r.gender,
    birthday: r.birthday,
    region: r.region,
    city: r.city,
    phone: r.phone && !showPii ? maskPhone(r.phone) : r.phone,
    email: r.email && !showPii ? maskEmail(r.email) : r.email,
    occupation: r.occupation,
    interests: r.interests,
    sourceChannel: r.source_channel,
    firstSeenAt: r.first_seen_at?.toISOString() ?? null,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    memberStatus: r.member_status,
    custom: r.custom,
    createdAt: r.created_at.toISOString(),
  };
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks and normalises a profile patch; the custom part against the workspace's field definitions. */
export async function cleanProfile(q: Queryable, workspaceId: string, input: ProfileInput): Promise<ProfileInput> {
  const out: ProfileInput = { ...input };
  if (input.phone) {
    const e164 = normalizePhone(input.phone);
    if (!e164) throw new AppError(400, 'customer.invalid_phone');
    out.phone = e164;
  }
  if (input.email) out.email = input.email.trim().toLowerCase();
  if (input.birthday) {
    const d = new Date(`${input.birthday}T00:00:00Z`);
    if (!DATE_RE.test(input.birthday) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== input.birthday) {
      throw new AppError(400, 'customer.invalid_birthday');
    }
  }
  if (input.custom) out.custom = await validateCustom(q, workspaceId, input.custom);
  return out;
}

export async function allocateSeqs(q: Queryable, workspaceId: string, count: number): Promise<number> {
  // One row per workspace hands out dense numbers; a batch takes a block at once so the row is touched once.
  const rows = await q.query<{ last_seq: number }>(
    `INSERT INTO customer_seq (workspace_id, last_seq) VALUES ($1, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET last_seq = customer_seq.last_seq + EXCLUDED.last_seq
     RETURNING last_seq`,
    [workspaceId, count],
  );
  return (rows[0] as { last_seq: number }).last_seq - count + 1;
}

export async function insertCustomer(
  tx: Tx,
  workspaceId: string,
  profile: ProfileInput,
  seenAt: Date,
  id?: string,
): Promise<CustomerRow> {
  const seq = await allocateSeqs(tx, workspaceId, 1);
  const rows = await tx.query<CustomerRow>(
    `INSERT INTO customers (workspace_id, id, seq, name, gender, birthday, region, city, phone, email, occupation,
                            interests, source_channel, custom, first_seen_at, last_seen_at)
     VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
     RETURNING ${CUSTOMER_COLUMNS}`,
    [
      workspaceId,
      id ?? null,
      seq,
      profile.name ?? null,
      profile.gender ?? 'unknown',
      profile.birthday ?? null,
      profile.region ?? null,
      profile.city ?? null,
      profile.phone ?? null,
      profile.email ?? null,
      profile.occupation ?? null,
      profile.interests ?? [],
      profile.sourceChannel ?? null,
      JSON.stringify(profile.custom ?? {}),
      seenAt,
    ],
  );
  return rows[0] as CustomerRow;
}

/**
 * Applies a patch: given fields overwrite, custom fields merge key by key, and first/last seen only widen.
 * `fillOnly` keeps existing values (used when a merged profile donates to the survivor).
 */
export async function updateProfile(
  tx: Tx,
  workspaceId: string,
  id: string,
  patch: ProfileInput,
  options: { seenAt?: Date; fillOnly?: boolean } = {},
): Promise<CustomerRow> {
  const cols: [string, unknown][] = [
    ['name', patch.name],
    ['gender', patch.gender],
    ['birthday', patch.birthday],
    ['region', patch.region],
    ['city', patch.city],
    ['phone', patch.phone],
    ['email', patch.email],
    ['occupation', patch.occupation],
    ['interests', patch.interests],
    ['source_channel', patch.sourceChannel],
  ];
  const sets: string[] = [];
  const params: unknown[] = [workspaceId, id];
  for (const [col, value] of cols) {
    if (value === undefined) continue;
    params.push(value);
    const p = `$${params.length}`;
    if (options.fillOnly) {
      sets.push(
        col === 'gender'
          ? `gender = CASE WHEN gender = 'unknown' THEN ${p} ELSE gender END`
          : col === 'interests'
            ? `interests = CASE WHEN cardinality(interests) = 0 THEN ${p} ELSE interests END`
            : `${col} = coalesce(${col}, ${p})`,
      );
    } else {
      sets.push(`${col} = ${p}`);
    }
  }
  if (patch.custom && Object.keys(patch.custom).length > 0) {
    params.push(JSON.stringify(patch.custom));
    sets.push(
      options.fillOnly ? `custom = $${params.length}::jsonb || custom` : `custom = custom || $${params.length}::jsonb`,
    );
  }
  if (options.seenAt) {
    params.push(options.seenAt);
    const p = `$${params.length}`;
    sets.push(`first_seen_at = LEAST(coalesce(first_seen_at, ${p}), ${p})`);
    sets.push(`last_seen_at = GREATEST(coalesce(last_seen_at, ${p}), ${p})`);
  }
  sets.push('updated_at = now()');
  const rows = await tx.query<CustomerRow>(
    `UPDATE customers SET ${sets.join(', ')} WHERE workspace_id = $1 AND id = $2 RETURNING ${CUSTOMER_COLUMNS}`,
    params,
  );
  if (!rows[0]) throw notFound('customer.not_found');
  return rows[0];
}

export const MEMBER_STATUSES = ['none', 'member', 'frozen', 'cancelled'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/**
 * Sets `member_status` of customers, which the loyalty module keeps in step with its memberships, and announces
 * each change as `customer.updated` (audiences index the attribute). Customers that already have the status are
 * neither written nor announced. `announce: false` is for bulk loads that write no domain events (the demo).
 */
export async function setMemberStatus(
  tx: Tx,
  workspaceId: string,
  ids: readonly string[],
  status: MemberStatus,
  options: { announce?: boolean } = {},
): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.query<{ id: string }>(
    `UPDATE customers SET member_status = $3, updated_at = now()
      WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND member_status IS DISTINCT FROM $3 RETURNING id`,
    [workspaceId, ids, status],
  );
  if (options.announce === false) return;
  await emitMany(
    tx,
    'customer.updated',
    rows.map((r) => ({ customerId: r.id, fields: ['memberStatus'] })),
  );
}

/** The customer, following merges to the surviving profile. */
export async function getCustomerRow(q: Queryable, workspaceId: string, id: string): Promise<CustomerRow> {
  let current = id;
  for (let hops = 0; hops < 20; hops++) {
    const rows = await q.query<CustomerRow>(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, current],
    );
    const row = rows[0];
    if (!row) break;
    if (!row.merged_into) return row;
    current = row.merged_into;
  }
  throw notFound('customer.not_found');
}
