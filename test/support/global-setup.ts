// Once per test project: migrate a template database (PostgreSQL) or a PGlite snapshot that every test copies.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { allMigrations } from '../../src/modules.ts';
import { openPostgres, wrapPglite } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { adminQuery, pgUrl, TEST_DB_PREFIX, testDbKind } from './databases.ts';
import { ensureWebBuilt } from './web-build.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Databases left behind by runs that were killed before their teardown. */
async function dropOrphans(): Promise<void> {
  const { rows } = await adminQuery(
    `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}%' ORDER BY datname DESC`,
  );
  for (const { datname } of rows as { datname: string }[]) {
    const pid = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
    if (Number.isInteger(pid) && !alive(pid)) await adminQuery(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

export default async function setup(project: TestProject) {
  await ensureWebBuilt();
  process.env.SIYU_TEST_DB = String(project.config.env?.SIYU_TEST_DB ?? 'pglite');
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  if (testDbKind() === 'pglite') {
    const lite = await PGlite.create();
    await migrate(wrapPglite(lite), allMigrations());
    const file = path.join(tmpdir(), `siyu-test-${runId}.tar`);
    writeFileSync(file, Buffer.from(await (await lite.dumpDataDir('none')).arrayBuffer()));
    await lite.close();
    project.provide('siyuTemplate', file);
    return () => rmSync(file, { force: true });
  }
  await dropOrphans();
  const template = `${TEST_DB_PREFIX}${runId}`;
  await adminQuery(`CREATE DATABASE ${template}`);
  const db = openPostgres(pgUrl(template), 2);
  await migrate(db, allMigrations());
  await db.close();
  project.provide('siyuTemplate', template);
  return async () => {
    const { rows } = await adminQuery(
      `SELECT datname FROM pg_database WHERE datname LIKE '${template}%' ORDER BY length(datname) DESC`,
    );
    for (const { datname } of rows as { datname: string }[]) {
      await adminQuery(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  };
}
