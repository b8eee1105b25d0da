import { ValidationError } from '../kernel/errors.js';
import { builtInAlgorithms, imageRepository, own, scriptModeFrameworks, type ProcessImageConfig } from '../jobs/image-resolver.js';
import type { ServingImage } from './model.collections.js';

/**
 * Resolves a model container's `Image` for serving: a process image declared in config (exact name or
 * repository), a framework image in script mode (`SAGEMAKER_PROGRAM` in its Environment), or a built-in
 * algorithm (`sagemaker-xgboost` without `SAGEMAKER_PROGRAM` is the built-in XGBoost).
 * @throws ValidationException naming the field and listing the known images.
 */
export function resolveServingImage(uri: string, field: string, environment: Readonly<Record<string, string>>, processImages: Readonly<Record<string, ProcessImageConfig>>): ServingImage {
  const repo = imageRepository(uri);
  const declared = own(processImages, uri) ?? own(processImages, repo);
  if (declared) {
    return { type: 'process', name: own(processImages, uri) ? uri : repo, command: declared.command, ...(declared.args ? { args: [...declared.args] } : {}), ...(declared.env ? { env: { ...declared.env } } : {}) };
  }
  const program = environment['SAGEMAKER_PROGRAM'];
  const framework = own(scriptModeFrameworks, repo);
  if (framework && program) return { type: 'script', framework, program };
  const algorithm = own(builtInAlgorithms, repo);
  if (algorithm) return { type: 'builtin', algorithm };
  if (framework) {
    throw new ValidationError(`Image '${uri}' at '${field}' is a framework image: set SAGEMAKER_PROGRAM (your inference script) in the container's Environment.`, [
      { path: `/${field.replace(/\./g, '/').replace(/\/Image$/, '/Environment/SAGEMAKER_PROGRAM')}`, message: 'required for a framework image' },
    ]);
  }
  const known = [...new Set([...Object.keys(builtInAlgorithms), ...Object.keys(scriptModeFrameworks), ...Object.keys(processImages)])].sort().join(', ');
  throw new ValidationError(
    `Image '${uri}' at '${field}' is not an image Loam can serve: expected a built-in algorithm or framework image (by repository name) or a process image from config. Known: ${known}.`,
    [{ path: `/${field.replace(/\./g, '/')}`, message: `unknown image; known: ${known}` }],
  );
}
