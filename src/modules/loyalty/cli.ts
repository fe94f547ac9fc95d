// `siyu ledger check [--workspace slug]`: runs the ledger check over every workspace (or one) and prints the report;
// exits non-zero on any violation, so it can gate a deployment or a cron job.
import type { Command } from 'commander';
import type { Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { checkLedger, formatLedgerCheck } from './ledger-check.ts';

export interface LedgerCliDeps {
  /** The database, opened and migrated the way the other commands do it (embedded data folder locked). */
  open(): Promise<{ db: Db; close(): Promise<void> }>;
  stdout?: (text: string) => void;
}

export function ledgerCommand(program: Command, deps: LedgerCliDeps): Command {
  const out = deps.stdout ?? ((t: string) => process.stdout.write(t));
  const ledger = program.command('ledger').description('the points ledger');
  ledger
    .command('check')
    .description(
      'prove every transaction balances, every balance and debt equals its entries, lots add up, nothing is ' +
        'negative (exit status 1 on any violation)',
    )
    .option('--workspace <slug>', 'check one workspace only (default: all)')
    .action(async (opts: { workspace?: string }) => {
      const { db, close } = await deps.open();
      try {
        let workspaceId: string | null = null;
        if (opts.workspace) {
          const ws = await db.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [opts.workspace]);
          if (!ws[0]) throw new AppError(404, 'points.workspace_not_found');
          workspaceId = ws[0].id;
        }
        // One snapshot for the whole report: the checks and the counts agree even while postings go on.
        const report = await db.transaction(async (tx) => {
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
          return checkLedger(tx, { workspaceId, now: new Date() });
        });
        out(formatLedgerCheck(report));
        if (!report.ok) process.exitCode = 1;
      } finally {
        await close();
      }
    });
  return ledger;
}
