// Planner statistics, kept fresh where the database does not do it itself: PGlite runs PostgreSQL in single-user
// mode, where no autovacuum launcher exists, and a PostgreSQL server may run with `autovacuum = off`.
//
// Without statistics every plan is made on guesses, and the worst of them stay: a foreign-key check planned while
// its referenced table was empty scans `customers (workspace_id, seq)` for `workspace_id = $1` and filters on the id
// (the primary key and every other index led by workspace_id cost exactly the same on an empty table, and the tie
// does not go to the key), and node-postgres keeps that plan for the life of the pooled connection. Every identity,
// tag or trait written then reads all of the workspace's customers. ANALYZE fixes the estimate and invalidates the
// cached plans of the table it analyzed, on every connection. So this does what autoanalyze would: a table whose rows
// changed by more than the server's analyze threshold since its last ANALYZE (50 + 10 % by default) is analyzed.
import type { Logger } from 'pino';
import type { Db } from './index.ts';

/** How often the counters are read: a table that grows from nothing is analyzed within about this long. */
export const STATISTICS_INTERVAL_MS = 2_000;
/**
 * Least time between two ANALYZEs of one table, as autovacuum's naptime (one minute) spaces them: the first one is
 * what matters, and a busy table (events at thousands a second) passes its threshold every few seconds, where each
 * ANALYZE reads 30,000 sampled rows and replans every statement that touches the table.
 */
export const STATISTICS_SPACING_MS = 60_000;

export interface StatisticsKeeper {
  /** Stops the loop after the check in flight, if any. */
  stop(): Promise<void>;
}

/**
 * The tables due for ANALYZE: rows changed since the last one above autoanalyze's threshold, and not analyzed in
 * the last $1 milliseconds.
 */
const DUE_SQL = `
  SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS name
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                               + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
     AND coalesce(greatest(s.last_analyze, s.last_autoanalyze), '-infinity')
         < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
   ORDER BY s.n_mod_since_analyze DESC`;

/** Whether the server analyzes by itself: PGlite never does; a server does unless autovacuum or its counters are off. */
export async function databaseKeepsStatistics(db: Db): Promise<boolean> {
  if (db.kind === 'pglite') return false;
  const [row] = await db.query<{ on: boolean }>(
    `SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS on`,
  );
  return row?.on === true;
}

/**
 * Analyzes the tables that are due (on PGlite the first of them), once; returns their names. On a server, one
 * process at a time does it (a transaction-level advisory lock; the others skip this round), in one transaction:
 * the new statistics and the plan invalidations take effect when it commits.
 */
export async function analyzeDueTables(db: Db, spacingMs = STATISTICS_SPACING_MS): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') {
      const [lock] = await tx.query<{ mine: boolean }>(
        `SELECT pg_try_advisory_xact_lock(hashtextextended('siyu:statistics', 0)) AS mine`,
      );
      if (!lock?.mine) return [];
    }
    // PGlite has one connection, and every request waits while it analyzes: one table per check there (a big one
    // takes a few hundred milliseconds), all that are due on a server, where ANALYZE blocks no reader or writer.
    const due = (await tx.query<{ name: string }>(DUE_SQL, [spacingMs])).slice(0, db.kind === 'pglite' ? 1 : undefined);
    for (const { name } of due) await tx.exec(`ANALYZE ${name}`);
    return due.map((t) => t.name);
  });
}

/**
 * Starts keeping statistics if the database does not: a check every `intervalMs`, the timer unreferenced so that
 * it never holds a process open. A failed check is logged and the next one runs as planned.
 */
export function keepStatistics(
  db: Db,
  options: { intervalMs?: number; spacingMs?: number; log?: Pick<Logger, 'debug' | 'warn'> } = {},
): StatisticsKeeper {
  const interval = options.intervalMs ?? STATISTICS_INTERVAL_MS;
  const spacing = options.spacingMs ?? STATISTICS_SPACING_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const check = async () => {
    try {
      const analyzed = await analyzeDueTables(db, spacing);
      if (analyzed.length > 0) options.log?.debug({ tables: analyzed }, 'planner statistics refreshed');
    } catch (err) {
      if (!stopped) options.log?.warn({ err }, 'planner statistics check failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = check().then(schedule);
    }, interval);
    timer.unref();
  };
  running = databaseKeepsStatistics(db)
    .then((automatic) => {
      if (!automatic) schedule();
    })
    .catch((err) => options.log?.warn({ err }, 'planner statistics: could not read the server settings'));

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
