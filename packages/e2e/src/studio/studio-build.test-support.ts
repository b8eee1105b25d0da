import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const studioDir = join(repoRoot, 'packages/studio');
export const studioDist = join(studioDir, 'dist');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules' && e !== 'dist') m = Math.max(m, newest(join(path, e)));
  return m;
}

/** Studio bundles the operation table and the SDK, so their sources count too. */
const inputs = ['packages/studio/src', 'packages/studio/index.html', 'packages/studio/vite.config.ts', 'packages/studio/public', 'packages/contracts/src', 'packages/sdk/src'];

/** Builds Studio with Vite when `dist/` is missing or older than any of its sources. */
export function ensureStudioBuilt(): void {
  const built = newest(join(studioDist, 'index.html'));
  const sources = Math.max(...inputs.map((p) => newest(join(repoRoot, p))));
  if (built > sources) return;
  // NODE_ENV as `npm run build` has it: Vite honours the one it inherits, and under Vitest (NODE_ENV=test) it built
  // React's development code (StrictMode's double mount, a second session request): not the Studio users get.
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: studioDir, env, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`vite build of Studio failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}
