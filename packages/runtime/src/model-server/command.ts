import { fileURLToPath } from 'node:url';
import { ownScript } from '../runner/image-command.js';

/** `node …/model-server/serve-main.js` (or its TypeScript source under tsx in tests): a built-in model's server process. */
export function builtinServerCommand(): { command: string; args: string[] } {
  return ownScript('../model-server/serve-main');
}

/**
 * What of a model's (or a transform job's) Environment a built-in model's server gets: its settings
 * (`SAGEMAKER_*`, `SM_*`, `LOAM_*`, DeepAR's `DEEPAR_INFERENCE_CONFIG`), never `NODE_OPTIONS`,
 * `LD_PRELOAD` or the like. The server is Loam's own code: a variable that loads code into it would run
 * the caller's code next to the model's files, which may be another user's model.
 */
export function builtinSettings(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => /^(SAGEMAKER_|SM_|LOAM_|DEEPAR_INFERENCE_CONFIG$)/.test(k)));
}

/** The Python adapter for script-mode models (model_fn / input_fn / predict_fn / output_fn), shipped in this package. */
export function pythonServerScript(): string {
  // Sources and the build both keep the .py next to this folder's sources (the build does not copy it).
  return fileURLToPath(new URL('../../src/model-server/python/loam_model_server.py', import.meta.url));
}
