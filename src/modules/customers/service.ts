// Customer use cases behind the routes: create-or-resolve, 360 view, list and search, edit, merge and unmerge.
import type {
  CreateCustomerBody,
  CustomerDetail,
  CustomerListQuery,
  CustomFieldBody,
  UpdateCustomerBody,
} from '../../contracts/customers.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { emit } from '../../platform/jobs/index.ts';
import type { CustomField } from './custom-fields.ts';
import { normalizeIdentity } from './identities.ts';
import type { CustomerParticipants } from './participants.ts';
import {
  CUSTOMER_COLUMNS,
  type Customer,
  type CustomerRow,
  cleanProfile,
  getCustomerRow,
  type ProfileInput,
  toCustomer,
  updateProfile,
} from './profiles.ts';
import { mergeCustomers, resolveCustomer, unmergeCustomers } from './resolution.ts';
import { assertCustomerInScope, scopeSql } from './scope.ts';

export const canSeePii = (ctx: RequestContext) => ctx.can('customer.pii');

function profileOf(body: UpdateCustomerBody): ProfileInput {
  const { identities: _ignored, ...profile } = body as CreateCustomerBody;
  return profile as ProfileInput;
}

export async function customerDetail(ctx: RequestContext, id: string): Promise<CustomerDetail> {
  const row = await getCustomerRow(ctx.tx, ctx.workspaceId, id);
  return detailOf(ctx, row);
}

async function detailOf(ctx: RequestContext, row: CustomerRow): Promise<CustomerDetail> {
  const pii = canSeePii(ctx);
  const identities = await ctx.tx.query<{ kind: string; app_id: string; value: string; created_at: Date }>(
    `SELECT kind, app_id, value, created_at FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2
      ORDER BY created_at, kind`,
    [ctx.workspaceId, row.id],
  );
  const merges = await ctx.tx.query<{
    id: string;
    survivor_id: string;
    merged_id: string;
    reason: string;
    merged_at: Date;
    unmerged_at: Date | null;
  }>(
    `SELECT id, survivor_id, merged_id, reason, merged_at, unmerged_at FROM customer_merges
      WHERE workspace_id = $1 AND (survivor_id = $2 OR merged_id = $2) ORDER BY merged_at DESC`,
    [ctx.workspaceId, row.id],
  );
  const masked = (kind: string, value: string) =>
    pii || (kind !== 'phone' && kind !== 'email')
      ? value
      : kind === 'phone'
        ? `${value.slice(0, -8)}****${value.slice(-4)}`
        : `${value.slice(0, 1)}***@${value.split('@')[1] ?? ''}`;
  return {
    customer: toCustomer(row, pii),
    identities: identities.map((i) => ({
      kind: i.kind,
      appId: i.app_id,
      value: masked(i.kind, i.value),
      createdAt: i.created_at.toISOString(),
    })),
    merges: merges.map((m) => ({
      id: m.id,
      survivorId: m.survivor_id,
      mergedId: m.merged_id,
      reason: m.reason,
      mergedAt: m.merged_at.toISOString(),
      unmergedAt: m.unmerged_at?.toISOString() ?? null,
    })),
  };
}

export async function createCustomer(
  ctx: RequestContext,
  participants: CustomerParticipants,
  body: CreateCustomerBody,
): Promise<CustomerDetail> {
  const identities = body.identities.map(normalizeIdentity);
  const profile = await cleanProfile(ctx.tx, ctx.workspaceId, profileOf(body));
  const resolved = await resolveCustomer(ctx.tx, participants, ctx.workspaceId, identities, {
    profile,
    seenAt: ctx.now(),
    reason: 'api',
  });
  // A guide may only update their own customers this way. A new customer, or someone else's, answers the same 404
  // (the transaction rolls back), so the answer never tells whether the identities belong to anybody.
  if (ctx.scope.kind !== 'workspace') await assertCustomerInScope(ctx, resolved.customerId);
  ctx.audit.targetId = resolved.customerId;
  ctx.audit.details = { created: resolved.created, merged: resolved.merged };
  return customerDetail(ctx, resolved.customerId);
}

export async function updateCustomer(ctx: RequestContext, id: string, body: UpdateCustomerBody): Promise<Customer> {
  const current = await getCustomerRow(ctx.tx, ctx.workspaceId, id);
  const patch = await cleanProfile(ctx.tx, ctx.workspaceId, profileOf(body));
  const row = await updateProfile(ctx.tx, ctx.workspaceId, current.id, patch);
  await emit(ctx.tx, 'customer.updated', { customerId: row.id, fields: Object.keys(patch) });
  ctx.audit.targetId = row.id;
  ctx.audit.details = { fields: Object.keys(patch) };
  return toCustomer(row, canSeePii(ctx));
}

export async function listCustomers(ctx: RequestContext, query: CustomerListQuery): Promise<Page<Customer>> {
  const limit = query.limit ?? 50;
  const where = ['c.workspace_id = $1', 'c.merged_into IS NULL'];
  const params: unknown[] = [ctx.workspaceId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (query.q) {
    const q = query.q.trim();
    // An identity value (a phone in any notation, an e-mail, an openid …) finds its customer exactly.
    const kind = q.includes('@') ? 'email' : /^[+\d\s()-]{5,}$/.test(q) ? 'phone' : 'user_id';
    let identity = q;
    try {
      identity = normalizeIdentity({ kind, value: q }).value;
    } catch {
      // not a valid phone or e-mail: search the raw text
    }
    params.push(
      q.replace(/[\\%_]/g, (m) => `\\${m}`),
      identity,
    );
    where.push(
      `(c.name ILIKE '%' || $${params.length - 1} || '%' OR c.id IN (SELECT i.customer_id FROM customer_identities i
          WHERE i.workspace_id = c.workspace_id AND i.value = $${params.length}))`,
    );
  }
  // A guide lists and finds only the customers they own.
  if (ctx.scope.kind !== 'workspace') where.push(scopeSql(ctx, 'c.id', params));
  if (query.city) add('c.city = ?', query.city);
  if (query.gender) add('c.gender = ?', query.gender);
  if (query.sourceChannel) add('c.source_channel = ?', query.sourceChannel);
  const cursor = decodeCursor(query.cursor);
  if (cursor) add('c.seq < ?', Number(cursor[0]));
  params.push(limit + 1);
  const rows = await ctx.tx.query<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM customers c
      WHERE ${where.join(' AND ')} ORDER BY c.seq DESC LIMIT $${params.length}`,
    params,
  );
  const pii = canSeePii(ctx);
  return pageOf(
    rows,
    limit,
    (r) => toCustomer(r, pii),
    (r) => [r.seq],
  );
}

export async function mergeByHand(
  ctx: RequestContext,
  participants: CustomerParticipants,
  body: { survivorId: string; mergedId: string; reason?: string },
): Promise<CustomerDetail> {
  const survivor = await getCustomerRow(ctx.tx, ctx.workspaceId, body.survivorId);
  const merged = await getCustomerRow(ctx.tx, ctx.workspaceId, body.mergedId);
  if (survivor.id === merged.id) throw conflict('customer.merge_self');
  const mergeId = await mergeCustomers(
    ctx.tx,
    participants,
    ctx.workspaceId,
    survivor.id,
    merged.id,
    body.reason ?? 'manual',
  );
  ctx.audit.targetId = survivor.id;
  ctx.audit.details = { mergeId, mergedId: merged.id };
  return customerDetail(ctx, survivor.id);
}

export async function unmerge(ctx: RequestContext, participants: CustomerParticipants, mergeId: string) {
  const { survivorId, restoredId } = await unmergeCustomers(ctx.tx, participants, ctx.workspaceId, mergeId);
  const pii = canSeePii(ctx);
  return {
    survivor: toCustomer(await getCustomerRow(ctx.tx, ctx.workspaceId, survivorId), pii),
    restored: toCustomer(await getCustomerRow(ctx.tx, ctx.workspaceId, restoredId), pii),
  };
}

export async function defineCustomField(ctx: RequestContext, body: CustomFieldBody): Promise<CustomField> {
  const choice = body.type === 'single_choice' || body.type === 'multi_choice';
  if (choice && (!body.options || body.options.length === 0)) throw new AppError(400, 'customer.custom_field_options');
  try {
    const rows = await (ctx.tx as Queryable).query<CustomField>(
      `INSERT INTO custom_fields (workspace_id, key, label, type, options, required) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING key, label, type, options, required`,
      [ctx.workspaceId, body.key, body.label, body.type, choice ? body.options : [], body.required ?? false],
    );
    ctx.audit.targetId = body.key;
    return rows[0] as CustomField;
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('customer.custom_field_exists', { key: body.key });
    throw err;
  }
}
