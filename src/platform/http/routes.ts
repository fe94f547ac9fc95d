// How modules declare HTTP routes: a schema for every input, the permission it needs, the audit action it records.
// The server (server.ts) turns each spec into a Fastify route that authenticates, authorises, runs the handler in a
// workspace-confined transaction together with its audit entry and idempotency record, and maps errors.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../../contracts/foundation.ts';
import type { Db, Tx } from '../db/index.ts';
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
  /** Public routes that change state record their own audit entries. */
  handler: (ctx: PublicContext, input: Input<B, Q, P>) => Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds specs of every input type
export type AnyRouteSpec = PrivateRouteSpec<any, any, any> | PublicRouteSpec<any, any, any>;

export interface RouteRegistrar {
  route<B extends TSchema, Q extends TSchema, P extends TSchema>(spec: PrivateRouteSpec<B, Q, P>): void;
  publicRoute<B extends TSchema, Q extends TSchema, P extends TSchema>(
    spec: Omit<PublicRouteSpec<B, Q, P>, 'public'>,
  ): void;
}

// biome-ignore lint/suspicious/noExplicitAny: see AnyRouteSpec
export const isPublic = (spec: AnyRouteSpec): spec is PublicRouteSpec<any, any, any> =>
  'public' in spec && spec.public === true;

export function collectRoutes(register: (r: RouteRegistrar) => void): AnyRouteSpec[] {
  const specs: AnyRouteSpec[] = [];
  register({
    route: (spec) => {
      specs.push(spec as AnyRouteSpec);
    },
    publicRoute: (spec) => {
      specs.push({ ...spec, public: true } as AnyRouteSpec);
    },
  });
  return specs;
}
