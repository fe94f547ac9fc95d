// HTTP routes of customers: profiles, identities, merge and unmerge, custom fields and the timeline.
import { Type } from '@sinclair/typebox';
import {
  CreateCustomerBody,
  Customer,
  CustomerDetail,
  CustomerListQuery,
  CustomField,
  CustomFieldBody,
  MergeBody,
  TimelineItem,
  TimelineQuery,
  UpdateCustomerBody,
} from '../../contracts/customers.ts';
import { page, Uuid } from '../../contracts/foundation.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { listCustomFields } from './custom-fields.ts';
import type { CustomerParticipants } from './participants.ts';
import { getCustomerRow } from './profiles.ts';
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
      summary: '自定义字段 / Custom profile fields',
      tags: ['customers'],
      permission: 'customer.read',
      response: Type.Object({ items: Type.Array(CustomField) }),
      handler: async (ctx) => ({ items: await listCustomFields(ctx.tx, ctx.workspaceId) }),
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
      handler: (ctx, { body }) => defineCustomField(ctx, body),
    });
  };
}
