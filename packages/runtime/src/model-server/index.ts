export { loadBuiltinPredictor, predictorFor, type InferenceOutput, type Predictor, type PredictorOptions } from './builtin-predictor.js';
export { InferenceInputError } from './inference-error.js';
export { mediaType, parseRows, inputFormat, type PayloadFormat, type Rows } from './payload-codecs.js';
export { stageModel, ModelDataError } from './stage-model.js';
export { serveBuiltin, maxPayloadBytes, type ServeOptions } from './serve-main.js';
export { builtinServerCommand, builtinSettings, pythonServerScript } from './command.js';
export { INSTANCE_SECRET_ENV, INSTANCE_SECRET_HEADER, newInstanceSecret, secretMatches } from './instance-secret.js';
export { POOLED_CONNECTION_IDLE_MS } from './pooled-connection.js';
