// Test support for the membership tests: a real server on loopback whose clock the test moves and whose log the
// test reads (the development code sender writes verification codes there), and an H5 client that keeps the member
// session cookie and sends the H5's CSRF header, as the member H5 does.
import { pino } from 'pino';
import { inject } from 'vitest';
import { ApiClient, type ApiResponse } from '../../../test/support/client.ts';
import { copyTestDatabase } from '../../../test/support/databases.ts';
import { buildDemo } from '../../demo/index.ts';
import { createSiyu, type Siyu } from '../../main.ts';
import { type Config, loadConfig } from '../../platform/config.ts';

export interface LoyaltyServer {
  url: string;
  siyu: Siyu;
  workspaceId: string;
  slug: string;
  /** The server's clock: tests move it. Frozen between moves, unless the server runs workers. */
  clock: { now: Date };
  /** Parsed JSON lines the server logged. */
  log: Record<string, unknown>[];
  owner: ApiClient;
  /** An API key client (role admin) of the workspace, as POS or e-commerce would call. */
  apiKey(role?: string): Promise<ApiClient>;
  close(): Promise<void>;
}

export async function startLoyaltyServer(
  options: { slug: string; workers?: boolean; customers?: number; env?: Record<string, string>; now?: Date } = {
    slug: 'loyalty',
  },
): Promise<LoyaltyServer> {
  const database = await copyTestDatabase(inject('siyuTemplate'));
  const config: Config = {
    ...loadConfig({ LOG_LEVEL: 'info', SIYU_RATE_LIMIT_IP_PER_MINUTE: '100000', ...options.env }),
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
  };
  const log: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
  const clock = options.workers ? runningClock(options.now ?? new Date()) : { now: options.now ?? new Date() };
  const siyu = await createSiyu({
    config,
    logger,
    http: true,
    workers: options.workers ?? false,
    db: database.db,
    now: () => clock.now,
    webDir: null,
  });
  const demo = await buildDemo(siyu.db, { customers: options.customers ?? 30, seed: 11, slug: options.slug });
  const url = (await siyu.listen()).replace('0.0.0.0', '127.0.0.1');
  const owner = new ApiClient(url);
  await owner.login(demo.owner.login, demo.owner.password, demo.slug);
  return {
    url,
    siyu,
    workspaceId: demo.workspaceId,
    slug: demo.slug,
    clock,
    log,
    owner,
    apiKey: async (role = 'admin') => {
      const key = await owner.post('/api/api-keys', { name: `loyalty test ${role}`, role });
      const client = new ApiClient(url);
      client.bearer = key.body.secret;
      return client;
    },
    close: async () => {
      await siyu.close();
      await database.drop().catch(() => {});
    },
  };
}

/**
 * With workers the clock keeps running from where the test set it: jobs fall due by it (a frozen clock would leave
 * every job enqueued after the start waiting forever).
 */
function runningClock(start: Date): { now: Date } {
  let offset = start.getTime() - Date.now();
  return {
    get now() {
      return new Date(Date.now() + offset);
    },
    set now(at: Date) {
      offset = at.getTime() - Date.now();
    },
  };
}

/** The member H5 as a browser runs it: same origin, the `siyu_member` cookie, `X-Siyu-H5: 1` on every change. */
export class H5Client {
  cookie: string | null = null;

  constructor(readonly baseUrl: string) {}

  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely, as test/support/client.ts does
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { 'x-siyu-h5': '1', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('siyu_member='));
    if (set) {
      const value = set.split(';')[0] as string;
      this.cookie = value === 'siyu_member=' ? null : value;
    }
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers } as ApiResponse<T>;
  }

  // biome-ignore lint/suspicious/noExplicitAny: see request
  get = <T = any>(path: string) => this.request<T>('GET', path);
  // biome-ignore lint/suspicious/noExplicitAny: see request
  post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    this.request<T>('POST', path, body ?? {}, headers);
}

/** The latest verification code the development sender logged for a phone (E.164). */
export function loggedCode(server: LoyaltyServer, phone: string): string {
  const lines = server.log.filter((l) => l.phone === phone && typeof l.code === 'string');
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`no code logged for ${phone}`);
  return last.code as string;
}

/** Signs a phone in through the H5 (code sent, read from the log, verified); returns the client and the answer. */
export async function signIn(server: LoyaltyServer, phone: string, e164 = `+86${phone}`) {
  const h5 = new H5Client(server.url);
  const sent = await h5.post('/api/h5/auth/code', { ws: server.slug, phone });
  if (sent.status !== 200) throw new Error(`code not sent: ${JSON.stringify(sent.body)}`);
  const verified = await h5.post('/api/h5/auth/verify', { ws: server.slug, phone, code: loggedCode(server, e164) });
  if (verified.status !== 200) throw new Error(`not verified: ${JSON.stringify(verified.body)}`);
  return { h5, verified: verified.body };
}

/** The current terms version of the workspace, which enrolment must name. */
export async function termsVersion(server: LoyaltyServer): Promise<string> {
  const res = await server.owner.get('/api/loyalty/settings');
  return res.body.terms.version;
}
