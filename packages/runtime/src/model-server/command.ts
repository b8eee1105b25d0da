import { fileURLToPath } from 'node:url';
import { ownScript } from '../runner/image-command.js';

/** `node …/model-server/serve-main.js` (or its TypeScript source under tsx in tests): a built-in model's server process. */
export function builtinServerCommand(): { command: string; args: string[] } {
  return ownScript('../model-server/serve-main');
}

/** The Python adapter for script-mode models (model_fn / input_fn / predict_fn / output_fn), shipped in this package. */
export function pythonServerScript(): string {
  // Sources and the build both keep the .py next to this folder's sources (the build does not copy it).
  return fileURLToPath(new URL('../../src/model-server/python/loam_model_server.py', import.meta.url));
}
