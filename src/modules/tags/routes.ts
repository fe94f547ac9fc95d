// HTTP routes of tags: the catalogue (groups, tags, auto-tag rules), a customer's tags, and bulk tagging.
import { Type } from '@sinclair/typebox';
import { Uuid } from '../../contracts/foundation.ts';
import {
  ApplyTagsBody,
  BulkTagBody,
  BulkTagResult,
  CustomerTag,
  Tag,
  TagBody,
  TagGroup,
  TagGroupBody,
  TagListQuery,
  TagRuleBody,
  type TagSource,
  UpdateTagBody,
  UpdateTagGroupBody,
  WecomTagSync,
} from '../../contracts/tags.ts';
import type { Tx } from '../../platform/db/index.ts';
import type { RequestContext, RouteRegistrar } from '../../platform/http/routes.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { customersInScope } from '../customers/index.ts';
import { getCustomerRow } from '../customers/profiles.ts';
import {
  createTag,
  createTagGroup,
  deleteTag,
  deleteTagGroup,
  getCatalogTag,
  listTagGroups,
  listTags,
  setTagRule,
  updateTag,
  updateTagGroup,
} from './catalog.ts';
import { customerTags, getTag, tagCustomers, untagCustomers } from './tagging.ts';
import { requestSyncByHand, syncStatus } from './wecom.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const CustomerTagParams = Type.Object({ id: Uuid, tagId: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Null() });

const sourceOf = (ctx: RequestContext, single: boolean): TagSource =>
  ctx.actor.type === 'api_key' ? 'api' : single ? 'manual' : 'bulk';

async function listOfCustomerTags(tx: Tx, workspaceId: string, customerId: string) {
  const rows = await customerTags(tx, workspaceId, customerId);
  return {
    items: rows.map((r) => ({
      tagId: r.tag_id,
      name: r.name,
      groupId: r.group_id,
      groupName: r.group_name,
      color: r.color,
      source: r.source,
      taggedAt: r.tagged_at.toISOString(),
    })),
    nextCursor: null,
  };
}

/** The current customers a bulk list names: ids as given (merged-away ids follow to their survivor) and phones. */
async function resolveBulkList(
  tx: Tx,
  workspaceId: string,
  body: BulkTagBody,
): Promise<{ customerIds: string[]; unmatched: string[] }> {
  const ids = body.customerIds ?? [];
  const byId = await tx.query<{ given: string; id: string }>(
    `SELECT c.id AS given, coalesce(s.id, c.id) AS id
       FROM customers c LEFT JOIN customers s ON s.workspace_id = c.workspace_id AND s.id = c.merged_into
      WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[]) AND (c.merged_into IS NULL OR s.merged_into IS NULL)`,
    [workspaceId, ids],
  );
  const foundIds = new Set(byId.map((r) => r.given));
  const phones = body.phones ?? [];
  const normal = phones.map((p) => normalizePhone(p));
  const byPhone = await tx.query<{ value: string; customer_id: string }>(
    `SELECT value, customer_id FROM customer_identities
      WHERE workspace_id = $1 AND kind = 'phone' AND app_id = '' AND value = ANY($2::text[])`,
    [workspaceId, normal.filter((p): p is string => p !== null)],
  );
  const foundPhones = new Set(byPhone.map((r) => r.value));
  return {
    customerIds: [...new Set([...byId.map((r) => r.id), ...byPhone.map((r) => r.customer_id)])],
    unmatched: [
      ...new Set([
        ...ids.filter((id) => !foundIds.has(id)),
        ...phones.filter((_, i) => !foundPhones.has(normal[i] ?? '')),
      ]),
    ],
  };
}

async function bulk(ctx: RequestContext, tagId: string, body: BulkTagBody, add: boolean) {
  await getTag(ctx.tx, ctx.workspaceId, tagId);
  const resolved = await resolveBulkList(ctx.tx, ctx.workspaceId, body);
  // A guide tags only their own customers; the others count as unmatched, like ids and phones nobody has.
  const customerIds =
    ctx.scope.kind === 'workspace' ? resolved.customerIds : await customersInScope(ctx, resolved.customerIds);
  const unmatched =
    customerIds.length === resolved.customerIds.length
      ? resolved.unmatched
      : [...resolved.unmatched, ...(await outOfScopeEntries(ctx, body, new Set(customerIds)))];
  const change = add ? tagCustomers : untagCustomers;
  const changed = await change(
    ctx.tx,
    ctx.workspaceId,
    tagId,
    customerIds,
    sourceOf(ctx, false),
    ctx.actor.id,
    ctx.now(),
  );
  ctx.audit.targetId = tagId;
  ctx.audit.details = { matched: customerIds.length, changed: changed.length, unmatched: unmatched.length };
  return {
    matched: customerIds.length,
    changed: changed.length,
    unmatched: unmatched.slice(0, 100),
    unmatchedCount: unmatched.length,
  };
}

/** The ids and phones of a bulk list that name customers outside the caller's scope, as the caller typed them. */
async function outOfScopeEntries(ctx: RequestContext, body: BulkTagBody, inScope: ReadonlySet<string>) {
  const byId = await ctx.tx.query<{ given: string; id: string }>(
    `SELECT c.id AS given, coalesce(s.id, c.id) AS id FROM customers c
       LEFT JOIN customers s ON s.workspace_id = c.workspace_id AND s.id = c.merged_into
      WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`,
    [ctx.workspaceId, body.customerIds ?? []],
  );
  const out = byId.filter((r) => !inScope.has(r.id)).map((r) => r.given);
  const phones = body.phones ?? [];
  const owners = await ctx.tx.query<{ value: string; customer_id: string }>(
    `SELECT value, customer_id FROM customer_identities
      WHERE workspace_id = $1 AND kind = 'phone' AND app_id = '' AND value = ANY($2::text[])`,
    [ctx.workspaceId, phones.map((p) => normalizePhone(p)).filter((p): p is string => p !== null)],
  );
  const ownerOf = new Map(owners.map((o) => [o.value, o.customer_id]));
  for (const phone of phones) {
    const owner = ownerOf.get(normalizePhone(phone) ?? '');
    if (owner && !inScope.has(owner)) out.push(phone);
  }
  return out;
}

export function tagRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/tags/wecom-sync',
    summary: '企业微信标签同步状态 / Whether a WeCom corp tag sync is queued or running, and how the last one went',
    tags: ['tags'],
    permission: 'tag.read',
    response: WecomTagSync,
    handler: (ctx) => syncStatus(ctx.tx, ctx.workspaceId, ctx.locale),
  });
  r.route({
    method: 'POST',
    url: '/api/tags/wecom-sync',
    summary: '同步企业微信标签 / Read WeCom’s corp tags again and bring the synced groups up to date',
    description:
      'Queues a sync (joining one already queued) and answers at once with its state; the sync itself runs as a ' +
      'job. 409 `tag.wecom_not_configured` while the workspace has no WeCom customer-contact secret.',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag.wecom_sync', targetType: 'workspace' },
    response: WecomTagSync,
    status: 202,
    handler: async (ctx) => {
      ctx.audit.targetId = ctx.workspaceId;
      await requestSyncByHand(ctx.tx, ctx.workspaceId, ctx.now());
      return syncStatus(ctx.tx, ctx.workspaceId, ctx.locale);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/tag-groups',
    summary: '标签组及其标签 / Tag groups with their tags',
    tags: ['tags'],
    permission: 'tag.read',
    response: Items(TagGroup),
    handler: async (ctx) => ({ items: await listTagGroups(ctx.tx, ctx.workspaceId), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/tag-groups',
    summary: '新建标签组 / Create a tag group',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag_group.create', targetType: 'tag_group' },
    body: TagGroupBody,
    response: TagGroup,
    status: 201,
    handler: async (ctx, { body }) => {
      const group = await createTagGroup(ctx.tx, ctx.workspaceId, body);
      ctx.audit.targetId = group.id;
      return group;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/tag-groups/:id',
    summary: '修改标签组 / Rename or reorder a tag group',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag_group.update', targetType: 'tag_group' },
    params: IdParams,
    body: UpdateTagGroupBody,
    response: TagGroup,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateTagGroup(ctx.tx, ctx.workspaceId, params.id, body);
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/tag-groups/:id',
    summary: '删除空标签组 / Delete an empty tag group',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag_group.delete', targetType: 'tag_group' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteTagGroup(ctx.tx, ctx.workspaceId, params.id);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/tags',
    summary: '标签列表 / Tags, optionally of one group',
    tags: ['tags'],
    permission: 'tag.read',
    query: TagListQuery,
    response: Items(Tag),
    handler: async (ctx, { query }) => ({
      items: await listTags(ctx.tx, ctx.workspaceId, query.groupId),
      nextCursor: null,
    }),
  });
  r.route({
    method: 'GET',
    url: '/api/tags/:id',
    summary: '标签详情 / One tag',
    tags: ['tags'],
    permission: 'tag.read',
    params: IdParams,
    response: Tag,
    handler: (ctx, { params }) => getCatalogTag(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'POST',
    url: '/api/tags',
    summary: '新建标签 / Create a tag',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag.create', targetType: 'tag' },
    body: TagBody,
    response: Tag,
    status: 201,
    handler: async (ctx, { body }) => {
      const tag = await createTag(ctx.tx, ctx.workspaceId, body);
      ctx.audit.targetId = tag.id;
      return tag;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/tags/:id',
    summary: '修改标签 / Rename, recolour or move a tag',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag.update', targetType: 'tag' },
    params: IdParams,
    body: UpdateTagBody,
    response: Tag,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateTag(ctx.tx, ctx.workspaceId, params.id, body);
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/tags/:id',
    summary: '删除标签 / Delete a tag (and take it from every customer)',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag.delete', targetType: 'tag' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteTag(ctx.tx, ctx.workspaceId, params.id);
    },
  });
  r.route({
    method: 'PUT',
    url: '/api/tags/:id/rule',
    summary: '设置自动标签规则 / Set (or clear with null) the auto-tag rule',
    tags: ['tags'],
    permission: 'tag.manage',
    audit: { action: 'tag.set_rule', targetType: 'tag' },
    params: IdParams,
    body: TagRuleBody,
    response: Tag,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return setTagRule(ctx.tx, ctx.workspaceId, params.id, body.rule);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/customers/:id/tags',
    summary: '客户的标签 / A customer’s tags',
    tags: ['tags'],
    permission: 'tag.read',
    params: IdParams,
    response: Items(CustomerTag),
    handler: async (ctx, { params }) => {
      const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
      return listOfCustomerTags(ctx.tx, ctx.workspaceId, customer.id);
    },
  });
  r.route({
    method: 'POST',
    url: '/api/customers/:id/tags',
    summary: '给客户打标签 / Tag a customer',
    tags: ['tags'],
    permission: 'tag.apply',
    audit: { action: 'customer.tag', targetType: 'customer' },
    params: IdParams,
    body: ApplyTagsBody,
    response: Items(CustomerTag),
    handler: async (ctx, { params, body }) => {
      const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
      for (const tagId of new Set(body.tagIds)) {
        await tagCustomers(ctx.tx, ctx.workspaceId, tagId, [customer.id], sourceOf(ctx, true), ctx.actor.id, ctx.now());
      }
      ctx.audit.targetId = customer.id;
      ctx.audit.details = { tagIds: body.tagIds };
      return listOfCustomerTags(ctx.tx, ctx.workspaceId, customer.id);
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/customers/:id/tags/:tagId',
    summary: '移除客户标签 / Untag a customer',
    tags: ['tags'],
    permission: 'tag.apply',
    audit: { action: 'customer.untag', targetType: 'customer' },
    params: CustomerTagParams,
    response: null,
    handler: async (ctx, { params }) => {
      const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
      await untagCustomers(
        ctx.tx,
        ctx.workspaceId,
        params.tagId,
        [customer.id],
        sourceOf(ctx, true),
        ctx.actor.id,
        ctx.now(),
      );
      ctx.audit.targetId = customer.id;
      ctx.audit.details = { tagId: params.tagId };
    },
  });
  r.route({
    method: 'POST',
    url: '/api/tags/:id/customers',
    summary: '批量打标签 / Tag up to 10,000 customers by id and/or phone',
    tags: ['tags'],
    permission: 'tag.apply',
    audit: { action: 'tag.bulk_add', targetType: 'tag' },
    params: IdParams,
    body: BulkTagBody,
    response: BulkTagResult,
    handler: (ctx, { params, body }) => bulk(ctx, params.id, body, true),
  });
  r.route({
    method: 'POST',
    url: '/api/tags/:id/customers/remove',
    summary: '批量移除标签 / Untag up to 10,000 customers by id and/or phone',
    tags: ['tags'],
    permission: 'tag.apply',
    audit: { action: 'tag.bulk_remove', targetType: 'tag' },
    params: IdParams,
    body: BulkTagBody,
    response: BulkTagResult,
    handler: (ctx, { params, body }) => bulk(ctx, params.id, body, false),
  });
}
