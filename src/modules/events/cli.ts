// `siyu import customers|orders <file>`: imports a CSV or Excel file into a workspace with a progress bar on
// stderr, then prints a summary and every bad row with its line and reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { IMPORT_KINDS, type ImportKind } from '../../contracts/events.ts';
import type { Db } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { CustomerParticipants } from '../customers/index.ts';
import { importFile } from './import.ts';

export interface ImportCliDeps {
  /**
   * The database (opened and migrated the way the other commands do it, with the embedded data folder locked)
   * and the merge participants of every module, so a merge during the import moves everything it should.
   */
  open(): Promise<{ db: Db; participants: CustomerParticipants; close(): Promise<void> }>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total}`;
}

export function importCommand(program: Command, deps: ImportCliDeps): Command {
  const out = deps.stdout ?? ((t: string) => process.stdout.write(t));
  const err = deps.stderr ?? ((t: string) => process.stderr.write(t));
  return program
    .command('import')
    .description('import customers or orders from a CSV or Excel (.xlsx) file; bad rows are listed by line')
    .argument('<kind>', `what the file holds: ${IMPORT_KINDS.join(' or ')}`, (value: string) => {
      if (!IMPORT_KINDS.includes(value as ImportKind)) {
        throw new InvalidArgumentError(`must be ${IMPORT_KINDS.join(' or ')}`);
      }
      return value as ImportKind;
    })
    .argument('<file>', 'path of a .csv or .xlsx file (header on the first line, Chinese or English column names)')
    .option('--workspace <slug>', 'workspace slug', 'chayu')
    .option('--lang <lang>', 'language of the reasons: zh-CN or en', 'zh-CN')
    .action(async (kind: ImportKind, file: string, opts: { workspace: string; lang: string }) => {
      const ext = path.extname(file).toLowerCase();
      if (ext !== '.csv' && ext !== '.xlsx') throw new AppError(400, 'import.unsupported_file', { name: file });
      // Unreadable files fail before the database is touched; commander's caller turns the error into exit 1.
      const data = readFileSync(file);
      const { db, participants, close } = await deps.open();
      try {
        const ws = await db.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [opts.workspace]);
        const workspaceId = ws[0]?.id;
        if (!workspaceId) throw new AppError(404, 'import.workspace_not_found', { slug: opts.workspace });
        const locale: Locale = opts.lang === 'en' ? 'en' : 'zh-CN';
        const report = await importFile(
          db,
          participants,
          workspaceId,
          kind,
          { name: path.basename(file), data },
          (done, total) => err(progressBar(done, total)),
          { locale },
        );
        err('\n');
        out(`${report.kind}: ${report.rows} rows, ${report.imported} imported, ${report.failed} failed\n`);
        if (report.ignoredColumns.length > 0) out(`ignored columns: ${report.ignoredColumns.join(', ')}\n`);
        for (const e of report.errors) out(`line ${e.line}: ${e.message} (${e.code})\n`);
      } finally {
        await close();
      }
    });
}
