import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlInputError } from '@loam/ml/errors';
import { builtinImages } from './builtin-algorithms.js';
import { builtinContext } from './channel-data.js';
import { builtinProcessingImages } from './processing-images.js';

// A built-in algorithm image, run by the runner as the job's process (`builtin-main <algorithm>`), so
// it gets the same process group, limits, isolation and stop handling as any other image. Like a
// SageMaker container it reads /opt/ml (here `LOAM_OPT_ML`), writes `model/`, and reports a failure
// in `output/failure`: `ClientError: …` for bad data or hyperparameters (exit 2), else `AlgorithmError: …`.
// Built-in processing images (data-wrangler) have no hyperparameters and report their own failures.
const algorithm = process.argv[2] ?? '';
const root = process.env['LOAM_OPT_ML'] ?? '/opt/ml';

async function main(): Promise<number> {
  const processing = builtinProcessingImages[algorithm];
  if (processing) return processing(root);
  const image = builtinImages[algorithm];
  if (!image) {
    writeFileSync(join(root, 'output', 'failure'), `AlgorithmError: unknown built-in algorithm '${algorithm}'.`);
    return 1;
  }
  const ctx = builtinContext(root, process.env['SM_CURRENT_HOST'] ?? 'algo-1', 3, process.env['LOAM_CHECKPOINT_DIR']);
  try {
    await image(ctx);
    return 0;
  } catch (e) {
    const client = e instanceof MlInputError || (e instanceof Error && e.name === 'MlInputError') || e instanceof RangeError;
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${client ? 'ClientError' : 'AlgorithmError'}: ${message}\n`);
    writeFileSync(join(root, 'output', 'failure'), `${client ? 'ClientError' : 'AlgorithmError'}: ${message}`.slice(0, 1024));
    return client ? 2 : 1;
  }
}

process.on('SIGTERM', () => process.exit(143));
main().then((code) => process.exit(code));
