// How modules declare HTTP routes: a schema for every input, the permission it needs, the audit action it records.
// The server (server.ts) turns each spec into a Fastify route that authenticates, authorises, runs the handler in a
// workspace-confined transaction together with its audit entry and idempotency record, and maps errors.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../contracts/foundation.ts';
import type { NewAuditEntry } from '../audit/index.ts';
import type { Db, Tx } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { Locale } from '../i18n/index.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Which rows a caller may see: everything in the workspace, or only what a guide owns (used from issue 5 on). */
export type Scope = { kind: 'workspace' } | { kind: 'own'; staffId: string };

export interface Actor {
  type: 'staff' | 'api_key';
  id: string;
  name: string;
}

export interface RequestContext {
  workspaceId: string;
  actor: Actor;
  role: Role;
  scope: Scope;
  /** Whether the caller's role holds a permission, for what a route shows rather than whether it runs. */
  can(permission: string): boolean;
  /** The request's transaction, confined to the workspace by row-level security. */
  tx: Tx;
  now(): Date;
  requestId: string;
  ip: string;
  locale: Locale;
  /** What the audit entry of this request says; the handler fills in the target and details. */
  audit: { targetId?: string; details?: Record<string, unknown> };
  /** The console session behind the request (null for API keys). */
  session: { tokenHash: string } | null;
  /** For response headers and cookies only; the body is what the handler returns. */
  reply: FastifyReply;
  /** Only on routes that declare `groupCommit`, whose `tx` is unavailable. */
  groupCommit?: GroupCommit;
  /** What the route's `prepare` returned, on routes that declare one. */
  prepared?: unknown;
}

/** What a route's `prepare` works with: the caller's workspace and short transactions of its own in it. */
export interface PrepareContext {
  workspaceId: string;
  now(): Date;
  locale: Locale;
  /** Runs `fn` in a transaction confined to the workspace, committed when `fn` returns. */
  tenant: TenantReader;
  /** For its headers only; the body is `input.body`. */
  request: FastifyRequest;
}

/** What a route that commits through a group commit gets instead of the request's transaction. */
export interface GroupCommit {
  /** For the module's group commit, whose transactions are its own (confined to the workspace). */
  db: Db;
  /** The request's Idempotency-Key, if any: the handler makes a retry with it safe by itself. */
  idempotencyKey: string | null;
  /** The route's audit entry, for the transaction that commits the request's effects to write. */
  auditEntry(targetId: string | null, details?: Record<string, unknown>): NewAuditEntry;
}

/** Runs `fn` in a short transaction confined to the caller's workspace. */
export type TenantReader = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/**
 * A route's answer that is a file to download rather than JSON. The request's transaction checks access and
 * describes the file; its bytes are then read piece by piece, each in its own short transaction, as the client
 * takes them: a large file is neither held in memory nor keeps one transaction open for the whole download.
 */
export class FileDownload {
  constructor(
    readonly contentType: string,
    readonly filename: string,
    readonly pieces: (read: TenantReader) => AsyncIterable<Uint8Array>,
  ) {}
}

/**
 * The body of an upload route: the file's bytes. No JSON type, so validation lets the Buffer through; the route
 * checks the content itself.
 */
export const FileBody = Type.Unsafe<Buffer | undefined>({ format: 'binary', description: 'The file itself' });

export interface PublicContext {
  db: Db;
  now(): Date;
  requestId: string;
  ip: string;
  locale: Locale;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** The cookie of a member session (the member H5), beside the console's `siyu_session`. */
export const MEMBER_SESSION_COOKIE = 'siyu_member';

/** A member signed in to the H5: a customer of one workspace, found by their member session. */
export interface MemberPrincipal {
  workspaceId: string;
  customerId: string;
  /** SHA-256 of the session token, so that signing out can end this session. */
  sessionTokenHash: string;
}

/**
 * Finds the member behind a request (its `siyu_member` cookie) or throws a 401 AppError. One module provides it
 * (loyalty, which owns member sessions) with `RouteRegistrar.memberAuthenticator`; every member route uses it.
 */
export type MemberAuthenticator = (db: Db, request: FastifyRequest, now: Date) => Promise<MemberPrincipal>;

export interface MemberContext {
  workspaceId: string;
  /** The signed-in customer (a member once they joined; a verified phone's customer before that). */
  customerId: string;
  sessionTokenHash: string;
  /** The request's transaction, confined to the workspace by row-level security. */
  tx: Tx;
  now(): Date;
  requestId: string;
  ip: string;
  locale: Locale;
  /** For response headers and cookies only; the body is what the handler returns. */
  reply: FastifyReply;
}

export interface Input<B extends TSchema, Q extends TSchema, P extends TSchema> {
  body: Static<B>;
  query: Static<Q>;
  params: Static<P>;
}

interface BaseSpec<B extends TSchema, Q extends TSchema, P extends TSchema> {
  method: Method;
  url: string;
  summary: string;
  description?: string;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  /** Schema of the success body; null for 204 No Content. */
  response: TSchema | null;
  /** Success status; 200 by default (204 when response is null). */
  status?: number;
}

export interface PrivateRouteSpec<B extends TSchema, Q extends TSchema, P extends TSchema> extends BaseSpec<B, Q, P> {
  permission: string;
  /** Required on every state-changing route: the action name and the kind of thing it acts on. */
  audit?: { action: string; targetType: string };
  /** A POST that changes nothing (a query too rich for a query string): no audit entry is required. */
  readOnly?: boolean;
  /** Lets this route be called by an API key and by a console session (default), or by sessions only. */
  sessionOnly?: boolean;
  /**
   * The handler commits its effects itself, through a group commit that writes many concurrent requests in one
   * transaction (the points API under load), instead of in a transaction of its own: no request transaction is
   * opened, `ctx.tx` throws, and `ctx.groupCommit` gives the database, the Idempotency-Key and the audit entry to
   * write with the effects. Callers scoped to their own customers (guides) are refused: their scope is checked in
   * the request's transaction.
   */
  groupCommit?: boolean;
  /**
   * Work done before the request's transaction opens, in short transactions of its own (`ctx.tenant`) that commit
   * whatever the request's transaction then does; what it returns reaches the handler as `ctx.prepared`. For work
   * that concurrent requests would otherwise queue on while holding their transactions open, and that a retry of the
   * request finds done (ingestion creates the customers it does not know yet this way). Like the request's
   * transaction, it runs again if PostgreSQL aborts it as a deadlock victim; a retried request transaction does not
   * run it again.
   */
  prepare?: (ctx: PrepareContext, input: Input<B, Q, P>) => Promise<unknown>;
  /**
   * The path parameter that names a customer, when it is not the conventional one (`:customerId`, or `:id` right
   * after `/api/customers/`); null when the route names no customer although it looks as if it did. A route that
   * names a customer answers 404 to a caller whose scope does not include that customer (see `customerParamOf`).
   */
  customerParam?: string | null;
  /**
   * The body is a file rather than JSON (declare `body: FileBody`): its bytes arrive as a Buffer, undefined when
   * none was sent, whatever the Content-Type, because browsers and curl label the same CSV every which way. It may
   * be up to `maxBytes` instead of the JSON limit, so the caller is admitted before a byte of it is read.
   * `contentTypes` are the types the API documents.
   */
  upload?: { maxBytes: number; contentTypes: string[] };
  handler: (ctx: RequestContext, input: Input<B, Q, P>) => Promise<unknown>;
}

export interface PublicRouteSpec<B extends TSchema, Q extends TSchema, P extends TSchema> extends BaseSpec<B, Q, P> {
  public: true;
  /**
   * The body is raw bytes of any Content-Type (declare `body: FileBody`), as for private upload routes: for callers
   * that post something other than JSON, such as WeCom's XML callbacks.
   */
  upload?: { maxBytes: number; contentTypes: string[] };
  /** Public routes that change state record their own audit entries. */
  handler: (ctx: PublicContext, input: Input<B, Q, P>) => Promise<unknown>;
}

/**
 * A route of the member H5 (`/api/h5/...`): the caller is a member signed in by a member session cookie, not staff.
 * State-changing requests must carry `X-Siyu-H5: 1`, a header a cross-site form cannot send (CSRF), and may carry an
 * `Idempotency-Key`. What a member does is recorded by the module that owns it (consent, ledger) and announced as
 * domain events; the staff audit log is not written.
 */
export interface MemberRouteSpec<B extends TSchema, Q extends TSchema, P extends TSchema> extends BaseSpec<B, Q, P> {
  member: true;
  /** Filled in by `collectRoutes` from the module that provides member sessions. */
  authenticate: MemberAuthenticator;
  handler: (ctx: MemberContext, input: Input<B, Q, P>) => Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds specs of every input type
type AnyInput = any;
export type AnyRouteSpec =
  | PrivateRouteSpec<AnyInput, AnyInput, AnyInput>
  | PublicRouteSpec<AnyInput, AnyInput, AnyInput>
  | MemberRouteSpec<AnyInput, AnyInput, AnyInput>;

export interface RouteRegistrar {
  route<B extends TSchema, Q extends TSchema, P extends TSchema>(spec: PrivateRouteSpec<B, Q, P>): void;
  publicRoute<B extends TSchema, Q extends TSchema, P extends TSchema>(
    spec: Omit<PublicRouteSpec<B, Q, P>, 'public'>,
  ): void;
  /** A member H5 route; any module may add them, whichever module provides the member authenticator. */
  memberRoute<B extends TSchema, Q extends TSchema, P extends TSchema>(
    spec: Omit<MemberRouteSpec<B, Q, P>, 'member' | 'authenticate'>,
  ): void;
  /** How member routes find their member; exactly one module provides it (loyalty). */
  memberAuthenticator(authenticate: MemberAuthenticator): void;
  /** How routes that name a customer check the caller's scope; exactly one module provides it (customers). */
  customerGuard(guard: CustomerGuard): void;
}

/**
 * Resolves when the caller may see the customer (a guide: one they own), else throws the 404 of a customer that
 * does not exist, so that a guide learns nothing about other guides' customers.
 */
export type CustomerGuard = (ctx: RequestContext, customerId: string) => Promise<unknown>;

/**
 * The path parameter of a private route that names a customer: the spec's `customerParam` when it says, else
 * `customerId` when the path has it, else `id` of a path under `/api/customers/:id`. Null for every other route.
 * `collectRoutes` guards these routes for callers whose scope is not the whole workspace, whatever the module.
 */
export function customerParamOf(spec: AnyRouteSpec): string | null {
  if (isPublic(spec) || isMember(spec)) return null;
  if (spec.customerParam !== undefined) return spec.customerParam;
  if (/\/:customerId(\/|$)/.test(spec.url)) return 'customerId';
  if (/^\/api\/customers\/:id(\/|$)/.test(spec.url)) return 'id';
  return null;
}

// biome-ignore lint/suspicious/noExplicitAny: see AnyRouteSpec
export const isPublic = (spec: AnyRouteSpec): spec is PublicRouteSpec<any, any, any> =>
  'public' in spec && spec.public === true;

// biome-ignore lint/suspicious/noExplicitAny: see AnyRouteSpec
export const isMember = (spec: AnyRouteSpec): spec is MemberRouteSpec<any, any, any> =>
  'member' in spec && spec.member === true;

export function collectRoutes(register: (r: RouteRegistrar) => void): AnyRouteSpec[] {
  const specs: AnyRouteSpec[] = [];
  let authenticate: MemberAuthenticator | null = null;
  let customerGuard: CustomerGuard | null = null;
  register({
    route: (spec) => {
      specs.push(spec as AnyRouteSpec);
    },
    publicRoute: (spec) => {
      specs.push({ ...spec, public: true } as AnyRouteSpec);
    },
    memberRoute: (spec) => {
      specs.push({ ...spec, member: true } as AnyRouteSpec);
    },
    memberAuthenticator: (fn) => {
      if (authenticate) throw new Error('a member authenticator is provided twice');
      authenticate = fn;
    },
    customerGuard: (fn) => {
      if (customerGuard) throw new Error('a customer guard is provided twice');
      customerGuard = fn;
    },
  });
  // Every route naming a customer — in its path, or as the `customerId` of its query (a filter) — checks the
  // caller's scope before its handler runs, in the request's transaction: a module cannot forget it. Without a
  // guard (no customers module) such routes refuse every scoped caller.
  for (const spec of specs) {
    if (isPublic(spec) || isMember(spec)) continue;
    const param = customerParamOf(spec);
    const filters = 'customerId' in ((spec.query as { properties?: object } | undefined)?.properties ?? {});
    if (param === null && !filters) continue;
    const handler = spec.handler;
    const guard = customerGuard as CustomerGuard | null;
    spec.handler = async (ctx, input) => {
      if (ctx.scope.kind !== 'workspace') {
        const named = [
          param === null ? undefined : (input.params as Record<string, unknown> | undefined)?.[param],
          filters ? (input.query as Record<string, unknown> | undefined)?.customerId : undefined,
        ];
        if (param !== null && typeof named[0] !== 'string') throw new AppError(404, 'customer.not_found');
        for (const id of named) {
          if (typeof id !== 'string') continue;
          if (!guard) throw new AppError(404, 'customer.not_found');
          await guard(ctx, id);
        }
      }
      return handler(ctx, input);
    };
  }
  // Modules registered before the one providing member sessions may add member routes too: they are bound here.
  const members = specs.filter(isMember);
  if (members.length > 0 && !authenticate) {
    throw new Error(
      `member route ${members[0]?.method} ${members[0]?.url} needs a member authenticator, which no module provides`,
    );
  }
  for (const spec of members) spec.authenticate = authenticate as unknown as MemberAuthenticator;
  return specs;
}
