import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbDataEngine } from '@loam/adapters/data-engine/duckdb/duckdb-data-engine';
import { loadBuiltinPredictor } from '../model-server/builtin-predictor.js';
import { InferenceInputError } from '../model-server/inference-error.js';
import { builtinImages } from './builtin-algorithms.js';
import { builtinContext, type BuiltinContext } from './channel-data.js';

// The forecasting-deepar image through its container contract: channels on disk (JSON Lines and
// Parquet), SageMaker's metric names, the model file, and the model server's request/response shapes.
const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
const recs = readFileSync(join(repoRoot, 'datasets', 'timeseries', 'monthly3.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { start: string; target: number[]; cat: number[] })
  .map((r) => ({ start: r.start, target: r.target.slice(0, 96), cat: r.cat }));
// A gap in the first series (SageMaker writes missing values as "NaN" or null).
(recs[0] as { target: (number | null)[] }).target[40] = null;
const trainRecs = recs.map((r) => ({ ...r, target: r.target.slice(0, 84) }));
const hp = { time_freq: 'M', context_length: '12', prediction_length: '12', epochs: '2', num_cells: '8', num_layers: '1', mini_batch_size: '16', test_quantiles: '[0.1, 0.5, 0.9]' };
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function contract(channels: Record<string, { file: string; body: string | Buffer; contentType?: string }>, hyperparameters: Record<string, string> = hp): string {
  const root = mkdtempSync(join(tmpdir(), 'loam-deepar-image-'));
  roots.push(root);
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  mkdirSync(join(root, 'model'), { recursive: true });
  mkdirSync(join(root, 'output'), { recursive: true });
  writeFileSync(join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  const config: Record<string, { ContentType?: string }> = {};
  for (const [name, c] of Object.entries(channels)) {
    mkdirSync(join(root, 'input', 'data', name), { recursive: true });
    writeFileSync(join(root, 'input', 'data', name, c.file), c.body);
    config[name] = c.contentType ? { ContentType: c.contentType } : {};
  }
  writeFileSync(join(root, 'input', 'config', 'inputdataconfig.json'), JSON.stringify(config));
  return root;
}

async function train(root: string): Promise<{ metrics: Map<string, number>; log: string[]; ctx: BuiltinContext }> {
  const metrics = new Map<string, number>();
  const log: string[] = [];
  const ctx: BuiltinContext = { ...builtinContext(root, 'algo-1', undefined), log: (l) => log.push(l), metric: (n, v) => metrics.set(n, v) };
  await builtinImages['forecasting-deepar']!(ctx);
  return { metrics, log, ctx };
}

const jsonl = (rs: readonly unknown[]): string => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('forecasting-deepar image', () => {
  let modelDir = '';

  it('trains on JSON Lines channels and publishes SageMaker DeepAR metric names and log lines', async () => {
    const root = contract({ train: { file: 'train.json', body: jsonl(trainRecs) }, test: { file: 'test.json', body: jsonl(recs), contentType: 'application/jsonlines' } });
    const { metrics, log } = await train(root);
    expect([...metrics.keys()]).toEqual(expect.arrayContaining(['train:final_loss', 'test:RMSE', 'test:mean_wQuantileLoss', 'test:wQuantileLoss[0.1]', 'test:wQuantileLoss[0.9]']));
    expect(metrics.get('test:RMSE')).toBeGreaterThan(0);
    expect(log.some((l) => /^#test_score \(algo-1, RMSE\): \d/.test(l))).toBe(true);
    expect(log.some((l) => /^#test_score \(algo-1, wQuantileLoss\[0\.9\]\): \d/.test(l))).toBe(true);
    const saved = JSON.parse(readFileSync(join(root, 'model', 'loam-model.json'), 'utf8')) as { format: string; algorithm: string; model: { format: string } };
    expect(saved.format).toBe('loam.builtin-model');
    expect(saved.algorithm).toBe('forecasting-deepar');
    expect(saved.model.format).toBe('loam-deepar');
    modelDir = join(root, 'model');
  });

  it('reads Parquet channels (ContentType or .parquet files) into the same model as JSON Lines', async () => {
    const src = mkdtempSync(join(tmpdir(), 'loam-deepar-parquet-'));
    roots.push(src);
    writeFileSync(join(src, 'train.jsonl'), jsonl(trainRecs));
    const engine = new DuckDbDataEngine({ threads: 1 });
    await engine.copyTo('SELECT * FROM src', { src: { path: join(src, 'train.jsonl'), format: 'jsonl' } }, { path: join(src, 'train.parquet'), format: 'parquet' });
    const parquet = readFileSync(join(src, 'train.parquet'));
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const a = contract({ train: { file: 'part-0.parquet', body: parquet } });
    // A Spark folder's _SUCCESS does not stop the files being recognised as Parquet.
    writeFileSync(join(a, 'input', 'data', 'train', '_SUCCESS'), '');
    const b = contract({ train: { file: 'data.bin', body: parquet, contentType: 'application/x-parquet' } });
    const c = contract({ train: { file: 'train.json', body: jsonl(trainRecs) } });
    for (const r of [a, b, c]) await train(r);
    const params = (r: string) => (JSON.parse(readFileSync(join(r, 'model', 'loam-model.json'), 'utf8')) as { model: { params: string } }).model.params;
    expect(params(a)).toBe(params(c));
    expect(params(b)).toBe(params(c));
  });

  it('reads a Spark output folder: gzip-compressed JSON Lines, _SUCCESS and dot-files skipped', async () => {
    const spark = contract({ train: { file: 'part-00000.json.gz', body: gzipSync(jsonl(trainRecs.slice(0, 2))) } });
    const dir = join(spark, 'input', 'data', 'train');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'part-00001.json'), jsonl(trainRecs.slice(2)));
    // S3A committers write a JSON manifest into _SUCCESS: read as a record, it would fail the job.
    writeFileSync(join(dir, '_SUCCESS'), '{"name": "manifest"}\n');
    writeFileSync(join(dir, '.part-00000.json.gz.crc'), 'not data');
    const plain = contract({ train: { file: 'train.json', body: jsonl(trainRecs) } });
    for (const r of [spark, plain]) await train(r);
    const params = (r: string) => (JSON.parse(readFileSync(join(r, 'model', 'loam-model.json'), 'utf8')) as { model: { params: string } }).model.params;
    expect(params(spark)).toBe(params(plain));
    // A file that starts like gzip but is not: named.
    await expect(train(contract({ train: { file: 'bad.json.gz', body: Buffer.from([0x1f, 0x8b, 1, 2, 3]) } }))).rejects.toThrow(/Channel 'train': file 'bad.json.gz' is not readable gzip/);
  });

  it('refuses a channel it cannot read, naming the channel or the record', async () => {
    await expect(train(contract({ train: { file: 't.csv', body: '1,2\n', contentType: 'text/csv' } }))).rejects.toThrow(/Channel 'train' has ContentType 'text\/csv'.*application\/jsonlines/);
    await expect(train(contract({ train: { file: 't.parquet', body: 'not parquet', contentType: 'application/x-parquet' } }))).rejects.toThrow(/Channel 'train': file 't.parquet' is not readable Parquet/);
    const bad = [trainRecs[0], { ...trainRecs[1], target: [1, 2, 'x'] }];
    await expect(train(contract({ train: { file: 't.json', body: jsonl(bad) } }))).rejects.toThrow(/line 2 of channel 'train': "target"\[2\] is "x", not a number/);
  });

  it('serves SageMaker DeepAR requests: JSON instances + configuration, and JSON Lines for batch', () => {
    const predictor = loadBuiltinPredictor(modelDir);
    expect(predictor.algorithm).toBe('forecasting-deepar');
    const request = { instances: trainRecs.slice(0, 2), configuration: { num_samples: 20, output_types: ['mean', 'quantiles', 'samples'], quantiles: ['0.1', '0.9'] } };
    const out = predictor.invoke(Buffer.from(JSON.stringify(request)), 'application/json', 'application/json');
    expect(out.contentType).toBe('application/json');
    const body = JSON.parse(out.body) as { predictions: { mean: number[]; quantiles: Record<string, number[]>; samples: number[][] }[] };
    expect(body.predictions).toHaveLength(2);
    const p = body.predictions[0]!;
    expect(p.mean).toHaveLength(12);
    expect(Object.keys(p.quantiles)).toEqual(['0.1', '0.9']);
    expect(p.samples).toHaveLength(20);
    for (let k = 0; k < 12; k++) expect(p.quantiles['0.1']![k]!).toBeLessThanOrEqual(p.quantiles['0.9']![k]!);
    // Deterministic: the same request answers the same.
    expect(predictor.invoke(Buffer.from(JSON.stringify(request)), 'application/json', undefined).body).toBe(out.body);

    const lines = predictor.invoke(Buffer.from(jsonl(trainRecs)), 'application/jsonlines', 'application/jsonlines');
    expect(lines.contentType).toBe('application/jsonlines');
    const rows = lines.body.trim().split('\n').map((l) => JSON.parse(l) as { mean: number[] });
    expect(rows).toHaveLength(3);
    expect(rows[0]!.mean).toHaveLength(12);
  });

  it('reads DEEPAR_INFERENCE_CONFIG from the environment it is given (the model\'s, when served in the server)', () => {
    const env = { DEEPAR_INFERENCE_CONFIG: JSON.stringify({ num_samples: 7, output_types: ['samples'] }) };
    const given = loadBuiltinPredictor(modelDir, { env }).invoke(Buffer.from(jsonl(trainRecs.slice(0, 1))), 'application/jsonlines', 'application/jsonlines');
    const row = JSON.parse(given.body.trim()) as { samples?: number[][]; mean?: number[] };
    expect(row.samples).toHaveLength(7);
    expect(row.mean).toBeUndefined();
    const bad = () => loadBuiltinPredictor(modelDir, { env: { DEEPAR_INFERENCE_CONFIG: '{oops' } }).invoke(Buffer.from(jsonl(trainRecs.slice(0, 1))), 'application/jsonlines', undefined);
    expect(bad).toThrow(/DEEPAR_INFERENCE_CONFIG is not valid JSON/);
  });

  it('answers bad requests with 4xx naming what was wrong', () => {
    const predictor = loadBuiltinPredictor(modelDir);
    const status = (body: string, type: string, accept?: string): [number, string] => {
      try {
        predictor.invoke(Buffer.from(body), type, accept);
        return [200, ''];
      } catch (e) {
        expect(e).toBeInstanceOf(InferenceInputError);
        return [(e as InferenceInputError).status, (e as Error).message];
      }
    };
    expect(status('1,2', 'text/csv')[0]).toBe(415);
    expect(status('{"instances":[]}', 'application/json', 'text/csv')[0]).toBe(406);
    expect(status('{"instances":[{"start":"2020-01-01 00:00:00","target":[1,"x"]}]}', 'application/json')).toEqual([400, expect.stringMatching(/instance 1/)]);
    expect(status('{"instances":[{"start":"2020-01-01 00:00:00","target":[1,2]}],"configuration":{"output_types":["median"]}}', 'application/json')).toEqual([400, expect.stringMatching(/output_types/)]);
    expect(status('not json', 'application/json')).toEqual([400, expect.stringMatching(/not valid JSON/)]);
  });
});
