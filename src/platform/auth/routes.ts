// HTTP routes of sign-in, staff management and API keys.
import { Type } from '@sinclair/typebox';
import {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedStaff,
  CreateStaffBody,
  LoginBody,
  PageQuery,
  page,
  Session,
  Staff,
  StaffListQuery,
  UpdateStaffBody,
  Uuid,
} from '../../contracts/foundation.ts';
import type { Config } from '../config.ts';
import type { RouteRegistrar } from '../http/routes.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { login, sessionOf } from './login.ts';
import type { Permissions } from './permissions.ts';
import { SESSION_COOKIE } from './principal.ts';
import { createStaff, getStaff, listStaff, toStaff, updateStaff } from './staff.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export function authRoutes(config: Config, permissions: Permissions) {
  return (r: RouteRegistrar) => {
    r.publicRoute({
      method: 'POST',
      url: '/api/auth/login',
      summary: '登录控制台 / Sign in to the console',
      description: 'Sets an httpOnly session cookie. Repeated failures lock the account for a while (429).',
      tags: ['auth'],
      body: LoginBody,
      response: Session,
      handler: async (ctx, { body }) => {
        const result = await login(ctx.db, config, permissions, body, {
          ip: ctx.ip,
          userAgent: ctx.request.headers['user-agent'] ?? null,
          requestId: ctx.requestId,
          now: ctx.now(),
        });
        ctx.reply.setCookie(SESSION_COOKIE, result.token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: config.secureCookies,
          path: '/',
          maxAge: config.sessionTtlHours * 3600,
        });
        return result.session;
      },
    });

    r.route({
      method: 'GET',
      url: '/api/auth/me',
      summary: '当前会话 / The current session',
      tags: ['auth'],
      permission: 'session.self',
      sessionOnly: true,
      response: Session,
      handler: async (ctx) => {
        const rows = await ctx.tx.query<{ csrf_token: string }>(
          'SELECT csrf_token FROM staff_sessions WHERE token_hash = $1',
          [ctx.session?.tokenHash],
        );
        return sessionOf(ctx.tx, permissions, ctx.workspaceId, ctx.actor.id, rows[0]?.csrf_token ?? '');
      },
    });

    r.route({
      method: 'POST',
      url: '/api/auth/logout',
      summary: '退出登录 / Sign out',
      tags: ['auth'],
      permission: 'session.self',
      sessionOnly: true,
      audit: { action: 'auth.logout', targetType: 'staff' },
      response: null,
      handler: async (ctx) => {
        await ctx.tx.query('DELETE FROM staff_sessions WHERE token_hash = $1', [ctx.session?.tokenHash]);
        ctx.audit.targetId = ctx.actor.id;
        ctx.reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return null;
      },
    });

    r.route({
      method: 'GET',
      url: '/api/staff',
      summary: '员工列表 / List staff',
      tags: ['staff'],
      permission: 'staff.read',
      query: StaffListQuery,
      response: page(Staff),
      handler: (ctx, { query }) => listStaff(ctx.tx, ctx.workspaceId, query),
    });

    r.route({
      method: 'GET',
      url: '/api/staff/:id',
      summary: '员工详情 / Get a staff member',
      tags: ['staff'],
      permission: 'staff.read',
      params: IdParams,
      response: Staff,
      handler: async (ctx, { params }) => toStaff(await getStaff(ctx.tx, ctx.workspaceId, params.id)),
    });

    r.route({
      method: 'POST',
      url: '/api/staff',
      summary: '新建员工 / Create a staff member',
      description: 'Without a password, one is generated and returned once as initialPassword.',
      tags: ['staff'],
      permission: 'staff.manage',
      audit: { action: 'staff.create', targetType: 'staff' },
      body: CreateStaffBody,
      response: CreatedStaff,
      status: 201,
      handler: (ctx, { body }) => createStaff(ctx, body),
    });

    r.route({
      method: 'PATCH',
      url: '/api/staff/:id',
      summary: '修改员工（角色、状态） / Update a staff member (role, status)',
      tags: ['staff'],
      permission: 'staff.manage',
      audit: { action: 'staff.update', targetType: 'staff' },
      params: IdParams,
      body: UpdateStaffBody,
      response: Staff,
      handler: (ctx, { params, body }) => updateStaff(ctx, params.id, body),
    });

    r.route({
      method: 'GET',
      url: '/api/api-keys',
      summary: 'API 密钥列表 / List API keys',
      tags: ['api-keys'],
      permission: 'api_key.manage',
      query: Type.Object(PageQuery, { additionalProperties: false }),
      response: page(ApiKey),
      handler: (ctx, { query }) => listApiKeys(ctx.tx, ctx.workspaceId, query),
    });

    r.route({
      method: 'POST',
      url: '/api/api-keys',
      summary: '创建 API 密钥 / Create an API key',
      description: 'The secret is in this response only; it is stored hashed.',
      tags: ['api-keys'],
      permission: 'api_key.manage',
      audit: { action: 'api_key.create', targetType: 'api_key' },
      body: CreateApiKeyBody,
      response: CreatedApiKey,
      status: 201,
      handler: (ctx, { body }) => createApiKey(ctx, body),
    });

    r.route({
      method: 'POST',
      url: '/api/api-keys/:id/revoke',
      summary: '吊销 API 密钥 / Revoke an API key',
      tags: ['api-keys'],
      permission: 'api_key.manage',
      audit: { action: 'api_key.revoke', targetType: 'api_key' },
      params: IdParams,
      response: ApiKey,
      handler: (ctx, { params }) => revokeApiKey(ctx, params.id),
    });
  };
}
