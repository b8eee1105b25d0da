import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Platform } from '@loam/server';

/** Stores a model as the built-in images write it: loam-model.json inside model.tar.gz, at s3://models/<key>. */
export async function storeBuiltinModel(platform: Platform, algorithm: string, model: unknown, key: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-e2e-model-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm, model }));
    const tar = spawnSync('tar', ['-czf', 'model.tar.gz', 'loam-model.json'], { cwd: dir });
    if (tar.status !== 0) throw new Error(`tar failed: ${String(tar.stderr)}`);
    await platform.artifacts.ensureBucket('models');
    await platform.artifacts.put({ bucket: 'models', key }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
