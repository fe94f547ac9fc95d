// The HTTP server: Fastify with strict JSON-schema validation, one error shape, sessions and API keys, CSRF,
// permissions, rate limits, idempotency, audit, OpenAPI docs, health, metrics and the built console and H5.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import { type SerializerFactory, SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { ErrorBody } from '../../contracts/foundation.ts';
import { type NewAuditEntry, recordAudit } from '../audit/index.ts';
import type { Permissions } from '../auth/permissions.ts';
import { type Principal, principalFromApiKey, principalFromSession, SESSION_COOKIE } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Db, Tx } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { type Locale, pickLocale, translate } from '../i18n/index.ts';
import { addServerFormats } from './formats.ts';
import { checkIdempotencyKey, claimIdempotencyKey, requestHash, storeIdempotentResponse } from './idempotency.ts';
import type { Metrics } from './metrics.ts';
import { RateLimiter } from './rate-limit.ts';
import {
  type AnyRouteSpec,
  FileDownload,
  isMember,
  isPublic,
  MEMBER_SESSION_COOKIE,
  type MemberContext,
  type MemberPrincipal,
  type MemberRouteSpec,
  type RequestContext,
  type Scope,
} from './routes.ts';

export interface ServerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  routes: AnyRouteSpec[];
  permissions: Permissions;
  metrics: Metrics;
  now: () => Date;
  /** Folder of the built console and H5 (web/dist); not served when absent. */
  webDir: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The member behind a member route, once its session is checked. */
    member: MemberPrincipal | null;
    locale: Locale;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Where the WeCom connector receives its callbacks (src/connectors/wecom/routes.ts). */
const WECOM_CALLBACK_PREFIX = '/api/wecom/callback/';
const EMPTY_BODY = Type.Object({}, { additionalProperties: false, description: 'No body, or {}' });

// Bodies are validated strictly: no type coercion (a "12" is not 12) and unknown fields are errors, not silently
// dropped. Query strings and path parameters arrive as text, so they are coerced to the declared types.
// Validators and response serializers are compiled on a route's first use, not when the server starts: there are
// hundreds of routes, most of which one process (a worker's, a test's, a small brand's) never serves, and compiling
// them all took over a second of every start.
function validators() {
  const common = { allErrors: false, strict: false, useDefaults: true, removeAdditional: false } as const;
  const body = addServerFormats(new Ajv({ ...common, coerceTypes: false }));
  const text = addServerFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => {
    let compiled: ValidateFunction | undefined;
    // Fastify reads the errors of a failed validation from the function it was given.
    const validate = (data: unknown) => {
      compiled ??= (httpPart === 'body' ? body : text).compile(schema);
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null as ValidateFunction['errors'];
    return validate;
  };
}

function lazySerializers(): SerializerFactory {
  return (externalSchemas, options) => {
    const build = SerializerSelector()(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => {
        serialize ??= build(route);
        return serialize(data);
      };
    };
  };
}

function errorBody(locale: Locale, err: AppError) {
  return {
    error: {
      code: err.code,
      message: translate(locale, err.code, err.params),
      ...(err.details === undefined ? {} : { details: err.details }),
    },
  };
}

/** Turns anything thrown while handling a request into a status and an AppError. */
function toAppError(err: FastifyError | AppError | Error, bodyLimit: number): AppError {
  if (err instanceof AppError) return err;
  // Modules may throw their own error classes: anything with a dotted code and a 4xx status is a client error.
  const coded = err as { code?: unknown; status?: unknown };
  if (typeof coded.code === 'string' && /^[a-z_]+\.[a-z_]+$/.test(coded.code) && typeof coded.status === 'number') {
    if (coded.status >= 400 && coded.status < 500) return new AppError(coded.status, coded.code);
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const details = fe.validation.map((v) => ({
      path: `${fe.validationContext ?? 'body'}${v.instancePath || ''}`,
      rule: v.keyword,
      message: v.message ?? v.keyword,
      ...(v.keyword === 'additionalProperties'
        ? { field: (v.params as { additionalProperty: string }).additionalProperty }
        : {}),
    }));
    const first = details[0];
    const summary = first ? `${first.path} ${first.field ? `has unknown field "${first.field}"` : first.message}` : '';
    return new AppError(400, 'request.invalid', { summary }, details);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'request.invalid_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'request.too_large', { limit: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'request.unsupported_media_type');
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) return new AppError(400, 'request.invalid_json');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, 'request.invalid', { summary: err.message });
  }
  return new AppError(500, 'internal');
}

function sendError(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const params = err.code === 'internal' ? { requestId: String(request.id) } : err.params;
  return reply
    .code(err.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(request.locale ?? 'zh-CN', new AppError(err.status, err.code, params, err.details)));
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure

/**
 * Runs a request's transaction again when PostgreSQL aborted it as a deadlock victim or for serialization: the
 * whole transaction rolled back, so a second run is the same request, not a repeat of its effects.
 */
async function retryOnConflict<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= attempts || !RETRYABLE.has(String((err as { code?: unknown }).code))) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

function clientIp(request: FastifyRequest): string {
  return request.ip;
}

/** `ctx.tx` of a route that commits through a group commit: using it is a bug in the route. */
const NO_REQUEST_TRANSACTION = new Proxy({} as Tx, {
  get(_, name) {
    throw new Error(`ctx.tx.${String(name)}: a groupCommit route has no request transaction`);
  },
});

function scopeOf(principal: Principal): Scope {
  return principal.role === 'guide' && principal.actor.type === 'staff'
    ? { kind: 'own', staffId: principal.actor.id }
    : { kind: 'workspace' };
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, db, metrics } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } },
  });
  app.setValidatorCompiler(validators());
  app.decorateRequest('principal', null);
  app.decorateRequest('member', null);
  app.decorateRequest('locale', 'zh-CN');

  const ipLimiter = new RateLimiter(60_000);
  const keyLimiter = new RateLimiter(60_000);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const lang = (request.query as Record<string, unknown> | undefined)?.lang;
    request.locale = pickLocale(request.headers['accept-language'], typeof lang === 'string' ? lang : undefined);
    if (request.url.startsWith('/api/') || request.url.startsWith('/v1/')) {
      // WeCom posts every brand's callbacks from a handful of addresses, in bursts (a live-code campaign is hundreds
      // of adds a minute): a 429 there makes WeCom retry and, after repeated failures, stop calling. Callbacks are
      // signed, so they get their own, much larger bucket instead of sharing the console's.
      const callback = request.url.startsWith(WECOM_CALLBACK_PREFIX);
      const wait = callback
        ? ipLimiter.hit(`callback:${clientIp(request)}`, config.rateLimit.callbackPerIpPerMinute)
        : ipLimiter.hit(`ip:${clientIp(request)}`, config.rateLimit.perIpPerMinute);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new AppError(429, 'request.rate_limited', { retryAfter: wait });
      }
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime,
    );
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    // Upload routes take larger bodies than the JSON limit; a 413 names the limit of the route that refused.
    const appErr = toAppError(err, request.routeOptions.bodyLimit ?? config.bodyLimitBytes);
    if (appErr.status >= 500) request.log.error({ err }, 'request failed');
    return sendError(request, reply, appErr);
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Siyu API',
        description: 'Siyu 私域运营平台 API。错误统一为 {"error":{"code","message","details"}}；列表以 cursor 分页。',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Workspace API key' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          memberSession: { type: 'apiKey', in: 'cookie', name: MEMBER_SESSION_COOKIE },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const spec of deps.routes) registerRoute(app, spec, deps, keyLimiter);

  app.get(
    '/health',
    { schema: { tags: ['system'], summary: 'Liveness and database reachability' } },
    async (_r, reply) => {
      try {
        await db.query('SELECT 1');
        return { status: 'ok', database: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'error', database: 'unreachable' });
      }
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (_r, reply) => {
    reply.type(metrics.contentType);
    return metrics.render();
  });

  const webDir = deps.webDir && existsSync(path.join(deps.webDir, 'index.html')) ? deps.webDir : null;
  if (webDir) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: false });
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    const isApi = url.startsWith('/api/') || url.startsWith('/v1/') || url === '/api';
    if (!isApi && webDir && (request.method === 'GET' || request.method === 'HEAD')) {
      // Single-page apps: every non-API path is the console, and every /h5 path is the member H5.
      const page = url === '/h5' || url.startsWith('/h5/') ? 'h5/index.html' : 'index.html';
      return reply.header('cache-control', 'no-cache').sendFile(page);
    }
    return sendError(request, reply, new AppError(404, 'request.not_found', { method: request.method, url }));
  });
  return app;
}

async function authenticate(request: FastifyRequest, db: Db, now: Date): Promise<Principal> {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    const principal = match?.[1] ? await principalFromApiKey(db, match[1], now) : null;
    if (!principal) throw new AppError(401, 'auth.invalid_api_key');
    return principal;
  }
  const token = request.cookies[SESSION_COOKIE];
  const principal = token ? await principalFromSession(db, token, now) : null;
  if (!principal) throw new AppError(401, 'auth.unauthenticated');
  return principal;
}

/**
 * `attachment` with the name twice: `filename*` in UTF-8 as RFC 5987 spells it (what browsers use, Chinese
 * included), and a plain ASCII `filename` for clients that know only that.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const errorResponses = Object.fromEntries(
  [400, 401, 403, 404, 409, 413, 422, 429].map((code) => [code, { ...ErrorBody, description: 'Error' }]),
);

function registerRoute(app: FastifyInstance, spec: AnyRouteSpec, deps: ServerDeps, keyLimiter: RateLimiter): void {
  const { db, permissions, config, now } = deps;
  const status = spec.status ?? (spec.response === null ? 204 : 200);
  const schema: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    ...(spec.description ? { description: spec.description } : {}),
    // A state-changing route that takes no input still refuses a body with content, rather than ignoring it.
    ...(spec.body ? { body: spec.body } : MUTATING.has(spec.method) ? { body: EMPTY_BODY } : {}),
    ...(spec.query ? { querystring: spec.query } : {}),
    ...(spec.params ? { params: spec.params } : {}),
    response: {
      [status]: spec.response ?? Type.Null({ description: 'No content' }),
      ...errorResponses,
    } satisfies Record<number, TSchema | object>,
  };

  if (isPublic(spec)) {
    const publicUpload = spec.upload;
    const publicRoute: RouteOptions = {
      method: spec.method,
      url: spec.url,
      schema: publicUpload
        ? {
            ...schema,
            security: [],
            body: {
              content: Object.fromEntries(publicUpload.contentTypes.map((type) => [type, { schema: spec.body }])),
            },
          }
        : { ...schema, security: [] },
      ...(publicUpload ? { bodyLimit: publicUpload.maxBytes } : {}),
      handler: async (request, reply) => {
        const result = await spec.handler(
          { db, now, requestId: String(request.id), ip: clientIp(request), locale: request.locale, request, reply },
          { body: request.body, query: request.query, params: request.params },
        );
        if (reply.sent) return reply;
        return reply.code(status).send(spec.response === null ? undefined : result);
      },
    };
    if (!publicUpload) {
      app.route(publicRoute);
      return;
    }
    // As for private uploads: the raw-body parser lives in the route's own plugin scope.
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.route(publicRoute);
    });
    return;
  }

  if (isMember(spec)) {
    registerMemberRoute(app, spec, schema, status, deps);
    return;
  }

  if (!permissions.has(spec.permission)) {
    throw new Error(`route ${spec.method} ${spec.url} needs permission ${spec.permission}, which no module declares`);
  }
  if (MUTATING.has(spec.method) && !spec.audit && !spec.readOnly) {
    throw new Error(`route ${spec.method} ${spec.url} changes state but declares no audit action`);
  }
  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await authenticate(request, db, now());
    request.principal = principal;
    if (principal.via === 'api_key') {
      if (spec.sessionOnly) throw new AppError(403, 'auth.forbidden', { permission: 'console session' });
      const wait = keyLimiter.hit(principal.actor.id, config.rateLimit.perApiKeyPerMinute);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new AppError(429, 'request.rate_limited', { retryAfter: wait });
      }
    }
    if (principal.via === 'session' && MUTATING.has(request.method) && !spec.readOnly) {
      if (request.headers['x-csrf-token'] !== principal.csrfToken) throw new AppError(403, 'auth.csrf_failed');
    }
    if (!permissions.allows(principal.role, spec.permission)) {
      throw new AppError(403, 'auth.forbidden', { permission: spec.permission });
    }
  };
  const upload = spec.upload;
  const route: RouteOptions = {
    method: spec.method,
    url: spec.url,
    schema: upload
      ? {
          ...schema,
          body: { content: Object.fromEntries(upload.contentTypes.map((type) => [type, { schema: spec.body }])) },
        }
      : schema,
    // Authentication and CSRF run before the body is validated, so an anonymous caller learns nothing of a schema;
    // for an upload, before the body is even read, so a caller the route refuses never gets to send a large file.
    ...(upload
      ? { onRequest: admit, bodyLimit: upload.maxBytes }
      : {
          preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
            if (request.body === undefined && !spec.body && MUTATING.has(spec.method)) request.body = {};
            await admit(request, reply);
          },
        }),
    handler: async (request, reply) => {
      const principal = request.principal as Principal;
      const idemHeader = request.headers['idempotency-key'];
      const idemKey = request.method === 'POST' && typeof idemHeader === 'string' ? idemHeader : null;
      if (idemKey !== null) checkIdempotencyKey(idemKey);
      const principalKey = `${principal.actor.type}:${principal.actor.id}`;
      const path = request.url.split('?')[0] ?? request.url;

      const contextFor = (tx: Tx): RequestContext => ({
        workspaceId: principal.workspaceId,
        actor: principal.actor,
        role: principal.role,
        scope: scopeOf(principal),
        can: (permission) => permissions.allows(principal.role, permission),
        tx,
        now,
        requestId: String(request.id),
        ip: clientIp(request),
        locale: request.locale,
        audit: {},
        session: principal.sessionTokenHash ? { tokenHash: principal.sessionTokenHash } : null,
        reply,
      });
      const auditEntry = (
        audit: { action: string; targetType: string },
        targetId: string | null,
        details: Record<string, unknown> | undefined,
      ): NewAuditEntry => ({
        workspaceId: principal.workspaceId,
        actorType: principal.actor.type,
        actorId: principal.actor.id,
        actorName: principal.actor.name,
        action: audit.action,
        targetType: audit.targetType,
        targetId,
        ip: clientIp(request),
        requestId: String(request.id),
        ...(details ? { details } : {}),
      });

      if (spec.groupCommit) {
        if (scopeOf(principal).kind !== 'workspace') {
          throw new AppError(403, 'auth.forbidden', { permission: spec.permission });
        }
        const audit = spec.audit as { action: string; targetType: string };
        const ctx: RequestContext = {
          ...contextFor(NO_REQUEST_TRANSACTION),
          groupCommit: {
            db,
            idempotencyKey: idemKey,
            auditEntry: (targetId, details) => auditEntry(audit, targetId, details),
          },
        };
        const result = await spec.handler(ctx, { body: request.body, query: request.query, params: request.params });
        reply.code(status);
        if (spec.response === null) return reply.send();
        return reply.type('application/json; charset=utf-8').send(reply.serialize(result) as string);
      }

      const input = { body: request.body, query: request.query, params: request.params };
      const prepared = spec.prepare
        ? await retryOnConflict(() =>
            (spec.prepare as NonNullable<typeof spec.prepare>)(
              {
                workspaceId: principal.workspaceId,
                now,
                locale: request.locale,
                tenant: (fn) => db.tenant(principal.workspaceId, fn),
                request,
              },
              input,
            ),
          )
        : undefined;
      const outcome = await retryOnConflict(() =>
        db.tenant(principal.workspaceId, async (tx) => {
          const claim = idemKey
            ? {
                workspaceId: principal.workspaceId,
                principal: principalKey,
                key: idemKey,
                method: request.method,
                path,
                hash: requestHash(request.method, path, request.body ?? null, spec.query ? request.query : undefined),
              }
            : null;
          if (claim) {
            const stored = await claimIdempotencyKey(tx, claim);
            if (stored) return { replay: true as const, stored };
          }
          const ctx = { ...contextFor(tx), prepared };
          const result = await spec.handler(ctx, input);
          if (spec.audit) {
            const params = request.params as Record<string, unknown> | undefined;
            const resultId = (result as { id?: unknown } | null | undefined)?.id;
            const targetId =
              ctx.audit.targetId ??
              (typeof params?.id === 'string' ? params.id : typeof resultId === 'string' ? resultId : null);
            await recordAudit(tx, auditEntry(spec.audit, targetId, ctx.audit.details));
          }
          if (result instanceof FileDownload) return { replay: false as const, file: result };
          const payload = spec.response === null ? null : (reply.code(status).serialize(result) as string);
          if (claim) await storeIdempotentResponse(tx, claim, { statusCode: status, body: payload });
          return { replay: false as const, stored: { statusCode: status, body: payload } };
        }),
      );

      if ('file' in outcome && outcome.file) {
        const { file } = outcome;
        const read = <T>(fn: (tx: Tx) => Promise<T>) => db.tenant(principal.workspaceId, fn);
        return reply
          .code(status)
          .header('content-disposition', contentDisposition(file.filename))
          .header('cache-control', 'no-store')
          .type(file.contentType)
          .send(Readable.from(file.pieces(read)));
      }
      if (outcome.replay) reply.header('idempotent-replayed', 'true');
      reply.code(outcome.stored.statusCode);
      if (outcome.stored.body === null) return reply.send();
      return reply.type('application/json; charset=utf-8').send(outcome.stored.body);
    },
  };
  if (!upload) {
    app.route(route);
    return;
  }
  // The file parser lives in the route's own plugin scope: every other route keeps parsing JSON only.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.route(route);
  });
}

/** A member H5 route: validated, then the member session checked, then run in the member's workspace. */
function registerMemberRoute(
  app: FastifyInstance,
  // biome-ignore lint/suspicious/noExplicitAny: see AnyRouteSpec
  spec: MemberRouteSpec<any, any, any>,
  schema: Record<string, unknown>,
  status: number,
  deps: ServerDeps,
): void {
  const { db, now } = deps;
  app.route({
    method: spec.method,
    url: spec.url,
    schema: { ...schema, security: [{ memberSession: [] }] },
    // Unlike staff routes, input is checked before the session: every member route is in the public API document
    // anyway, and the H5 shows a member their own mistake before asking them to sign in again.
    preValidation: async (request) => {
      if (request.body === undefined && !spec.body && MUTATING.has(spec.method)) request.body = {};
    },
    preHandler: async (request) => {
      request.member = await spec.authenticate(db, request, now());
      // A cross-site form or image can send the member's cookie but not a custom header.
      if (MUTATING.has(request.method) && request.headers['x-siyu-h5'] !== '1') {
        throw new AppError(403, 'auth.csrf_failed');
      }
    },
    handler: async (request, reply) => {
      const member = request.member as MemberPrincipal;
      const idemHeader = request.headers['idempotency-key'];
      const idemKey = request.method === 'POST' && typeof idemHeader === 'string' ? idemHeader : null;
      if (idemKey !== null) checkIdempotencyKey(idemKey);
      const path = request.url.split('?')[0] ?? request.url;
      const stored = await retryOnConflict(() =>
        db.tenant(member.workspaceId, async (tx) => {
          const claim = idemKey
            ? {
                workspaceId: member.workspaceId,
                principal: `member:${member.customerId}`,
                key: idemKey,
                method: request.method,
                path,
                hash: requestHash(request.method, path, request.body ?? null, spec.query ? request.query : undefined),
              }
            : null;
          if (claim) {
            const replay = await claimIdempotencyKey(tx, claim);
            if (replay) return { replay: true, ...replay };
          }
          const ctx: MemberContext = {
            workspaceId: member.workspaceId,
            customerId: member.customerId,
            sessionTokenHash: member.sessionTokenHash,
            tx,
            now,
            requestId: String(request.id),
            ip: clientIp(request),
            locale: request.locale,
            reply,
          };
          const result = await spec.handler(ctx, { body: request.body, query: request.query, params: request.params });
          const body = spec.response === null ? null : (reply.code(status).serialize(result) as string);
          if (claim) await storeIdempotentResponse(tx, claim, { statusCode: status, body });
          return { replay: false, statusCode: status, body };
        }),
      );
      if (stored.replay) reply.header('idempotent-replayed', 'true');
      reply.code(stored.statusCode);
      if (stored.body === null) return reply.send();
      return reply.type('application/json; charset=utf-8').send(stored.body);
    },
  });
}
