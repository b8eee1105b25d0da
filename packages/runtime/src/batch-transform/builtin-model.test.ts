import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformDriverConfig } from '@loam/contracts';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt, type GbdtModel } from '@loam/ml/gbdt/index';
import { trainLinearLearner } from '@loam/ml/linear/index';
import { parseCsvRow } from './csv-fields.js';
import { runTransform, transformPaths, type TransformPaths } from './driver.js';

// The batch driver with the real built-in model server processes (GBDT): every output line is checked
// against the model's own single-row prediction of its input line.
let model: GbdtModel;
let root: string;
let paths: TransformPaths;
const cols = 4;
let seed = 11;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const row = () => Array.from({ length: cols }, () => (Math.round(rand() * 1e4) / 1e4).toString());

beforeAll(async () => {
  const n = 500;
  const x = createMatrix(n, cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = row().map(Number);
    r.forEach((v, j) => (x.data[j * n + i] = v));
    y[i] = (r[0] as number) * (r[1] as number) > 0.25 ? 1 : 0;
  }
  model = await trainGbdt({ x, y }, { num_round: 10, max_depth: 4, objective: 'binary:logistic' });
  root = mkdtempSync(join(tmpdir(), 'loam-bt-builtin-'));
  paths = transformPaths(root);
  mkdirSync(paths.modelArchiveDir, { recursive: true });
  const md = join(root, 'm');
  mkdirSync(md);
  writeFileSync(join(md, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
  await tar.c({ gzip: true, cwd: md, file: join(paths.modelArchiveDir, 'model.tar.gz') }, ['loam-model.json']);
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (o: Partial<TransformDriverConfig>): TransformDriverConfig => ({
  jobName: 't', splitType: 'Line', assembleWith: 'Line', batchStrategy: 'MultiRecord', maxPayloadInMB: 1, maxConcurrentTransforms: 2, contentType: 'text/csv',
  invocationsTimeoutSeconds: 600, invocationsMaxRetries: 0, environment: {}, python: 'python3', vcpus: 2,
  container: { image: { type: 'builtin', algorithm: 'xgboost' }, environment: {}, hasModelData: true, hasSourceDir: false },
  ...o,
});

function stage(files: Record<string, string>): void {
  rmSync(paths.inputDir, { recursive: true, force: true });
  rmSync(paths.outputDir, { recursive: true, force: true });
  mkdirSync(paths.inputDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(paths.inputDir, name), text);
}

describe('batch transform through the built-in GBDT server', () => {
  it('scores 1 MB mini-batches on two server processes, one prediction per line, in input order', async () => {
    // ~1.9 MB: at least two mini-batches of the 1 MB limit, sent to two server processes.
    const lines = Array.from({ length: 70_000 }, () => row().join(','));
    stage({ 'a.csv': `${lines.join('\n')}\n`, 'b.csv': `${lines[0]}\n\n${lines[1]}` });
    const log: string[] = [];
    const s = await runTransform(config({}), paths, (l) => log.push(l));
    expect(s).toMatchObject({ files: 2, records: 70_002, maxPayloadInMB: 1, maxConcurrentTransforms: 2 });
    expect(s.requests).toBeGreaterThanOrEqual(3);
    expect(log.some((l) => l.includes('2 model server process(es)'))).toBe(true);
    const expected = (ls: string[]) => ls.map((l) => `${String(model.predictRow(l.split(',').map(Number))[0])}\n`).join('');
    expect(readFileSync(join(paths.outputDir, 'a.csv.out'), 'utf8')).toBe(expected(lines));
    expect(readFileSync(join(paths.outputDir, 'b.csv.out'), 'utf8')).toBe(expected([lines[0] as string, lines[1] as string]));
  }, 120_000);

  it('joins each prediction to its input row', async () => {
    const lines = Array.from({ length: 5 }, () => `id${String(rand()).slice(2, 6)},${row().join(',')}`);
    stage({ 'a.csv': `${lines.join('\n')}\n` });
    await runTransform(config({ inputFilter: '$[1:]', joinSource: 'Input', outputFilter: '$[0,-1]' }), paths, () => undefined);
    const expected = lines.map((l) => {
      const [id, ...x] = l.split(',');
      return `${id},${String(model.predictRow(x.map(Number))[0])}\n`;
    });
    expect(readFileSync(join(paths.outputDir, 'a.csv.out'), 'utf8')).toBe(expected.join(''));
  }, 120_000);

  it('a row the model refuses fails the job naming its line in the file, not only its row in the mini-batch', async () => {
    const good = Array.from({ length: 6 }, () => row().join(','));
    // Line 2 is blank (it ends the first mini-batch's run of lines); line 5 has a fifth value.
    stage({ 'a.csv': `${good[0]}\n\n${good[1]}\n${good[2]}\n${good[3]},0.5\n${good[4]}\n` });
    const err = await runTransform(config({}), paths, () => undefined).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('a.csv line 5 (sent with lines 3-6): the model answered 400: Row 3 has 5 values; the model expects 4 features.');
  }, 120_000);

  it('without an Accept, reads a JSON-answering model (linear-learner) by its Content-Type for OutputFilter and JoinSource', async () => {
    const n = 200;
    const x = createMatrix(n, cols);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = row().map(Number);
      r.forEach((v, j) => (x.data[j * n + i] = v));
      y[i] = (r[0] as number) > 0.5 ? 1 : 0;
    }
    const ll = trainLinearLearner({ predictor_type: 'binary_classifier', feature_dim: String(cols), epochs: '2', mini_batch_size: '50' }, { train: { x, y } }).model;
    const llRoot = mkdtempSync(join(tmpdir(), 'loam-bt-ll-'));
    try {
      const llPaths = transformPaths(llRoot);
      mkdirSync(llPaths.modelArchiveDir, { recursive: true });
      mkdirSync(llPaths.inputDir, { recursive: true });
      const md = join(llRoot, 'm');
      mkdirSync(md);
      writeFileSync(join(md, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'linear-learner', model: ll.toJSON() }));
      await tar.c({ gzip: true, cwd: md, file: join(llPaths.modelArchiveDir, 'model.tar.gz') }, ['loam-model.json']);
      const lines = Array.from({ length: 6 }, () => row());
      writeFileSync(join(llPaths.inputDir, 'a.csv'), lines.map((l) => `${l.join(',')}\n`).join(''));
      const container = { image: { type: 'builtin' as const, algorithm: 'linear-learner' }, environment: {}, hasModelData: true, hasSourceDir: false };
      // No TransformOutput.Accept: the model answers {"predictions": [...]} (application/json), not CSV.
      await runTransform(config({ container, outputFilter: '$.predicted_label' }), llPaths, () => undefined);
      const labels = lines.map((l) => (ll.predictRow(l.map(Number)) as { predicted_label: number }).predicted_label);
      expect(readFileSync(join(llPaths.outputDir, 'a.csv.out'), 'utf8')).toBe(labels.map((v) => `${String(v)}\n`).join(''));
      await runTransform(config({ container, joinSource: 'Input', outputFilter: '$[0,-1]' }), llPaths, () => undefined);
      const joined = readFileSync(join(llPaths.outputDir, 'a.csv.out'), 'utf8').trim().split('\n').map(parseCsvRow);
      expect(joined.map(([id, out]) => [id, (JSON.parse(out as string) as { predicted_label: number }).predicted_label])).toEqual(lines.map((l, i) => [l[0], labels[i]]));
    } finally {
      rmSync(llRoot, { recursive: true, force: true });
    }
  }, 120_000);
});
