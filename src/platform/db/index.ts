// The database handle: one interface over the embedded PGlite database and a PostgreSQL server (node-postgres),
// with plain SQL and the tenancy wall (a per-transaction role and workspace setting that row-level security reads).
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations, fixtures). */
  exec(sql: string): Promise<void>;
}

/** A transaction. `workspaceId` is set when row-level security confines it to one workspace. */
export interface Tx extends Queryable {
  readonly workspaceId: string | null;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** A transaction with the owner's rights: for migrations, workers and cross-workspace system work. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A transaction confined to one workspace: it runs as the `siyu_app` role with `siyu.workspace_id` set, so
   * row-level security hides every other workspace's rows even from a query that forgets its filter.
   */
  tenant<T>(workspaceId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The role tenant transactions run as; row-level security policies apply to it (never to the owner). */
export const TENANT_ROLE = 'siyu_app';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function enterTenant(tx: Queryable, workspaceId: string): Promise<void> {
  if (!UUID_RE.test(workspaceId)) throw new Error(`not a workspace id: ${workspaceId}`);
  await tx.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
  await tx.query(`SELECT set_config('siyu.workspace_id', $1, true)`, [workspaceId]);
}

// int8 (counts, bigserial ids) as numbers on both drivers: our ids stay far below 2^53, and one numeric type
// keeps query code identical on PGlite and pg. numeric stays a string (money is integer fen, never numeric).
pg.types.setTypeParser(20, (v) => Number(v));

export function openPostgres(url: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const run = async <T>(workspaceId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    const tx: Tx = {
      workspaceId,
      query: async <R>(sql: string, params?: readonly unknown[]) =>
        (await client.query(sql, params as unknown[])).rows as R[],
      exec: async (sql: string) => {
        await client.query(sql);
      },
    };
    try {
      await client.query('BEGIN');
      if (workspaceId) await enterTenant(tx, workspaceId);
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: readonly unknown[]) =>
      (await pool.query(sql, params as unknown[])).rows as T[],
    exec: async (sql: string) => {
      await pool.query(sql);
    },
    transaction: (fn) => run(null, fn),
    tenant: (workspaceId, fn) => run(workspaceId, fn),
    close: () => pool.end(),
  };
}

export async function openPglite(dataDir: string | null, loadDataDir?: Blob): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const options = { parsers: { 20: (v: string) => Number(v) }, ...(loadDataDir ? { loadDataDir } : {}) };
  const lite = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options);
  return wrapPglite(lite);
}

export function wrapPglite(lite: PGlite): Db {
  const run = <T>(workspaceId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> =>
    lite.transaction(async (inner) => {
      const tx: Tx = {
        workspaceId,
        query: async <R>(sql: string, params?: readonly unknown[]) =>
          (await inner.query<R>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await inner.exec(sql);
        },
      };
      if (workspaceId) await enterTenant(tx, workspaceId);
      return fn(tx);
    });
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: readonly unknown[]) => (await lite.query<T>(sql, params as unknown[])).rows,
    exec: async (sql: string) => {
      await lite.exec(sql);
    },
    transaction: (fn) => run(null, fn),
    tenant: (workspaceId, fn) => run(workspaceId, fn),
    close: () => lite.close(),
  };
}

export async function openDatabase(options: { databaseUrl: string | null; dataDir: string; poolSize?: number }) {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize) : openPglite(options.dataDir);
}

/** SQLSTATE of a database error, for mapping constraint violations to domain errors. */
export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
export const UNIQUE_VIOLATION = '23505';
