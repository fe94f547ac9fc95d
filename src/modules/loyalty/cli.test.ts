// `siyu ledger check` as a user runs it: a child process on the same database, a report, exit 0 when the ledger
// holds and 1 with the violation named when it does not.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase, testDbKind } from '../../../test/support/databases.ts';
import { allMigrations } from '../../modules.ts';
import { type Db, openPglite } from '../../platform/db/index.ts';
import { migrate } from '../../platform/db/migrations.ts';
import { at, member, order, type PointsWorld, pointsWorld } from './fixtures/points.ts';

const BIN = fileURLToPath(new URL('../../../bin/siyu.js', import.meta.url));
const run = promisify(execFile);

let t: TestDatabase | null = null;
let db: Db;
let env: Record<string, string>;
let w: PointsWorld;

beforeAll(async () => {
  if (testDbKind() === 'postgres') {
    t = await copyTestDatabase(inject('siyuTemplate'));
    db = t.db;
    env = { DATABASE_URL: t.url as string };
  } else {
    // The CLI opens the embedded database itself: give it a data folder of its own, prepared here first.
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'siyu-ledger-cli-')), 'data');
    db = await openPglite(dir);
    await migrate(db, allMigrations());
    env = { SIYU_DATA_DIR: dir };
  }
  w = await pointsWorld(db, 'ledger-cli');
  const now = at('2026-05-01T10:00:00+08:00');
  await member(w, '13300000001', now);
  await order(w, 'CLI-1', { phone: '13300000001', paidFen: 8_800, placedAt: now }, now);
  if (!t) await db.close();
}, 120_000);
afterAll(() => t?.drop());

async function siyu(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('siyu ledger check passes on a sound ledger and fails, naming the violation, on a tampered one', async () => {
  const ok = await siyu(['ledger', 'check', '--workspace', 'ledger-cli']);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/1 workspace\(s\), 1 transactions, 2 entries, 1 member accounts, 1 open lots/);
  expect(ok.stdout).toMatch(/^OK: every transaction balances/m);
  expect((await siyu(['ledger', 'check'])).code).toBe(0);

  // Someone edits a cached balance by hand: the check catches it.
  if (!t) db = await openPglite(env.SIYU_DATA_DIR as string);
  await db.query(`UPDATE points_balances SET balance = balance + 5 WHERE workspace_id = $1`, [w.workspaceId]);
  if (!t) await db.close();
  const bad = await siyu(['ledger', 'check', '--workspace', 'ledger-cli']);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toMatch(/VIOLATION balance_mismatch ×1: cached balance differs/);
  expect(bad.stdout).toMatch(/VIOLATION lots_not_balance ×1/);
  const unknown = await siyu(['ledger', 'check', '--workspace', 'nope']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^siyu: 品牌不存在/);
});
