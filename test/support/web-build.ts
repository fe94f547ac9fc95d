// Builds web/dist for the browser tests when it is missing or older than the console's sources, once per run
// even when both test projects' setups ask at the same moment.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.join(root, 'web/dist/index.html');
const lockDir = path.join(root, 'web/.build-lock');

function newestMtime(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

function stale(): boolean {
  let built: number;
  try {
    built = statSync(dist).mtimeMs;
  } catch {
    return true;
  }
  const sources = ['web/src', 'web/h5', 'web/index.html', 'web/vite.config.ts', 'src/contracts'];
  return sources.some((s) => newestMtime(path.join(root, s)) > built);
}

export async function ensureWebBuilt(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      // Another setup is building; a lock older than five minutes was left by a killed run.
      const since = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 300_000) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!stale()) return;
    // In a child process with NODE_ENV=production: vitest sets NODE_ENV=test, which would make Vite bundle
    // React's development build, not the one `npm start` serves.
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'inherit' },
    );
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
