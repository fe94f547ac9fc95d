// The database handle: one interface over the embedded PGlite database and a PostgreSQL server (node-postgres),
// with plain SQL and the tenancy wall (a per-transaction role and workspace setting that row-level security reads).
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** COPY text lines of `rows`, each after `prefix` (the escaped leading values and their tab, or nothing). */
function* copyLines(rows: readonly (readonly unknown[])[], prefix = ''): Generator<string> {
  // Lines are grouped so the stream moves tens of kilobytes per write rather than one row.
  let buffer = '';
  for (const row of rows) {
    // A loop rather than map and join: appends of hundreds of rows a request spent a fifth of this on the arrays.
    let line = prefix;
    for (let i = 0; i < row.length; i++) line += i === 0 ? copyText(row[i]) : `\t${copyText(row[i])}`;
    buffer += `${line}\n`;
    if (buffer.length > 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations, fixtures). */
  exec(sql: string): Promise<void>;
}

/** A transaction. `workspaceId` is set when row-level security confines it to one workspace. */
export interface Tx extends Queryable {
  readonly workspaceId: string | null;
  /**
   * Appends rows in this transaction as fast as the database allows: COPY on PostgreSQL, multi-row INSERTs on
   * PGlite. Fails as an INSERT would on a constraint (a savepoint before it lets the caller go on another way).
   * In a tenant transaction `columns` leave out workspace_id, which is written here, the transaction's own, into
   * every row: PostgreSQL refuses COPY FROM where row-level security applies, so on a server the COPY runs with
   * the owner's rights, and this is what keeps it inside the workspace. With `savepoint`, the rows are appended
   * inside a savepoint of that name, released when they are in; when they fail, the transaction is rolled back to
   * it, ready to go on, and the error is thrown.
   */
  append(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    savepoint?: string,
  ): Promise<void>;
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
  /**
   * Appends many rows with owner rights, as fast as the database allows: COPY on PostgreSQL, multi-row INSERTs
   * on PGlite. For bulk loads (demo data, imports, benchmarks) that write their own domain events, if any.
   */
  copy(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  close(): Promise<void>;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** One value in COPY's text format: tabs, newlines and backslashes escaped, NULL as \N, arrays and json literal. */
function copyText(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null || value === undefined) return '\\N';
  else if (value instanceof Date) return value.toISOString();
  else if (Array.isArray(value)) text = `{${value.map((v) => `"${String(v).replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else return String(value);
  // Most values hold none of the four characters: the test is much cheaper than four replacements.
  return COPY_SPECIAL.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;
}

/**
 * One COPY FROM STDIN of these chunks, written straight to the COPY stream (waiting for it to drain when it asks):
 * a transaction's append is a few chunks, and a stream pipeline around them cost more than writing them.
 */
function copyIn(client: pg.PoolClient, sql: string, chunks: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(sql));
  return new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    const write = (pending: Iterator<string>) => {
      for (let next = pending.next(); !next.done; next = pending.next()) {
        if (!stream.write(next.value)) {
          stream.once('drain', () => write(pending));
          return;
        }
      }
      stream.end();
    };
    write(chunks[Symbol.iterator]());
  });
}

/** Multi-row INSERTs of at most 60,000 parameters each (PostgreSQL's protocol allows 65,535). */
async function insertRows(
  q: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
) {
  const perStatement = Math.max(1, Math.floor(60_000 / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = row.map((v) => {
        params.push(
          v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v,
        );
        return `$${params.length}`;
      });
      return `(${marks.join(',')})`;
    });
    await q.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${tuples.join(',')}`, params);
  }
}

/** The role tenant transactions run as; row-level security policies apply to it (never to the owner). */
export const TENANT_ROLE = 'siyu_app';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The statements that confine the current transaction to a workspace. */
function tenantSetup(workspaceId: string): string {
  if (!UUID_RE.test(workspaceId)) throw new Error(`not a workspace id: ${workspaceId}`);
  return `SET LOCAL ROLE ${TENANT_ROLE}; SELECT set_config('siyu.workspace_id', '${workspaceId}', true)`;
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
      append: async (table, columns, rows, savepoint) => {
        if (rows.length === 0) return;
        const names = workspaceId ? ['workspace_id', ...columns] : columns;
        // SET LOCAL: should the COPY fail, the rollback (to the savepoint, or of all) restores the role. The
        // statements around the COPY go in as few round trips as they can.
        const before = [savepoint && `SAVEPOINT ${savepoint}`, workspaceId && 'SET LOCAL ROLE NONE'].filter(Boolean);
        const after = [savepoint && `RELEASE SAVEPOINT ${savepoint}`, workspaceId && `SET LOCAL ROLE ${TENANT_ROLE}`];
        if (before.length > 0) await client.query(before.join('; '));
        try {
          await copyIn(
            client,
            `COPY ${table} (${names.join(',')}) FROM STDIN`,
            copyLines(rows, workspaceId ? `${workspaceId}\t` : ''),
          );
        } catch (err) {
          if (savepoint) await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
          throw err;
        }
        if (after.some(Boolean)) await client.query(after.filter(Boolean).join('; '));
      },
    };
    try {
      // One round trip: every request opens a transaction, and on a busy server three trips cost more than the
      // statements. The id is checked to be a UUID before it is written into the text.
      await client.query(workspaceId ? `BEGIN; ${tenantSetup(workspaceId)}` : 'BEGIN');
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
    copy: async (table, columns, rows) => {
      if (rows.length === 0) return;
      const client = await pool.connect();
      try {
        const stream = client.query(copyFrom(`COPY ${table} (${columns.join(',')}) FROM STDIN`));
        const done = pipeline(Readable.from(copyLines(rows)), stream);
        await done;
      } finally {
        client.release();
      }
    },
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
        // Row-level security applies to these INSERTs, and the workspace written is the one it allows.
        append: async (table, columns, rows, savepoint) => {
          if (savepoint) await inner.exec(`SAVEPOINT ${savepoint}`);
          try {
            if (workspaceId) {
              await insertRows(
                tx,
                table,
                ['workspace_id', ...columns],
                rows.map((row) => [workspaceId, ...row]),
              );
            } else await insertRows(tx, table, columns, rows);
          } catch (err) {
            if (savepoint) await inner.exec(`ROLLBACK TO SAVEPOINT ${savepoint}`);
            throw err;
          }
          if (savepoint) await inner.exec(`RELEASE SAVEPOINT ${savepoint}`);
        },
      };
      if (workspaceId) await inner.exec(tenantSetup(workspaceId));
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
    copy: (table, columns, rows) =>
      lite.transaction((tx) => insertRows(tx as unknown as Queryable, table, columns, rows)),
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
