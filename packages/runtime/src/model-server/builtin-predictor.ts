import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GbdtModel } from '@loam/ml/gbdt/index';
import { KMeansModel } from '@loam/ml/kmeans/index';
import { LinearLearnerModel } from '@loam/ml/linear/index';
import { PcaModel } from '@loam/ml/pca/index';
import { builtinModelFile } from '../images/builtin-algorithms.js';
import { deepArPredictor } from '../images/deepar-predictor.js';
import { InferenceInputError } from './inference-error.js';
import { inputFormat, mediaType, parseRows, type PayloadFormat, type Rows } from './payload-codecs.js';

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

interface Algorithm {
  readonly name: string;
  readonly width: number;
  readonly inputs: readonly PayloadFormat[];
  readonly defaultInput: PayloadFormat;
  readonly defaultAccept: 'text/csv' | 'application/json';
  /** Predictions as records (`{score}`, `{score, predicted_label}`, `{closest_cluster, …}`, `{projection}`). */
  predict(rows: Rows): RecordOut[];
}

function rowAt(rows: Rows, i: number, width: number): Float32Array {
  return rows.values.subarray(i * width, (i + 1) * width);
}

function gbdt(model: GbdtModel): Algorithm {
  const width = model.numFeatures;
  const multi = model.outputsPerRow > 1;
  return {
    name: 'xgboost', width, inputs: ['csv', 'libsvm', 'json', 'jsonlines'], defaultInput: 'csv', defaultAccept: 'text/csv',
    predict(rows) {
      const out: RecordOut[] = new Array(rows.count);
      for (let i = 0; i < rows.count; i++) {
        const p = model.predictRow(rowAt(rows, i, width));
        out[i] = { score: multi ? Array.from(p) : (p[0] as number) };
      }
      return out;
    },
  };
}

function generic(name: string, width: number, one: (row: Float32Array) => RecordOut): Algorithm {
  return {
    name, width, inputs: ['csv', 'json', 'jsonlines'], defaultInput: 'csv', defaultAccept: 'application/json',
    predict(rows) {
      const out: RecordOut[] = new Array(rows.count);
      for (let i = 0; i < rows.count; i++) out[i] = one(rowAt(rows, i, width));
      return out;
    },
  };
}

/** CSV: one line per row, its values comma-joined; a one-value-per-row answer is one comma-joined line, as SageMaker's XGBoost answers. */
function toCsv(records: readonly RecordOut[], algorithm: string): string {
  const line = (r: RecordOut) => Object.values(r).flatMap((v) => (typeof v === 'number' ? [v] : [...v])).join(',');
  if (algorithm === 'xgboost' && records.every((r) => typeof r['score'] === 'number')) return records.map((r) => String(r['score'])).join(',');
  return records.map(line).join('\n');
}

function encode(records: readonly RecordOut[], accept: string | undefined, a: Algorithm): InferenceOutput {
  let t = mediaType(accept);
  if (t === '' || t === '*/*') t = a.defaultAccept;
  if (t === 'text/csv') return { body: toCsv(records, a.name), contentType: 'text/csv; charset=utf-8' };
  if (t === 'application/json') return { body: JSON.stringify({ predictions: records }), contentType: 'application/json' };
  if (t === 'application/jsonlines' || t === 'application/x-jsonlines') {
    return { body: records.map((r) => JSON.stringify(r)).join('\n'), contentType: 'application/jsonlines' };
  }
  throw new InferenceInputError(406, `Accept '${accept}' is not supported by the ${a.name} model server; use text/csv, application/json or application/jsonlines.`);
}

/** A predictor for an algorithm: parse, predict row by row, encode. */
export function predictorFor(a: Algorithm): Predictor {
  return {
    algorithm: a.name,
    invoke(body, contentType, accept) {
      const format = inputFormat(contentType, a.inputs, a.name, a.defaultInput);
      if (body.length === 0) throw new InferenceInputError(400, 'The request body is empty; send at least one row.');
      const rows = parseRows(format, body.toString('utf8'), a.width);
      return encode(a.predict(rows), accept, a);
    },
  };
}

/**
 * Loads the model a built-in image wrote (`loam-model.json` in the extracted model.tar.gz).
 * @throws Error naming the file when it is missing or not a Loam built-in model.
 */
export function loadBuiltinPredictor(modelDir: string): Predictor {
  const path = join(modelDir, builtinModelFile);
  let doc: { format?: string; algorithm?: string; model?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch (e) {
    throw new Error(`The model archive has no readable ${builtinModelFile} (written by Loam's built-in training images): ${(e as Error).message}`);
  }
  if (doc.format !== 'loam.builtin-model') throw new Error(`${builtinModelFile} is not a Loam built-in model (format '${String(doc.format)}').`);
  switch (doc.algorithm) {
    case 'xgboost': return predictorFor(gbdt(GbdtModel.fromJSON(doc.model as never)));
    case 'linear-learner': {
      const m = LinearLearnerModel.fromJSON(doc.model);
      return predictorFor(generic('linear-learner', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut));
    }
    case 'kmeans': {
      const m = KMeansModel.fromJSON(doc.model);
      return predictorFor(generic('kmeans', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut));
    }
    case 'pca': {
      const m = PcaModel.fromJSON(doc.model);
      return predictorFor(generic('pca', m.featureDim, (row) => m.predictRow(row) as unknown as RecordOut));
    }
    case 'forecasting-deepar': return deepArPredictor(doc.model);
    default: throw new Error(`${builtinModelFile} names algorithm '${String(doc.algorithm)}', which this model server does not serve.`);
  }
}
