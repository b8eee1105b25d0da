import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DenseMatrix } from '@loam/ml/data/index';
import { GbdtModel } from '@loam/ml/gbdt/index';
import { KMeansModel } from '@loam/ml/kmeans/index';
import { LinearLearnerModel } from '@loam/ml/linear/index';
import { PcaModel } from '@loam/ml/pca/index';
import { builtinModelFile } from '../images/builtin-algorithms.js';
import { deepArPredictor } from '../images/deepar-predictor.js';
import { InferenceInputError } from './inference-error.js';
import { inputFormat, mediaType, parseRows, type PayloadFormat, type Rows } from './payload-codecs.js';
import { selectedCsv, selectedOutputs, selectRecord, type SelectKey } from './xgboost-selectable.js';

/** What a model answers to one invocation. */
export interface InferenceOutput {
  readonly body: string;
  readonly contentType: string;
}

/** A loaded model that answers `/invocations` payloads. */
export interface Predictor {
  readonly algorithm: string;
  /** @throws InferenceInputError (4xx) for a payload or Accept it cannot serve. */
  invoke(body: Buffer, contentType: string | undefined, accept: string | undefined): InferenceOutput;
}

type RecordOut = Readonly<Record<string, number | readonly number[]>>;

/**
 * An algorithm's answer for a payload: named records (`{score, predicted_label}`,
 * `{closest_cluster, …}`, `{projection}`), or, for GBDT, its scores as one row-major array
 * (`perRow` values per row) so a large batch is encoded in one pass without per-row objects.
 */
type Predictions =
  | { readonly kind: 'records'; readonly records: readonly RecordOut[] }
  | { readonly kind: 'scores'; readonly count: number; readonly perRow: number; readonly scores: Float64Array };

interface Algorithm {
  readonly name: string;
  readonly width: number;
  readonly inputs: readonly PayloadFormat[];
  readonly defaultInput: PayloadFormat;
  readonly defaultAccept: 'text/csv' | 'application/json';
  /** The member an `application/json` answer holds its records in: `predictions`, or PCA's `projections`. */
  readonly jsonKey: 'predictions' | 'projections';
  /** A feature a sparse JSON record leaves out: missing for GBDT (as in libsvm), 0 for the linear models (a sparse tensor's zero). */
  readonly sparseAbsent: number;
  /** A CSV encoding of the algorithm's own (XGBoost's selectable output), instead of {@link toCsv}. */
  readonly csv?: (p: Predictions, batch: boolean) => string;
  predict(rows: Rows): Predictions;
}

/** Options of a model server process. */
export interface PredictorOptions {
  /**
   * Batch transform (`SAGEMAKER_BATCH=true`): a GBDT's single-score CSV answer is one prediction per
   * line, each ending with a newline, as SageMaker's XGBoost answers a mini-batch; otherwise it is
   * one comma-separated line, as it answers an endpoint.
   */
  readonly batch?: boolean;
  /**
   * The container's environment (the model's `Environment`), for built-ins that read settings from it
   * (DeepAR's `DEEPAR_INFERENCE_CONFIG`); default: this process's environment, which is the
   * container's when the model server runs as its own process.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function rowAt(rows: Rows, i: number, width: number): Float32Array {
  return rows.values.subarray(i * width, (i + 1) * width);
}

/** Row-major rows → the column-major matrix the GBDT's batch predict reads. */
function toMatrix(rows: Rows, width: number): DenseMatrix {
  const n = rows.count;
  const src = rows.values;
  const data = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const base = i * width;
    for (let j = 0; j < width; j++) data[j * n + i] = src[base + j] as number;
  }
  return { rows: n, cols: width, data };
}

function gbdt(model: GbdtModel, selected?: readonly SelectKey[]): Algorithm {
  const width = model.numFeatures;
  const { objective, numGroups } = model.data;
  const scoresOf = (rows: Rows): Predictions => {
    // One row (real-time inference): straight from the parsed values. More: one call to the model's
    // batch predict over the whole payload (it walks the trees in row blocks).
    const scores = rows.count === 1 ? model.predictRow(rows.values.subarray(0, width)) : model.predict(toMatrix(rows, width));
    return { kind: 'scores', count: rows.count, perRow: model.outputsPerRow, scores };
  };
  if (!selected) {
    return { name: 'xgboost', width, inputs: ['csv', 'libsvm', 'json', 'jsonlines'], defaultInput: 'csv', defaultAccept: 'text/csv', jsonKey: 'predictions', sparseAbsent: NaN, predict: scoresOf };
  }
  // SAGEMAKER_INFERENCE_OUTPUT: each row answers the selected keys (predicted_label, probabilities, …).
  return {
    name: 'xgboost', width, inputs: ['csv', 'libsvm', 'json', 'jsonlines'], defaultInput: 'csv', defaultAccept: 'text/csv', jsonKey: 'predictions', sparseAbsent: NaN,
    predict(rows) {
      const p = scoresOf(rows) as Extract<Predictions, { kind: 'scores' }>;
      return { kind: 'records', records: Array.from({ length: p.count }, (_, i) => selectRecord(selected, objective, numGroups, p.scores, p.perRow, i)) };
    },
    csv: (p, batch) => selectedCsv(asRecords(p), selected, objective, batch),
  };
}

function generic(name: string, width: number, one: (row: Float32Array) => RecordOut, jsonKey: Algorithm['jsonKey'] = 'predictions'): Algorithm {
  return {
    name, width, inputs: ['csv', 'json', 'jsonlines'], defaultInput: 'csv', defaultAccept: 'application/json', jsonKey, sparseAbsent: 0,
    predict(rows) {
      const records: RecordOut[] = new Array(rows.count);
      for (let i = 0; i < rows.count; i++) records[i] = one(rowAt(rows, i, width));
      return { kind: 'records', records };
    },
  };
}

function asRecords(p: Predictions): readonly RecordOut[] {
  if (p.kind === 'records') return p.records;
  const out: RecordOut[] = new Array(p.count);
  for (let i = 0; i < p.count; i++) out[i] = { score: p.perRow === 1 ? (p.scores[i] as number) : Array.from(p.scores.subarray(i * p.perRow, (i + 1) * p.perRow)) };
  return out;
}

/**
 * CSV: one line per row, its values comma-joined. A one-value-per-row answer is one comma-joined
 * line, as SageMaker's XGBoost answers an endpoint, or in batch mode one value per line. In batch mode every
 * line ends with a newline, so mini-batches concatenated (AssembleWith None) stay one row per line.
 */
function toCsv(p: Predictions, batch: boolean): string {
  if (p.kind === 'scores') {
    const { scores, perRow, count } = p;
    let out = '';
    if (perRow === 1) {
      const sep = batch ? '\n' : ',';
      for (let i = 0; i < count; i++) out += i === 0 ? String(scores[i]) : sep + String(scores[i]);
      return batch ? `${out}\n` : out;
    }
    for (let i = 0; i < count; i++) {
      if (i > 0) out += '\n';
      for (let g = 0; g < perRow; g++) out += g === 0 ? String(scores[i * perRow]) : `,${String(scores[i * perRow + g])}`;
    }
    return batch ? `${out}\n` : out;
  }
  const text = p.records.map((r) => Object.values(r).flatMap((v) => (typeof v === 'number' ? [v] : [...v])).join(',')).join('\n');
  return batch ? `${text}\n` : text;
}

function encode(p: Predictions, accept: string | undefined, a: Algorithm, batch: boolean, defaultAccept: string): InferenceOutput {
  let t = mediaType(accept);
  if (t === '' || t === '*/*') t = defaultAccept;
  if (t === 'text/csv') return { body: a.csv ? a.csv(p, batch) : toCsv(p, batch), contentType: 'text/csv; charset=utf-8' };
  // SageMaker's JSON answers: `{"predictions": [...]}`, PCA's `{"projections": [{"projection": [...]}, ...]}`.
  if (t === 'application/json') return { body: JSON.stringify({ [a.jsonKey]: asRecords(p) }), contentType: 'application/json' };
  if (t === 'application/jsonlines' || t === 'application/x-jsonlines') {
    // In batch every line ends with a newline, so mini-batches assembled with AssembleWith None stay one record per line.
    const text = asRecords(p).map((r) => JSON.stringify(r)).join('\n');
    return { body: batch ? `${text}\n` : text, contentType: 'application/jsonlines' };
  }
  throw new InferenceInputError(406, `Accept '${accept}' is not supported by the ${a.name} model server; use text/csv, application/json or application/jsonlines.`);
}

/** A predictor for an algorithm: parse the payload into one matrix, predict, encode in one pass. */
export function predictorFor(a: Algorithm, options: PredictorOptions = {}): Predictor {
  const batch = options.batch === true;
  // Without an Accept (or with */*), the container's SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, as SageMaker's containers answer.
  const defaultAccept = mediaType((options.env ?? process.env)['SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT']) || a.defaultAccept;
  // Small CSV payloads (real-time requests) are parsed into this one buffer: invoke is synchronous
  // and the rows never outlive it (every algorithm's predict copies what it keeps).
  const scratch = new Float32Array(Math.max(a.width, 4096));
  return {
    algorithm: a.name,
    invoke(body, contentType, accept) {
      const format = inputFormat(contentType, a.inputs, a.name, a.defaultInput);
      if (body.length === 0) throw new InferenceInputError(400, 'The request body is empty; send at least one row.');
      return encode(a.predict(parseRows(format, body, a.width, scratch, a.sparseAbsent)), accept, a, batch, defaultAccept);
    },
  };
}

/**
 * Loads the model a built-in image wrote (`loam-model.json` in the extracted model.tar.gz).
 * @throws Error naming the file when it is missing or not a Loam built-in model.
 */
export function loadBuiltinPredictor(modelDir: string, options: PredictorOptions = {}): Predictor {
  const path = join(modelDir, builtinModelFile);
  let doc: { format?: string; algorithm?: string; model?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch (e) {
    throw new Error(`The model archive has no readable ${builtinModelFile} (written by Loam's built-in training images): ${(e as Error).message}`);
  }
  if (doc.format !== 'loam.builtin-model') throw new Error(`${builtinModelFile} is not a Loam built-in model (format '${String(doc.format)}').`);
  switch (doc.algorithm) {
    case 'xgboost': {
      const m = GbdtModel.fromJSON(doc.model as never);
      return predictorFor(gbdt(m, selectedOutputs(options.env ?? process.env, m.objective)), options);
    }
    case 'linear-learner': {
      const m = LinearLearnerModel.fromJSON(doc.model);
      return predictorFor(generic('linear-learner', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut), options);
    }
    case 'kmeans': {
      const m = KMeansModel.fromJSON(doc.model);
      return predictorFor(generic('kmeans', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut), options);
    }
    case 'pca': {
      const m = PcaModel.fromJSON(doc.model);
      return predictorFor(generic('pca', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut, 'projections'), options);
    }
    case 'forecasting-deepar': return deepArPredictor(doc.model, options.env ?? process.env);
    default: throw new Error(`${builtinModelFile} names algorithm '${String(doc.algorithm)}', which this model server does not serve.`);
  }
}
