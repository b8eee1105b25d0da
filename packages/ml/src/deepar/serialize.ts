import { MlInputError } from '../errors.js';
import { parseHyperparameters } from './hyperparameters.js';
import { modelShape, type DeepArModel } from './model.js';

/** The on-disk format name and version; bump the version on any incompatible change. */
export const DEEPAR_MODEL_FORMAT = 'loam-deepar';
export const DEEPAR_MODEL_VERSION = 1;

interface SavedModel {
  format: string;
  version: number;
  hyperparameters: Record<string, string>;
  cardinality: number[];
  numDynamicFeat: number;
  seed: number;
  lags: number[];
  /** Little-endian float64 weights, base64: exact, so a reloaded model forecasts identically. */
  params: string;
}

/** Serializes a model to JSON text (weights bit-exact). */
export function saveDeepArModel(model: DeepArModel): string {
  const bytes = new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength);
  const saved: SavedModel = {
    format: DEEPAR_MODEL_FORMAT,
    version: DEEPAR_MODEL_VERSION,
    hyperparameters: { ...model.rawHyperparameters },
    cardinality: [...model.cardinality],
    numDynamicFeat: model.numDynamicFeat,
    seed: model.seed,
    lags: [...model.features.lags],
    params: Buffer.from(bytes).toString('base64'),
  };
  return JSON.stringify(saved);
}

/**
 * Reads a model written by {@link saveDeepArModel}.
 *
 * @throws MlInputError if the text is not a DeepAR model of a supported version, or its weights do not
 *   match its hyperparameters.
 */
export function loadDeepArModel(text: string): DeepArModel {
  let saved: SavedModel;
  try {
    saved = JSON.parse(text) as SavedModel;
  } catch {
    throw new MlInputError('The model artifact is not JSON.', { artifact: 'model' });
  }
  if (saved?.format !== DEEPAR_MODEL_FORMAT || saved.version !== DEEPAR_MODEL_VERSION) {
    throw new MlInputError(
      `The model artifact is not a ${DEEPAR_MODEL_FORMAT} model of version ${DEEPAR_MODEL_VERSION} (got ${String(saved?.format)} v${String(saved?.version)}).`,
      { artifact: 'model' },
    );
  }
  const hp = parseHyperparameters(saved.hyperparameters);
  const shape = modelShape(hp, saved.cardinality, saved.numDynamicFeat);
  const buf = Buffer.from(saved.params, 'base64');
  if (buf.byteLength !== shape.layout.size * 8 || shape.features.lags.join() !== saved.lags.join()) {
    throw new MlInputError(`The model artifact's weights (${buf.byteLength / 8}) do not match its hyperparameters (${shape.layout.size}).`, { artifact: 'model' });
  }
  const params = new Float64Array(shape.layout.size);
  new Uint8Array(params.buffer).set(buf);
  return {
    rawHyperparameters: saved.hyperparameters, hyperparameters: hp, cardinality: saved.cardinality,
    numDynamicFeat: saved.numDynamicFeat, ...shape, params, seed: saved.seed,
  };
}
