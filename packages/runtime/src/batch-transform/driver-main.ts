import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransformDriverConfig } from '@loam/contracts';
import { runTransform, transformPaths } from './driver.js';

/**
 * The batch transform job's image: the runner starts it in the job's `/opt/ml` (SAGEMAKER_BASE_DIR)
 * with `LOAM_TRANSFORM_CONFIG`. A failure's reason goes to `/opt/ml/output/failure`, which the runner
 * reports as the job's FailureReason.
 */
async function main(): Promise<void> {
  const root = process.env['SAGEMAKER_BASE_DIR'] ?? process.cwd();
  const cfg = JSON.parse(process.env['LOAM_TRANSFORM_CONFIG'] ?? '{}') as TransformDriverConfig;
  try {
    const s = await runTransform(cfg, transformPaths(root), (l) => process.stdout.write(`${l}\n`));
    process.stdout.write(`Transform complete: ${s.files} file(s), ${s.records} record(s), ${s.requests} request(s).\n`);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${reason}\n`);
    mkdirSync(join(root, 'output'), { recursive: true });
    writeFileSync(join(root, 'output', 'failure'), reason.slice(0, 1024));
    process.exitCode = 1;
  }
}

if (process.argv[1] && /driver-main\.(ts|js)$/.test(process.argv[1])) void main();
