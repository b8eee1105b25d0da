import { existsSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, readLibsvmSync } from '@loam/ml/data/index';
import type { LabeledData } from '@loam/ml/data/index';
import { MlInputError } from '@loam/ml/errors';
import { walkFiles } from '../runner/walk-files.js';

/** How a built-in image sees its contract directory. */
export interface BuiltinContext {
  readonly root: string;
  readonly host: string;
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly modelDir: string;
  /**
   * The job's checkpoint directory (`CheckpointConfig.LocalPath`, default `/opt/ml/checkpoints`) when the
   * job has a CheckpointConfig, else undefined: as on SageMaker, only then do algorithms save and resume.
   */
  readonly checkpointDir?: string;
  log(line: string): void;
  metric(name: string, value: number): void;
  has(channel: string): boolean;
  /**
   * Reads a channel's files (all of them, in the order of their paths below the channel directory by
   * UTF-8 bytes, never the file system's listing order: rows come in the same order on every machine) as CSV (label first, SageMaker's convention;
   * `label_size=0` for unsupervised data) or libsvm, from the channel's ContentType or `fallback`.
   */
  read(channel: string, fallback: 'csv' | 'libsvm', options?: ReadOptions): LabeledData;
}

export interface ReadOptions {
  readonly labelSize?: 0 | 1;
  readonly numFeatures?: number;
  /** CSV only (SageMaker XGBoost's `csv_weights=1`): the column after the label holds each row's instance weight. */
  readonly csvWeights?: boolean;
}

/** Takes a CSV channel's first feature column as instance weights (`csv_weights=1`). */
function weightsFromFirstColumn(d: LabeledData, channel: string): LabeledData {
  const { rows, cols, data } = d.x;
  if (cols < 2) {
    throw new MlInputError(`Channel '${channel}' has ${cols} column${cols === 1 ? '' : 's'} after the label; csv_weights=1 needs a weight column and at least one feature.`, { channel, hyperparameter: 'csv_weights' });
  }
  return { ...d, x: { rows, cols: cols - 1, data: data.subarray(rows) }, weights: Float64Array.from(data.subarray(0, rows)) };
}

function formatOf(contentType: string | undefined, fallback: 'csv' | 'libsvm'): { format: 'csv' | 'libsvm'; labelSize?: 0 | 1 } {
  if (!contentType) return { format: fallback };
  const [type, ...params] = contentType.toLowerCase().split(';').map((s) => s.trim());
  const labelSize = params.find((p) => p.startsWith('label_size='))?.split('=')[1];
  if (type === 'text/csv' || type === 'csv') return { format: 'csv', ...(labelSize === '0' ? { labelSize: 0 } : labelSize === '1' ? { labelSize: 1 } : {}) };
  if (type === 'text/libsvm' || type === 'text/x-libsvm' || type === 'libsvm' || type === 'application/x-libsvm') return { format: 'libsvm' };
  throw new MlInputError(`ContentType '${contentType}' is not supported by Loam's built-in algorithms (use text/csv or text/libsvm).`, { contentType });
}

/** Builds the context from `/opt/ml` (re-rooted at `root`); `checkpointDir` as the runner passes it (`LOAM_CHECKPOINT_DIR`). */
export function builtinContext(root: string, host: string, metricFd: number | undefined, checkpointDir?: string): BuiltinContext {
  const cfg = join(root, 'input', 'config');
  const raw = JSON.parse(readFileSync(join(cfg, 'hyperparameters.json'), 'utf8')) as Record<string, string>;
  const hyperparameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!k.startsWith('sagemaker_')) hyperparameters[k] = v;
  const dataConfig = existsSync(join(cfg, 'inputdataconfig.json')) ? (JSON.parse(readFileSync(join(cfg, 'inputdataconfig.json'), 'utf8')) as Record<string, { ContentType?: string }>) : {};
  return {
    root, host, hyperparameters, modelDir: join(root, 'model'), ...(checkpointDir ? { checkpointDir } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
    metric: (name, value) => {
      // JSON has no NaN or infinities: such samples are not published (SageMaker drops them too).
      if (metricFd !== undefined && Number.isFinite(value)) writeSync(metricFd, `${JSON.stringify({ name, value })}\n`);
    },
    has: (channel) => Object.hasOwn(dataConfig, channel),
    read: (channel, fallback, options = {}) => {
      const dir = join(root, 'input', 'data', channel);
      const files = walkFiles(dir).filter((f) => !f.split('/').some((p) => p.startsWith('.')));
      if (files.length === 0) throw new MlInputError(`Channel '${channel}' has no data files.`, { channel });
      const parts = files.map((f) => readFileSync(join(dir, f)));
      const bytes = Buffer.concat(parts.flatMap((b, i) => (i > 0 && parts[i - 1]!.at(-1) !== 0x0a ? [Buffer.from('\n'), b] : [b])));
      const f = formatOf(dataConfig[channel]?.ContentType, fallback);
      if (f.format === 'libsvm') return readLibsvmSync(bytes, options.numFeatures !== undefined ? { numFeatures: options.numFeatures } : {});
      const d = readCsv(bytes, { labelSize: f.labelSize ?? options.labelSize ?? 1 });
      return options.csvWeights ? weightsFromFirstColumn(d, channel) : d;
    },
  };
}
