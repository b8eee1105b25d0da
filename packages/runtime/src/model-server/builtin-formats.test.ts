import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { trainKMeans } from '@loam/ml/kmeans/index';
import { trainPca } from '@loam/ml/pca/index';
import { loadBuiltinPredictor, type Predictor } from './builtin-predictor.js';

// The response shapes SageMaker documents for its built-in algorithms (PCA-in-formats, km-in-formats).

const rows = [[1, 2, 3], [2, 1, 0], [4, 4, 1], [0, 3, 2], [3, 0, 4], [1, 1, 1]];

function matrix(): ReturnType<typeof createMatrix> {
  const x = createMatrix(rows.length, 3);
  rows.forEach((r, i) => r.forEach((v, j) => (x.data[j * rows.length + i] = v)));
  return x;
}

function predictor(algorithm: string, model: unknown): Predictor {
  const dir = mkdtempSync(join(tmpdir(), 'loam-formats-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm, model }));
    return loadBuiltinPredictor(dir);
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
});
