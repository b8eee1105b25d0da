import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransformDriverConfig } from '@loam/contracts';
import { listFiles } from './archives.js';
import { runTransform, transformPaths, type TransformSummary } from './driver.js';

const sumModel = fileURLToPath(new URL('./fixtures/sum-model.mjs', import.meta.url));

export interface CaseResult {
  readonly outputs: Record<string, string>;
  /** Each request the model saw: content type, accept, bytes, chunked. */
  readonly requests: { type: string; accept: string | null; bytes: number; chunked: boolean }[];
  readonly serverEnv: Record<string, string>;
  readonly summary?: TransformSummary;
  readonly error?: Error;
  readonly log: string[];
}

/**
 * Runs the batch driver for real against the sum model server (a process image), on input files laid
 * out as the runner stages them, and returns what it wrote and what the model received.
 */
export async function runCase(files: Record<string, string | Buffer>, cfg: Partial<TransformDriverConfig>, modelEnv: Record<string, string> = {}): Promise<CaseResult> {
  const root = mkdtempSync(join(tmpdir(), 'loam-bt-'));
  try {
    const paths = transformPaths(root);
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(dirname(join(paths.inputDir, rel)), { recursive: true });
      writeFileSync(join(paths.inputDir, rel), body);
    }
    const logFile = join(root, 'model.log');
    const config: TransformDriverConfig = {
      jobName: 't', splitType: 'None', assembleWith: 'None', invocationsTimeoutSeconds: 600, invocationsMaxRetries: 3, environment: {},
      python: 'python3', vcpus: 2,
      container: { image: { type: 'process', name: 'sum', command: process.execPath, args: [sumModel] }, environment: { SUM_LOG: logFile, ...modelEnv }, hasModelData: false, hasSourceDir: false },
      ...cfg,
    };
    const log: string[] = [];
    let summary: TransformSummary | undefined;
    let error: Error | undefined;
    try {
      summary = await runTransform(config, paths, (l) => log.push(l));
    } catch (e) {
      error = e as Error;
    }
    const outputs: Record<string, string> = {};
    for (const rel of listFiles(paths.outputDir)) outputs[rel] = readFileSync(join(paths.outputDir, rel), 'utf8');
    const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    return {
      outputs, summary, error, log,
      requests: lines.filter((l) => 'bytes' in l) as CaseResult['requests'],
      serverEnv: (lines.find((l) => 'env' in l)?.['env'] ?? {}) as Record<string, string>,
    } as CaseResult;
  } finally {
    // A model server's last writes can land while the tree goes (ENOTEMPTY under load): Node retries those.
    rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
