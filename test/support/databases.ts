// Test databases: the schema is migrated once per run into a template (PostgreSQL) or a data-dir snapshot
// (PGlite); every test file then gets its own copy, so files run in parallel without sharing rows.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type Db, openPglite, openPostgres } from '../../src/platform/db/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: path of a migrated data-dir snapshot. PostgreSQL: name of the migrated template database. */
    siyuTemplate: string;
  }
}

export type TestDbKind = 'pglite' | 'postgres';

export const PG_ADMIN_URL = process.env.SIYU_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DB_PREFIX = 'siyu_t_';

export function testDbKind(): TestDbKind {
  const kind = process.env.SIYU_TEST_DB ?? 'pglite';
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error(`SIYU_TEST_DB must be pglite or postgres, not ${kind}`);
  return kind;
}

export function pgUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  db: Db;
  /** The PostgreSQL URL of this copy (null on PGlite), for child processes that open their own connections. */
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the kind this test project runs on. `template` comes from the global setup. */
export async function copyTestDatabase(template: string): Promise<TestDatabase> {
  if (testDbKind() === 'pglite') {
    const db = await openPglite(null, new Blob([readFileSync(template)]));
    return { db, url: null, drop: () => db.close().catch(() => {}) };
  }
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  // Copies of one template may collide while another copy is starting; PostgreSQL then says the template is busy.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
  const url = pgUrl(name);
  const db = openPostgres(url, 5);
  return {
    db,
    url,
    drop: async () => {
      // The server under test may have closed the pool already.
      await db.close().catch(() => {});
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
