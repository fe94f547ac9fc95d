// The `siyu` command: start, serve, worker, migrate and demo, each with --help and clear errors.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { wecomSimCommand } from '../connectors/wecom/cli.ts';
import { seedDemoCatalogue } from '../demo/catalogue.ts';
import { buildDemo } from '../demo/index.ts';
import { WeComDemo } from '../demo/wecom.ts';
import { createSiyu, WEB_DIST } from '../main.ts';
import { importCommand } from '../modules/events/cli.ts';
import { ledgerCommand } from '../modules/loyalty/cli.ts';
import { allMigrations, buildModules } from '../modules.ts';
import { type Config, ConfigError, loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/index.ts';
import { MigrationError, migrate, migrationStatus } from '../platform/db/migrations.ts';
import { AppError } from '../platform/errors.ts';
import { translate } from '../platform/i18n/index.ts';
import { createLogger } from '../platform/logger.ts';

class CliError extends Error {}

/** A progress bar on stderr, redrawn in place; a final newline when done. */
export function progressBar(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY && done < total) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total}`);
  if (done >= total) process.stderr.write('\n');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

/** PGlite keeps one process per data folder; a second one would corrupt it, so the folder is locked by pid. */
function lockDataDir(config: Config): () => void {
  if (config.databaseUrl) return () => {};
  const lockFile = path.join(config.dataDir, 'siyu.pid');
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) {
      throw new CliError(
        `another Siyu process (pid ${pid}) is using the embedded database in ${config.dataDir}. ` +
          'Stop it first, or set SIYU_DATA_DIR to another folder, or use DATABASE_URL for a PostgreSQL server.',
      );
    }
  }
  return () => rmSync(lockFile, { force: true });
}

function writeLock(config: Config): void {
  if (!config.databaseUrl) writeFileSync(path.join(config.dataDir, 'siyu.pid'), String(process.pid));
}

async function buildWebIfMissing(log: (msg: string) => void): Promise<void> {
  if (existsSync(path.join(WEB_DIST, 'index.html'))) return;
  log('building the console and H5 (first start only)…');
  const { build } = await import('vite');
  await build({ configFile: path.resolve(WEB_DIST, '../vite.config.ts'), logLevel: 'warn' });
}

/** Terminal columns of a string: CJK characters and full-width punctuation take two. */
function columns(text: string): number {
  let n = 0;
  for (const ch of text)
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1;
  return n;
}

function banner(lines: string[]): void {
  const width = Math.max(...lines.map(columns)) + 4;
  const rule = '═'.repeat(width);
  const body = lines.map((l) => `║  ${l}${' '.repeat(width - 2 - columns(l))}║`).join('\n');
  process.stdout.write(`\n╔${rule}╗\n${body}\n╚${rule}╝\n\n`);
}

async function run(mode: 'start' | 'serve' | 'worker'): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const unlock = lockDataDir(config);
  if (mode === 'start') await buildWebIfMissing((msg) => logger.info(msg));
  const siyu = await createSiyu({ config, logger, http: mode !== 'worker', workers: mode !== 'serve' });
  writeLock(config);

  if (mode === 'start' && config.seedDemo) {
    const existing = await siyu.db.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces');
    if (existing[0]?.n === 0) {
      logger.info('seeding the demo brand: 20,000 customers with a year of orders and events (first start only)…');
      const demo = await buildDemo(siyu.db, { customers: 20_000, seed: 1 });
      const shelf = await seedDemoCatalogue(siyu.db, demo.workspaceId, { now: new Date() });
      logger.info(shelf, 'demo coupons, rewards mall, lottery and purchase points seeded');
      logger.info({ workspace: demo.slug, staff: demo.staff }, 'demo workspace seeded');
      banner([
        '演示品牌「茶语」已创建 / Demo brand created',
        `工作空间 Workspace: ${demo.slug}`,
        `账号 Login:          ${demo.owner.login}`,
        `密码 Password:       ${demo.owner.password}`,
        '密码只显示这一次，请妥善保存 / Shown only once: keep it safe.',
      ]);
    }
  }

  // The demo brand's WeCom (a simulator on loopback and its traffic): only `start` with the demo, never `serve`.
  let wecomDemo: WeComDemo | null = null;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    await wecomDemo?.close();
    await siyu.close();
    unlock();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (siyu.app) {
    const address = await siyu.listen();
    const url = `http://localhost:${config.port}`;
    logger.info({ url, database: config.databaseUrl ? 'postgres' : `pglite:${config.dataDir}` }, 'Siyu is serving');
    if (mode === 'start' && config.seedDemo && !closing) {
      const demo = new WeComDemo(siyu.db, {
        baseUrl: address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '[::1]'),
        seed: 1,
        // Its callbacks and calls come from this machine, like the console's: the console keeps a share of the limit.
        requestsPerMinute: Math.floor(config.rateLimit.perIpPerMinute * 0.85),
        log: (message, data) => logger.info(data ?? {}, message),
      });
      wecomDemo = demo;
      try {
        if ((await demo.start()) === 'none') wecomDemo = null;
        else demo.startTraffic(60_000);
      } catch (err) {
        if (!demo.isClosed) {
          logger.warn({ err }, 'the demo WeCom simulator could not start; Siyu serves without it');
          await demo.close();
        }
        wecomDemo = null;
      }
    }
    if (mode === 'start') process.stdout.write(`Siyu 控制台 Console: ${url}   API 文档 Docs: ${url}/api/docs\n`);
  } else {
    logger.info('worker running');
  }
}

export function cli(): Command {
  const program = new Command('siyu')
    .description('Siyu 私域 — private traffic pool platform')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  program.addHelpText(
    'after',
    '\nConfiguration comes from environment variables (PORT, DATABASE_URL, SIYU_DATA_DIR, LOG_LEVEL …); see README.md.',
  );

  program
    .command('start')
    .description('serve the API, console and H5, and run the workers and scheduler (seeds a demo brand on first start)')
    .action(() => run('start'));
  program
    .command('serve')
    .description('serve the API, console and H5 only (run `siyu worker` copies beside it)')
    .action(() => run('serve'));
  program
    .command('worker')
    .description('run job workers, the scheduler and the event dispatcher only')
    .action(() => run('worker'));

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--status', 'list every migration and whether it is applied, pending or changed')
    .action(async (opts: { status?: boolean }) => {
      const config = loadConfig();
      const unlock = lockDataDir(config);
      const db = await openDatabase(config);
      try {
        if (opts.status) {
          const status = await migrationStatus(db, allMigrations());
          for (const s of status) {
            process.stdout.write(
              `${s.state.padEnd(8)} ${s.id}${s.appliedAt ? `  ${s.appliedAt.toISOString()}` : ''}\n`,
            );
          }
          const bad = status.filter((s) => s.state === 'changed');
          if (bad.length > 0) throw new CliError(`${bad.length} applied migration(s) were edited afterwards`);
        } else {
          const applied = await migrate(db, allMigrations(), (m) => process.stdout.write(`${m}\n`));
          process.stdout.write(
            applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n',
          );
        }
      } finally {
        await db.close();
        unlock();
      }
    });

  program
    .command('demo')
    .description('generate a demo brand (deterministic for a seed): workspace and staff, more as modules arrive')
    .option('--customers <n>', 'number of customers', positiveInt, 20_000)
    .option('--seed <s>', 'random seed', positiveInt, 1)
    .option('--workspace <slug>', 'workspace slug', 'chayu')
    .option('--name <name>', 'brand name', '茶语 Chayu')
    .option('--now <date>', 'end of the generated history, e.g. 2026-11-24 (default: today)')
    .action(async (opts: { customers: number; seed: number; workspace: string; name: string; now?: string }) => {
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(opts.workspace)) {
        throw new CliError('--workspace must be 2–63 lowercase letters, digits or hyphens');
      }
      if (opts.now && Number.isNaN(Date.parse(opts.now))) throw new CliError('--now must be a date such as 2026-11-24');
      const config = loadConfig();
      const unlock = lockDataDir(config);
      const db = await openDatabase(config);
      try {
        await migrate(db, allMigrations());
        const started = Date.now();
        const demo = await buildDemo(db, {
          customers: opts.customers,
          seed: opts.seed,
          slug: opts.workspace,
          name: opts.name,
          ...(opts.now ? { now: new Date(opts.now) } : {}),
          onProgress: (done, total) => progressBar('customers', done, total),
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `workspace ${demo.slug} (${demo.workspaceId}): ${demo.staff} staff, ${demo.customers} customers, ` +
            `${demo.orders} orders, ${demo.events} events in ${seconds} s\n` +
            `owner login ${demo.owner.login}  password ${demo.owner.password}\n`,
        );
      } finally {
        await db.close();
        unlock();
      }
    });
  importCommand(program, {
    open: async () => {
      const config = loadConfig();
      const unlock = lockDataDir(config);
      const db = await openDatabase(config);
      await migrate(db, allMigrations());
      return {
        db,
        participants: buildModules().participants,
        close: async () => {
          await db.close();
          unlock();
        },
      };
    },
  });
  wecomSimCommand(program);
  ledgerCommand(program, {
    open: async () => {
      const config = loadConfig();
      const unlock = lockDataDir(config);
      const db = await openDatabase(config);
      await migrate(db, allMigrations());
      return {
        db,
        close: async () => {
          await db.close();
          unlock();
        },
      };
    },
  });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // Module messages are registered when modules are built; the CLI's error messages need them too.
  buildModules();
  try {
    await cli().parseAsync(argv);
  } catch (err) {
    const message =
      err instanceof AppError
        ? translate('zh-CN', err.code, err.params)
        : err instanceof CliError || err instanceof ConfigError || err instanceof MigrationError
          ? err.message
          : (err as NodeJS.ErrnoException).code === 'ECONNREFUSED'
            ? `cannot reach the database (${(err as Error).message}); is PostgreSQL running and DATABASE_URL right?`
            : ['ENOENT', 'EACCES', 'EISDIR'].includes(String((err as NodeJS.ErrnoException).code))
              ? `cannot read ${(err as NodeJS.ErrnoException).path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : 'it is a folder'}`
              : null;
    if (message === null) throw err;
    process.stderr.write(`siyu: ${message}\n`);
    process.exit(1);
  }
}
