// A real Siyu server on loopback for HTTP and browser tests: its own database copy, the demo brand seeded,
// the built console served. Tests talk to it with fetch or Chromium, as a client would.
import { inject } from 'vitest';
import { buildDemo } from '../../src/demo/index.ts';
import { createSiyu, type Siyu } from '../../src/main.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { copyTestDatabase } from './databases.ts';

export interface TestServer {
  url: string;
  siyu: Siyu;
  owner: { workspace: string; login: string; password: string };
  workspaceId: string;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { env?: Record<string, string>; workers?: boolean; slug?: string; customers?: number } = {},
): Promise<TestServer> {
  const database = await copyTestDatabase(inject('siyuTemplate'));
  const config: Config = {
    ...loadConfig({ LOG_LEVEL: 'silent', ...options.env }),
    port: 0,
    host: '127.0.0.1',
    databaseUrl: database.url,
  };
  const siyu = await createSiyu({
    config,
    logger: createLogger('silent'),
    http: true,
    workers: options.workers ?? false,
    db: database.db,
  });
  // The history ends today, so "the last 30 days" conditions find the demo's recent buyers whenever tests run.
  const demo = await buildDemo(siyu.db, {
    customers: options.customers ?? 100,
    seed: 7,
    slug: options.slug ?? 'chayu',
  });
  const address = await siyu.listen();
  return {
    url: address.replace('0.0.0.0', '127.0.0.1'),
    siyu,
    owner: { workspace: demo.slug, login: demo.owner.login, password: demo.owner.password },
    workspaceId: demo.workspaceId,
    close: async () => {
      await siyu.close();
      await database.drop().catch(() => {});
    },
  };
}
