import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from '@loam/core';

/** Packs `inference` as `code/inference.py` into s3://models/<key> (a script-mode model.tar.gz); returns its URI. */
export async function putScriptModel(store: ArtifactStore, scratch: string, key: string, inference: string): Promise<string> {
  const dir = mkdtempSync(join(scratch, 'model-'));
  mkdirSync(join(dir, 'code'));
  writeFileSync(join(dir, 'code', 'inference.py'), inference);
  const file = join(scratch, `${key}.tar.gz`);
  execFileSync('tar', ['czf', file, '-C', dir, 'code']);
  await store.put({ bucket: 'models', key }, readFileSync(file));
  return `s3://models/${key}`;
}
