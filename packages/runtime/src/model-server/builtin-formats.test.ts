import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { trainKMeans } from '@loam/ml/kmeans/index';
import { trainPca } from '@loam/ml/pca/index';
import { loadBuiltinPredictor, type Predictor, type PredictorOptions } from './builtin-predictor.js';

// The response shapes SageMaker documents for its built-in algorithms (PCA-in-formats, km-in-formats).

const rows = [[1, 2, 3], [2, 1, 0], [4, 4, 1], [0, 3, 2], [3, 0, 4], [1, 1, 1]];

function matrix(): ReturnType<typeof createMatrix> {
  const x = createMatrix(rows.length, 3);
  rows.forEach((r, i) => r.forEach((v, j) => (x.data[j * rows.length + i] = v)));
  return x;
}

function predictor(algorithm: string, model: unknown, options: PredictorOptions = { env: {} }): Predictor {
  const dir = mkdtempSync(join(tmpdir(), 'loam-formats-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm, model }));
    return loadBuiltinPredictor(dir, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const body = Buffer.from('1,2,3\n2,1,0\n');

describe('built-in response formats', () => {
  it('PCA answers application/json as {"projections": [{"projection": [...]}]} and JSON Lines as {"projection": [...]}', () => {
    const model = trainPca({ num_components: '2', feature_dim: '3', mini_batch_size: '6' }, { train: matrix() }).model;
    const p = predictor('pca', model.toJSON());
    const json = JSON.parse(p.invoke(body, 'text/csv', 'application/json').body) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['projections']);
    const projections = json['projections'] as { projection: number[] }[];
    expect(projections).toHaveLength(2);
    for (const r of projections) {
      expect(Object.keys(r)).toEqual(['projection']);
      expect(r.projection).toHaveLength(2);
    }
    const lines = p.invoke(body, 'text/csv', 'application/jsonlines').body.split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual(projections);
    // With no Accept, PCA answers JSON too.
    expect(JSON.parse(p.invoke(body, 'text/csv', undefined).body)).toEqual(json);
  });

  it('k-means answers {"predictions": [{"closest_cluster", "distance_to_cluster"}]}, and CSV with the cluster first', () => {
    const model = trainKMeans({ k: '2', feature_dim: '3' }, { train: matrix() }).model;
    const p = predictor('kmeans', model.toJSON());
    const json = JSON.parse(p.invoke(body, 'text/csv', 'application/json').body) as { predictions: Record<string, number>[] };
    expect(json.predictions.map((r) => Object.keys(r))).toEqual([['closest_cluster', 'distance_to_cluster'], ['closest_cluster', 'distance_to_cluster']]);
    const csv = p.invoke(body, 'text/csv', 'text/csv').body.split('\n').map((l) => l.split(',').map(Number));
    expect(csv).toEqual(json.predictions.map((r) => [r['closest_cluster'], r['distance_to_cluster']]));
  });

  it('reads every common JSON request form SageMaker documents: features arrays, data.features.values, and sparse keys/shape', () => {
    const model = trainKMeans({ k: '2', feature_dim: '3' }, { train: matrix() }).model;
    const p = predictor('kmeans', model.toJSON());
    const want = p.invoke(Buffer.from('1,2,3\n0,4,0\n'), 'text/csv', 'application/json').body;
    const forms = [
      { instances: [{ features: [1, 2, 3] }, { features: [0, 4, 0] }] },
      { instances: [{ data: { features: { values: [1, 2, 3] } } }, { data: { features: { values: [0, 4, 0] } } }] },
      { instances: [{ data: { features: { keys: [0, 1, 2], shape: [3], values: [1, 2, 3] } } }, { data: { features: { keys: [1], shape: [3], values: [4] } } }] },
    ];
    for (const f of forms) expect(p.invoke(Buffer.from(JSON.stringify(f)), 'application/json', 'application/json').body, JSON.stringify(f)).toBe(want);
    const lines = '{"features": [1, 2, 3]}\n{"data": {"features": {"keys": [1], "shape": [3], "values": [4]}}}\n';
    expect(p.invoke(Buffer.from(lines), 'application/jsonlines', 'application/json').body).toBe(want);
    // Sparse records that cannot fit the model are refused, naming the record.
    const bad = (features: unknown) => () => p.invoke(Buffer.from(JSON.stringify({ instances: [{ data: { features } }] })), 'application/json', 'application/json');
    expect(bad({ keys: [3], shape: [4], values: [1] })).toThrow('Record 1: sparse features have shape [4]; the model expects 3 features.');
    expect(bad({ keys: [5], values: [1] })).toThrow("Record 1: feature index 5 is beyond the model's 3 features (0-based).");
    expect(bad({ keys: [0, 1], values: [1] })).toThrow('Record 1: sparse features have 2 keys but 1 values.');
  });

  it('XGBoost answers the keys SAGEMAKER_INFERENCE_OUTPUT selects, in JSON in the container order and in CSV in the order asked', async () => {
    const x = matrix();
    const binary = (await trainGbdt({ x, y: new Float64Array([1, 0, 1, 0, 1, 0]) }, { num_round: 3, max_depth: 2, objective: 'binary:logistic', min_child_weight: 0 })).toJSON();
    const plain = predictor('xgboost', binary);
    const p = (plain.invoke(body, 'text/csv', 'text/csv').body.split(',').map(Number));
    const env = { SAGEMAKER_INFERENCE_OUTPUT: 'Probabilities, predicted_label,labels' };
    const selected = predictor('xgboost', binary, { env });
    expect(JSON.parse(selected.invoke(body, 'text/csv', 'application/json').body)).toEqual({
      predictions: p.map((v) => ({ predicted_label: v > 0.5 ? 1 : 0, labels: [0, 1], probabilities: [1 - v, v] })),
    });
    const csv = (v: number) => `"[${String(1 - v)}, ${String(v)}]",${v > 0.5 ? 1 : 0},"[0, 1]"`;
    expect(selected.invoke(body, 'text/csv', 'text/csv').body).toBe(p.map(csv).join('\n'));
    // In batch transform each row ends with a newline, as the container answers under SAGEMAKER_BATCH.
    expect(predictor('xgboost', binary, { env, batch: true }).invoke(body, 'text/csv', undefined).body).toBe(p.map((v) => `${csv(v)}\n`).join(''));
    // multi:softprob: the most probable class, its probability, every class's; CSV lists as Python prints them.
    const multi = (await trainGbdt({ x, y: new Float64Array([0, 1, 2, 0, 1, 2]) }, { num_round: 2, objective: 'multi:softprob', num_class: 3, min_child_weight: 0 })).toJSON();
    const probs = predictor('xgboost', multi).invoke(body, 'text/csv', 'text/csv').body.split('\n').map((l) => l.split(',').map(Number));
    const m = predictor('xgboost', multi, { env: { SAGEMAKER_INFERENCE_OUTPUT: 'labels,probability,predicted_label' } });
    const top = (ps: number[]) => ps.indexOf(Math.max(...ps));
    expect(JSON.parse(m.invoke(body, 'text/csv', 'application/json').body)).toEqual({
      predictions: probs.map((ps) => ({ predicted_label: top(ps), labels: [0, 1, 2], probability: Math.max(...ps) })),
    });
    expect(m.invoke(body, 'text/csv', 'text/csv').body).toBe(probs.map((ps) => `"[0, 1, 2]",${String(Math.max(...ps))},${top(ps)}`).join('\n'));
        // A key the objective cannot answer, or an objective with none, is refused when the model loads.
    expect(() => predictor('xgboost', binary, { env: { SAGEMAKER_INFERENCE_OUTPUT: 'predicted_score' } })).toThrow("SAGEMAKER_INFERENCE_OUTPUT key 'predicted_score' is not available for objective 'binary:logistic'");
    const poisson = (await trainGbdt({ x, y: new Float64Array([1, 0, 2, 0, 1, 3]) }, { num_round: 2, objective: 'count:poisson' })).toJSON();
    expect(() => predictor('xgboost', poisson, { env: { SAGEMAKER_INFERENCE_OUTPUT: 'predicted_score' } })).toThrow("objective 'count:poisson' has no selectable inference output");
  });

  it('answers a request without an Accept in the container\'s SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT', async () => {
    const gbdt = (await trainGbdt({ x: matrix(), y: new Float64Array([1, 0, 1, 0, 1, 0]) }, { num_round: 2, objective: 'binary:logistic', min_child_weight: 0 })).toJSON();
    const p = predictor('xgboost', gbdt, { env: { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: 'application/jsonlines' } });
    const scores = predictor('xgboost', gbdt).invoke(body, 'text/csv', undefined).body.split(',').map(Number);
    expect(p.invoke(body, 'text/csv', undefined).body).toBe(scores.map((score) => JSON.stringify({ score })).join('\n'));
    expect(p.invoke(body, 'text/csv', '*/*').contentType).toBe('application/jsonlines');
    expect(p.invoke(body, 'text/csv', 'text/csv').contentType).toBe('text/csv; charset=utf-8');
  });

  it('ends every CSV and JSON Lines row with a newline in batch transform, so AssembleWith None keeps one row per line', () => {
    const km = trainKMeans({ k: '2', feature_dim: '3' }, { train: matrix() }).model.toJSON();
    const endpoint = predictor('kmeans', km);
    const batch = predictor('kmeans', km, { env: {}, batch: true });
    for (const accept of ['text/csv', 'application/jsonlines']) {
      const one = endpoint.invoke(body, 'text/csv', accept).body;
      expect(one.endsWith('\n'), accept).toBe(false);
      expect(batch.invoke(body, 'text/csv', accept).body, accept).toBe(`${one}\n`);
    }
  });
});
