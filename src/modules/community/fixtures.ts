// What the community tests share: a real server on loopback with its workers, a workspace whose WeCom settings
// point at a simulator (callbacks signed and encrypted, as WeCom sends them), and the simulated session-archive
// connector posting group messages to POST /api/community/messages with an API key.
import { expect } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { type Simulator, startSimulator } from '../../connectors/wecom/simulator.ts';

export interface CommunityWorld {
  server: TestServer;
  owner: ApiClient;
  sim: Simulator;
  close(): Promise<void>;
}

export const GUIDES = [
  { userId: 'zhangsan', name: '张三' },
  { userId: 'lisi', name: '李四' },
  { userId: 'wangwu', name: '王五' },
];

/** A server (workers on), its demo owner signed in, WeCom settings pointing at a simulator, the archive forwarding. */
export async function startCommunity(options: { slug?: string; corpId: string; agentId?: number }) {
  // Callbacks and archive batches from one address in a few seconds: lift the per-IP limit, which has its own test.
  const server = await startTestServer({
    workers: true,
    slug: options.slug ?? 'chayu',
    customers: 20,
    env: { SIYU_RATE_LIMIT_IP_PER_MINUTE: '1000000', SIYU_JOB_POLL_MS: '100' },
  });
  const owner = new ApiClient(server.url);
  await owner.login(server.owner.login, server.owner.password, server.owner.workspace);
  const secrets = { contactSecret: `${options.corpId}-contact`, appSecret: `${options.corpId}-app` };
  const saved = await owner.request('PUT', '/api/wecom/settings', { corpId: options.corpId, ...secrets });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const sim = await startSimulator({
    corpId: options.corpId,
    token: saved.body.generated.token,
    encodingAesKey: saved.body.generated.encodingAesKey,
    agentId: options.agentId ?? 1000002,
    ...secrets,
    callbackUrl: `${server.url}${saved.body.settings.callbackPath}`,
    guides: GUIDES,
  });
  const moved = await owner.request('PUT', '/api/wecom/settings', {
    corpId: options.corpId,
    ...secrets,
    agentId: options.agentId ?? 1000002,
    apiBaseUrl: sim.url,
  });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  const key = await owner.post('/api/api-keys', { name: 'session archive connector', role: 'operator' });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  sim.archiveForward = { url: `${server.url}/api/community/messages`, apiKey: key.body.secret };
  const world: CommunityWorld = {
    server,
    owner,
    sim,
    close: async () => {
      await sim.close();
      await server.close();
    },
  };
  return world;
}

/** Polls until `check` holds (callbacks and messages are handled by background jobs), failing after ~30 seconds. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !check(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  expect(check(value), JSON.stringify(value, null, 1)?.slice(0, 3000)).toBe(true);
  return value;
}

/** The group row of a WeCom chat, once the callbacks made it (or null). */
export async function groupOf(owner: ApiClient, chatId: string) {
  const res = await owner.get(`/api/community/groups?q=${encodeURIComponent(chatId)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as { id: string; chatId: string; memberCount: number }[]).find((g) => g.chatId === chatId);
}

/** Waits for the group of a chat to exist with `members` members, and returns it. */
export async function groupWith(owner: ApiClient, chatId: string, members: number) {
  const group = await eventually(
    () => groupOf(owner, chatId),
    (g) => g?.memberCount === members,
  );
  return group as NonNullable<typeof group>;
}

export async function membersOf(owner: ApiClient, groupId: string, query = '') {
  const res = await owner.get(`/api/community/groups/${groupId}/members?limit=200${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as {
    memberId: string;
    status: string;
    customerId: string | null;
    role: string;
    wecomRole: string;
    joinScene: number | null;
    invitorId: string | null;
    joinState: string | null;
    leftAt: string | null;
    quitScene: number | null;
    type: string;
  }[];
}
