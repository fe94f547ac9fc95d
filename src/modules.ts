// Every module of Siyu in dependency order: their migrations run in this order, their routes and work are wired
// by the composition root (src/main.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations, type Migration } from './platform/db/migrations.ts';
import type { SiyuModule } from './platform/module.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export const modules: SiyuModule[] = [];

export function allMigrations(): Migration[] {
  return loadMigrations([
    { module: 'platform', dir: path.join(here, 'platform/migrations') },
    ...modules.filter((m) => m.migrations).map((m) => ({ module: m.name, dir: m.migrations as string })),
  ]);
}
