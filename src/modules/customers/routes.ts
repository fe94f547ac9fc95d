// HTTP routes of customers: profiles, identities, merge and unmerge, custom fields and the timeline.
import { Type } from '@sinclair/typebox';
import {
  CreateCustomerBody,
  Customer,
  CustomerDetail,
  CustomerListQuery,
  CustomField,
  CustomFieldBody,
  CustomFieldListQuery,
  CustomFieldParams,
  MergeBody,
  TimelineItem,
  TimelineQuery,
  UpdateCustomerBody,
  UpdateCustomFieldBody,
} from '../../contracts/customers.ts';
import { page, Uuid } from '../../contracts/foundation.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { archiveCustomField, listCustomFields, updateCustomField } from './custom-fields.ts';
import type { CustomerParticipants } from './participants.ts';
import { getCustomerRow } from './profiles.ts';
import { assertCustomerInScope } from './scope.ts';
import {
  createCustomer,
  customerDetail,
  defineCustomField,
  listCustomers,
  mergeByHand,
  unmerge,
  updateCustomer,
} from './service.ts';
import { timeline } from './timeline.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export function customerRoutes(participants: CustomerParticipants) {
  return (r: RouteRegistrar) => {
    // Every route of any module that names a customer in its path checks the caller's scope with this (a guide:
    // only customers they own); lists and searches use `scopeSql` themselves.
    r.customerGuard((ctx, id) => assertCustomerInScope(ctx, id));
    r.route({
      method: 'GET',
      url: '/api/customers',
      summary: '客户列表 / List customers',
      tags: ['customers'],
      permission: 'customer.read',
      query: CustomerListQuery,
      response: page(Customer),
      handler: (ctx, { query }) => listCustomers(ctx, query),
    });
    r.route({
      method: 'POST',
      url: '/api/customers',
      summary: '新建或匹配客户 / Create a customer (or update the one its identities resolve to)',
      tags: ['customers'],
      permission: 'customer.write',
      audit: { action: 'customer.create', targetType: 'customer' },
      body: CreateCustomerBody,
      response: CustomerDetail,
      status: 201,
      handler: (ctx, { body }) => createCustomer(ctx, participants, body),
    });
    r.route({
      method: 'GET',
      url: '/api/customers/:id',
      summary: '客户详情 / Customer 360',
      tags: ['customers'],
      permission: 'customer.read',
      params: IdParams,
      response: CustomerDetail,
      handler: (ctx, { params }) => customerDetail(ctx, params.id),
    });
    r.route({
      method: 'PATCH',
      url: '/api/customers/:id',
      summary: '修改客户资料 / Update a profile',
      tags: ['customers'],
      permission: 'customer.write',
      audit: { action: 'customer.update', targetType: 'customer' },
      params: IdParams,
      body: UpdateCustomerBody,
      response: Customer,
      handler: (ctx, { params, body }) => updateCustomer(ctx, params.id, body),
    });
    r.route({
      method: 'GET',
      url: '/api/customers/:id/timeline',
      summary: '客户时间线 / Timeline, newest first',
      tags: ['customers'],
      permission: 'customer.read',
      params: IdParams,
      query: TimelineQuery,
      response: Type.Object({ items: Type.Array(TimelineItem), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
      handler: async (ctx, { params, query }) => {
        const row = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
        return timeline(ctx.tx, participants.timeline, ctx.workspaceId, row.id, query.cursor, query.limit ?? 30);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/customers/merge',
      summary: '合并客户 / Merge two customers',
      tags: ['customers'],
      permission: 'customer.merge',
      audit: { action: 'customer.merge', targetType: 'customer' },
      body: MergeBody,
      response: CustomerDetail,
      handler: (ctx, { body }) => mergeByHand(ctx, participants, body),
    });
    r.route({
      method: 'POST',
      url: '/api/customers/merges/:id/unmerge',
      summary: '撤销合并 / Undo a merge',
      tags: ['customers'],
      permission: 'customer.merge',
      audit: { action: 'customer.unmerge', targetType: 'customer_merge' },
      params: IdParams,
      response: Type.Object({ survivor: Customer, restored: Customer }),
      handler: (ctx, { params }) => unmerge(ctx, participants, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/custom-fields',
      summary: '自定义字段 / Custom profile fields (archived ones with includeArchived=true)',
      tags: ['customers'],
      permission: 'customer.read',
      query: CustomFieldListQuery,
      response: Type.Object({ items: Type.Array(CustomField) }),
      handler: async (ctx, { query }) => ({
        items: await listCustomFields(ctx.tx, ctx.workspaceId, { includeArchived: query.includeArchived ?? false }),
      }),
    });
    r.route({
      method: 'POST',
      url: '/api/custom-fields',
      summary: '定义自定义字段 / Define a custom field',
      tags: ['customers'],
      permission: 'customer.configure',
      audit: { action: 'custom_field.create', targetType: 'custom_field' },
      body: CustomFieldBody,
      response: CustomField,
      status: 201,
      handler: async (ctx, { body }) => ({ ...(await defineCustomField(ctx, body)), archivedAt: null }),
    });
    r.route({
      method: 'PATCH',
      url: '/api/custom-fields/:key',
      summary: '修改自定义字段 / Relabel a field, make it required or not, add choices',
      tags: ['customers'],
      permission: 'customer.configure',
      audit: { action: 'custom_field.update', targetType: 'custom_field' },
      params: CustomFieldParams,
      body: UpdateCustomFieldBody,
      response: CustomField,
      handler: async (ctx, { params, body }) => {
        ctx.audit.targetId = params.key;
        ctx.audit.details = { fields: Object.keys(body) };
        return updateCustomField(ctx.tx, ctx.workspaceId, params.key, body);
      },
    });
    for (const [action, archived] of [
      ['archive', true],
      ['restore', false],
    ] as const) {
      r.route({
        method: 'POST',
        url: `/api/custom-fields/:key/${action}`,
        summary: archived
          ? '归档自定义字段 / Archive a field: values stay, new ones are refused'
          : '恢复自定义字段 / Restore an archived field',
        tags: ['customers'],
        permission: 'customer.configure',
        audit: { action: `custom_field.${action}`, targetType: 'custom_field' },
        params: CustomFieldParams,
        response: CustomField,
        handler: async (ctx, { params }) => {
          ctx.audit.targetId = params.key;
          return archiveCustomField(ctx.tx, ctx.workspaceId, params.key, archived, ctx.now());
        },
      });
    }
  };
}
