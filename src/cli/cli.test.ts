import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../test/support/databases.ts';

const BIN = fileURLToPath(new URL('../../bin/siyu.js', import.meta.url));
const run = promisify(execFile);

let t: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  // On PostgreSQL the CLI works on an empty database of its own; on PGlite on a fresh data folder.
  if (process.env.SIYU_TEST_DB === 'postgres') {
    t = await copyTestDatabase(inject('siyuTemplate'));
    await t.db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    env = { DATABASE_URL: t.url as string };
  } else {
    env = { SIYU_DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'siyu-cli-')), 'data') };
  }
});
afterAll(() => t?.drop());

async function siyu(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env, ...extraEnv },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('--help lists every command, and each command has its own help', async () => {
  const help = await siyu(['--help']);
  expect(help.code).toBe(0);
  for (const cmd of ['start', 'serve', 'worker', 'migrate', 'demo']) expect(help.stdout).toContain(cmd);
  const demo = await siyu(['demo', '--help']);
  expect(demo.stdout).toMatch(/--customers <n>/);
  expect(demo.stdout).toMatch(/--seed <s>/);
  expect((await siyu(['migrate', '--help'])).stdout).toMatch(/--status/);
});

test('mistakes get a clear message and a non-zero exit', async () => {
  const unknown = await siyu(['frobnicate']);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  const badNumber = await siyu(['demo', '--customers', 'many']);
  expect(badNumber.code).not.toBe(0);
  expect(badNumber.stderr).toMatch(/--customers.*must be a whole number/);
  const badUrl = await siyu(['migrate'], { DATABASE_URL: 'mysql://localhost/x' });
  expect(badUrl.code).toBe(1);
  expect(badUrl.stderr).toMatch(/^siyu: DATABASE_URL must start with postgres:\/\//);
  const down = await siyu(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(/^siyu: cannot reach the database/);
});

test('migrate --status shows pending migrations, migrate applies them, and status then shows them applied', async () => {
  const before = await siyu(['migrate', '--status']);
  expect(before.code).toBe(0);
  expect(before.stdout).toMatch(/^pending\s+platform\/0001_tenancy\.sql$/m);
  const applied = await siyu(['migrate']);
  expect(applied.stdout).toMatch(/migration\(s\) applied/);
  expect((await siyu(['migrate'])).stdout).toMatch(/database is up to date/);
  const after = await siyu(['migrate', '--status']);
  expect(after.stdout).not.toMatch(/^pending/m);
  expect(after.stdout).toMatch(/^applied\s+platform\/0004_staff\.sql\s+\d{4}-/m);
});

test('demo builds a brand and refuses a workspace slug that exists', async () => {
  const first = await siyu(['demo', '--customers', '1000', '--seed', '3', '--workspace', 'cli-demo']);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/workspace cli-demo .*: 18 staff, 1000 customers, \d+ orders, \d+ events/);
  expect(first.stdout).toMatch(/owner login owner@chayu\.demo {2}password \S{16}/);
  const again = await siyu(['demo', '--seed', '3', '--workspace', 'cli-demo']);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/cli-demo/);
});

test('import reads a CSV, reports bad rows by line, and refuses a missing file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'siyu-import-'));
  const file = path.join(dir, 'customers.csv');
  writeFileSync(file, '姓名,手机,城市\n张三,13811112222,上海\n李四,123,北京\n王五,13933334444,杭州\n');
  const res = await siyu(['import', 'customers', file, '--workspace', 'cli-demo']);
  expect(res.code).toBe(0);
  expect(`${res.stdout}${res.stderr}`).toMatch(/3/);
  expect(`${res.stdout}${res.stderr}`).toMatch(/第 ?3 ?行|line 3/);
  const missing = await siyu(['import', 'customers', path.join(dir, 'nope.csv')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^siyu: cannot read .*nope\.csv: no such file/);
});
