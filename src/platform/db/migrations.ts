// Ordered SQL migrations per module, recorded with a checksum so that an applied file edited afterwards is refused.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './index.ts';

export interface MigrationSource {
  module: string;
  dir: string;
}

export interface Migration {
  id: string;
  module: string;
  file: string;
  sql: string;
  checksum: string;
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'unknown';
export interface MigrationStatus {
  id: string;
  state: MigrationState;
  appliedAt: Date | null;
}

export class MigrationError extends Error {}

const FILE_RE = /^\d{4}_[a-z0-9_]+\.sql$/;
// Any constant works: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 727_001;

/** Reads every source's `NNNN_name.sql` files; sources run in the order given, files in name order. */
export function loadMigrations(sources: readonly MigrationSource[]): Migration[] {
  const out: Migration[] = [];
  for (const source of sources) {
    let files: string[];
    try {
      files = readdirSync(source.dir).filter((f) => f.endsWith('.sql'));
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      if (!FILE_RE.test(file)) {
        throw new MigrationError(`migration file ${source.module}/${file} must be named NNNN_snake_case.sql`);
      }
      const sql = readFileSync(path.join(source.dir, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      out.push({ id: `${source.module}/${file}`, module: source.module, file, sql, checksum });
    }
  }
  return out;
}

async function ensureTable(db: Db): Promise<void> {
  // Under the lock: two processes creating the table at once would otherwise collide in the catalog.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
}

async function applied(db: Db): Promise<Map<string, { checksum: string; appliedAt: Date }>> {
  const rows = await db.query<{ id: string; checksum: string; applied_at: Date }>(
    'SELECT id, checksum, applied_at FROM schema_migrations',
  );
  return new Map(rows.map((r) => [r.id, { checksum: r.checksum, appliedAt: r.applied_at }]));
}

export async function migrationStatus(db: Db, migrations: readonly Migration[]): Promise<MigrationStatus[]> {
  await ensureTable(db);
  const done = await applied(db);
  const status: MigrationStatus[] = migrations.map((m) => {
    const row = done.get(m.id);
    if (!row) return { id: m.id, state: 'pending', appliedAt: null };
    return { id: m.id, state: row.checksum === m.checksum ? 'applied' : 'changed', appliedAt: row.appliedAt };
  });
  const known = new Set(migrations.map((m) => m.id));
  for (const [id, row] of done) if (!known.has(id)) status.push({ id, state: 'unknown', appliedAt: row.appliedAt });
  return status;
}

/**
 * Applies pending migrations, each in its own transaction under an advisory lock, so several processes starting
 * at once apply each file exactly once. Refuses to run when an applied file has changed since.
 */
export async function migrate(
  db: Db,
  migrations: readonly Migration[],
  log?: (msg: string) => void,
): Promise<string[]> {
  const status = await migrationStatus(db, migrations);
  const changed = status.filter((s) => s.state === 'changed').map((s) => s.id);
  if (changed.length > 0) {
    throw new MigrationError(
      `applied migration(s) were edited afterwards: ${changed.join(', ')}. ` +
        'Restore the original file(s) and put the change in a new migration.',
    );
  }
  const done: string[] = [];
  for (const m of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const rows = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE id = $1', [m.id]);
      if (rows[0]) {
        if (rows[0].checksum !== m.checksum)
          throw new MigrationError(`migration ${m.id} was edited after it was applied`);
        return false;
      }
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.id} failed: ${(err as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      return true;
    });
    if (ran) {
      done.push(m.id);
      log?.(`applied ${m.id}`);
    }
  }
  return done;
}
