// The composition root: config → database → modules → HTTP → workers. Nothing else starts anything.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { allMigrations, buildModules } from './modules.ts';
import { Permissions } from './platform/auth/permissions.ts';
import type { Config } from './platform/config.ts';
import { type Db, openDatabase } from './platform/db/index.ts';
import { migrate } from './platform/db/migrations.ts';
import { keepStatistics } from './platform/db/statistics.ts';
import { createMetrics } from './platform/http/metrics.ts';
import { type AnyRouteSpec, collectRoutes } from './platform/http/routes.ts';
import { buildServer } from './platform/http/server.ts';
import { platformModule } from './platform/index.ts';
import { startWorker } from './platform/jobs/index.ts';
import type { SiyuModule } from './platform/module.ts';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

export interface SiyuOptions {
  config: Config;
  logger: Logger;
  http: boolean;
  workers: boolean;
  now?: () => Date;
  /** An already open database (tests); otherwise one is opened from the config. */
  db?: Db;
  /** Folder of the built console and H5; defaults to web/dist, null serves none. */
  webDir?: string | null;
}

export interface Siyu {
  db: Db;
  app: FastifyInstance | null;
  modules: SiyuModule[];
  routes: AnyRouteSpec[];
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests and jobs finish, then closes the database. */
  close(): Promise<void>;
}

export async function createSiyu(options: SiyuOptions): Promise<Siyu> {
  const { config, logger } = options;
  const now = options.now ?? (() => new Date());
  const db = options.db ?? (await openDatabase(config));
  await migrate(db, allMigrations(), (msg) => logger.info({ migration: msg }, 'migration applied'));
  const statistics = keepStatistics(db, { log: logger });

  const permissions = new Permissions();
  const modules = [platformModule(config, permissions), ...buildModules()];
  for (const m of modules) if (m.permissions) permissions.add(m.permissions);
  const routes = collectRoutes((r) => {
    for (const m of modules) m.routes?.(r);
  });

  const app = options.http
    ? await buildServer({
        config,
        db,
        logger,
        routes,
        permissions,
        metrics: createMetrics(db),
        now,
        webDir: options.webDir === undefined ? WEB_DIST : options.webDir,
      })
    : null;

  const worker = options.workers
    ? startWorker(db, {
        handlers: Object.assign({}, ...modules.map((m) => m.jobs ?? {})),
        subscribers: modules.flatMap((m) => m.subscribers ?? []),
        schedules: modules.flatMap((m) => m.schedules ?? []),
        concurrency: config.jobs.concurrency,
        pollMs: config.jobs.pollMs,
        leaseSeconds: config.jobs.leaseSeconds,
        databaseUrl: config.databaseUrl,
        log: logger,
        now,
      })
    : null;

  return {
    db,
    app,
    modules,
    routes,
    listen: async () => {
      if (!app) throw new Error('this process serves no HTTP');
      return app.listen({ port: config.port, host: config.host });
    },
    close: async () => {
      await app?.close();
      await worker?.stop();
      await statistics.stop();
      await db.close();
    },
  };
}
