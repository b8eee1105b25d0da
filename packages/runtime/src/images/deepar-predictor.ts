import { MlInputError } from '@loam/ml/errors';
import { batchTransformDeepAr, invokeDeepAr, loadDeepArModel, type InferenceConfiguration } from '@loam/ml/deepar/index';
import type { InferenceOutput, Predictor } from '../model-server/builtin-predictor.js';
import { InferenceInputError } from '../model-server/inference-error.js';

const JSON_TYPES = ['application/json', ''];
const JSONL_TYPES = ['application/jsonlines', 'application/x-jsonlines', 'application/jsonl'];

const mediaType = (h: string | undefined): string => (h ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The configuration batch transform uses: SageMaker's DeepAR reads it from the
 * `DEEPAR_INFERENCE_CONFIG` environment variable of the transform job (JSON of `num_samples`,
 * `output_types`, `quantiles`).
 */
function batchConfiguration(env: Readonly<Record<string, string | undefined>>): InferenceConfiguration | undefined {
  const raw = env['DEEPAR_INFERENCE_CONFIG'];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as InferenceConfiguration;
  } catch (e) {
    throw new InferenceInputError(400, `DEEPAR_INFERENCE_CONFIG is not valid JSON (${(e as Error).message}).`);
  }
}

/**
 * The model server of the `forecasting-deepar` image, as SageMaker's DeepAR answers:
 * - `application/json`: `{"instances":[{start, target, cat?, dynamic_feat?}…], "configuration":{num_samples,
 *   output_types, quantiles}}` → `{"predictions":[{mean?, quantiles?, samples?}…]}`;
 * - `application/jsonlines` (batch transform): one instance per line → one prediction per line, with the
 *   configuration from `DEEPAR_INFERENCE_CONFIG`.
 * Bad payloads (a malformed instance, an unknown output type, …) are 400s naming the instance or field.
 *
 * @param saved the model object a `forecasting-deepar` training job wrote (`loam-model.json`'s `model`).
 */
export function deepArPredictor(saved: unknown, env: Readonly<Record<string, string | undefined>> = process.env): Predictor {
  const model = loadDeepArModel(JSON.stringify(saved));
  return {
    algorithm: 'forecasting-deepar',
    invoke(body, contentType, accept): InferenceOutput {
      const type = mediaType(contentType);
      const wanted = mediaType(accept);
      const batch = JSONL_TYPES.includes(type);
      if (!batch && !JSON_TYPES.includes(type)) {
        throw new InferenceInputError(415, `Content-Type '${contentType}' is not supported by the forecasting-deepar model server; use application/json or application/jsonlines.`);
      }
      const okAccept = ['', '*/*', ...(batch ? JSONL_TYPES : ['application/json'])];
      if (!okAccept.includes(wanted)) {
        throw new InferenceInputError(406, `Accept '${accept}' is not supported for a ${batch ? 'JSON Lines' : 'JSON'} request; use ${batch ? 'application/jsonlines' : 'application/json'}.`);
      }
      const text = body.toString('utf8');
      if (text.trim() === '') throw new InferenceInputError(400, 'The request body is empty; send at least one instance.');
      try {
        if (batch) return { body: batchTransformDeepAr(model, text, batchConfiguration(env)), contentType: 'application/jsonlines' };
        return { body: JSON.stringify(invokeDeepAr(model, text)), contentType: 'application/json' };
      } catch (e) {
        if (e instanceof MlInputError) throw new InferenceInputError(400, e.message);
        throw e;
      }
    },
  };
}
