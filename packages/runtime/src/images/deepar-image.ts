import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { MlInputError } from '@loam/ml/errors';
import { saveDeepArModel, trainDeepAr, type ChannelInput } from '@loam/ml/deepar/index';
import { walkFiles } from '../runner/walk-files.js';
import type { BuiltinContext } from './channel-data.js';

/**
 * SageMaker's DeepAR forecasting image (`forecasting-deepar`): reads the `train` and optional `test`
 * channels as JSON Lines (`{"start", "target", "cat"?, "dynamic_feat"?}` per line, SageMaker's default;
 * gzip-compressed files too) or Parquet (the same fields as columns; ContentType `application/x-parquet`, or files ending in
 * `.parquet`), trains, prints SageMaker's DeepAR log lines (`#test_score (algo-1, RMSE): …`) and
 * publishes `train:final_loss`, `test:RMSE`, `test:mean_wQuantileLoss`, `test:wQuantileLoss[0.9]`, ….
 */
export async function deepArImage(ctx: BuiltinContext, write: (algorithm: string, model: unknown) => void): Promise<void> {
  const train = await readDeepArChannel(ctx.root, 'train');
  const test = ctx.has('test') ? await readDeepArChannel(ctx.root, 'test') : undefined;
  const result = trainDeepAr(ctx.hyperparameters, train, { ...(test ? { test } : {}), log: (l) => ctx.log(l), host: ctx.host });
  for (const m of result.metrics) ctx.metric(m.name, m.value);
  write('forecasting-deepar', JSON.parse(saveDeepArModel(result.model)) as unknown);
}

type ChannelFormat = 'jsonlines' | 'parquet';

function channelContentType(root: string, channel: string): string | undefined {
  const file = join(root, 'input', 'config', 'inputdataconfig.json');
  if (!existsSync(file)) return undefined;
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { ContentType?: string }>;
  return config[channel]?.ContentType;
}

function formatOf(contentType: string | undefined, files: readonly string[], channel: string): ChannelFormat {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === '') return files.every((f) => f.toLowerCase().endsWith('.parquet')) ? 'parquet' : 'jsonlines';
  if (['application/jsonlines', 'application/x-jsonlines', 'application/json', 'json', 'jsonlines'].includes(type)) return 'jsonlines';
  if (['application/x-parquet', 'application/parquet', 'parquet'].includes(type)) return 'parquet';
  throw new MlInputError(
    `Channel '${channel}' has ContentType '${contentType}', which DeepAR does not read; use application/jsonlines (JSON Lines) or application/x-parquet (Parquet).`,
    { channel },
  );
}

/**
 * Reads every file of a channel (in the order of their paths by UTF-8 bytes, see walkFiles; as SageMaker's DeepAR, files or folders whose name starts
 * with `.` and files named `_SUCCESS` are skipped, so a Spark output folder can be a channel): JSON Lines
 * as one text (a gzip-compressed file is decompressed), Parquet as records (one per row; list columns
 * become arrays, nulls in `target` missing values).
 * @throws MlInputError naming the channel (no files, an unreadable Parquet or gzip file, an unknown ContentType).
 */
export async function readDeepArChannel(root: string, channel: string): Promise<ChannelInput> {
  const dir = join(root, 'input', 'data', channel);
  const skipped = (f: string): boolean => f.split('/').some((p) => p.startsWith('.')) || f.split('/').pop() === '_SUCCESS';
  const files = existsSync(dir) ? walkFiles(dir).filter((f) => !skipped(f)) : [];
  if (files.length === 0) throw new MlInputError(`Channel '${channel}' has no data files.`, { channel });
  const format = formatOf(channelContentType(root, channel), files, channel);
  if (format === 'jsonlines') {
    return files.map((f) => jsonLinesText(join(dir, f), f, channel)).map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join('');
  }
  // DuckDB (a native module, ~0.35 s to load) only for Parquet: the model server and the other images import this file.
  const { DuckDbDataEngine } = await import('@loam/adapters/data-engine/duckdb/duckdb-data-engine');
  const engine = new DuckDbDataEngine({ allowedDirectories: [dir], threads: 1 });
  const records: unknown[] = [];
  for (const f of files) {
    const path = join(dir, f);
    let rows: readonly (readonly unknown[])[];
    try {
      // One JSON object per row: list columns stay lists, timestamps become text that `start` parsing reads.
      ({ rows } = await engine.query('SELECT CAST(to_json(s) AS VARCHAR) FROM src AS s', { src: { path, format: 'parquet' } }, { limit: Number.MAX_SAFE_INTEGER - 1 }));
    } catch (e) {
      throw new MlInputError(`Channel '${channel}': file '${f}' is not readable Parquet (${(e as Error).message}).`, { channel, file: f });
    }
    for (const row of rows) records.push(JSON.parse(String(row[0])) as unknown);
  }
  return records;
}

/** A JSON Lines file's text; gzip-compressed (recognised by its magic bytes, whatever its name) it is decompressed. */
function jsonLinesText(path: string, name: string, channel: string): string {
  const bytes = readFileSync(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8');
  const tooLarge = `Channel '${channel}': file '${name}' decompresses to more than ${constants.MAX_STRING_LENGTH} bytes; split it into smaller files.`;
  let text: Buffer;
  try {
    // One byte past the longest string V8 makes, so "too large" is told apart from "corrupt".
    text = gunzipSync(bytes, { maxOutputLength: constants.MAX_STRING_LENGTH + 1 });
  } catch (e) {
    const large = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
    throw new MlInputError(large ? tooLarge : `Channel '${channel}': file '${name}' is not readable gzip (${(e as Error).message}).`, { channel, file: name });
  }
  if (text.length > constants.MAX_STRING_LENGTH) throw new MlInputError(tooLarge, { channel, file: name });
  return text.toString('utf8');
}
