import type { ResolvedImage } from '@loam/contracts';
import { ValidationError } from '../kernel/errors.js';

/** A command declared in config (`images.process.<name>`). */
export interface ProcessImageConfig {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Built-in algorithms by SageMaker's ECR repository name (any region or account): the image URIs
 * SageMaker's SDK produces (`683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1`,
 * `382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1`, …) run the `@loam/ml` algorithm.
 */
export const builtInAlgorithms: Readonly<Record<string, string>> = {
  'sagemaker-xgboost': 'xgboost',
  xgboost: 'xgboost',
  'linear-learner': 'linear-learner',
  kmeans: 'kmeans',
  pca: 'pca',
  'forecasting-deepar': 'forecasting-deepar',
};

/**
 * Built-in processing images by repository name: `data-wrangler` runs a flow document
 * (`core/src/datasets/flows/flow-run-job.ts`); SageMaker's own Data Wrangler container name maps to it.
 */
export const builtInProcessingImages: Readonly<Record<string, string>> = {
  'data-wrangler': 'data-wrangler',
  'sagemaker-data-wrangler-container': 'data-wrangler',
};

/** Framework images whose script mode Loam runs with the configured Python. */
export const scriptModeFrameworks: Readonly<Record<string, string>> = {
  'sagemaker-scikit-learn': 'sklearn',
  'sagemaker-xgboost': 'xgboost',
};

/**
 * A table's own entry for a name a request gave, never one inherited from Object.prototype: an image
 * named `constructor`, `toString` or `__proto__` is an unknown image, not a declared process image.
 */
export function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The repository part of an image URI: `acct.dkr.ecr.region.amazonaws.com/a/b:tag` → `b`. */
export function imageRepository(uri: string): string {
  let rest = uri.trim();
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const segments = rest.split('/');
  if (segments.length > 1 && /[.:]/.test(segments[0] as string)) segments.shift(); // registry host
  const last = segments[segments.length - 1] ?? '';
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

export interface ResolveImageInput {
  readonly uri: string;
  /** The input field that named the image, for error messages (`AlgorithmSpecification.TrainingImage`). */
  readonly field: string;
  readonly kind: 'training-job' | 'processing-job';
  readonly hyperParameters: Readonly<Record<string, string>>;
  readonly hasEntrypoint: boolean;
  readonly processImages: Readonly<Record<string, ProcessImageConfig>>;
}

function unknownImage(input: ResolveImageInput): ValidationError {
  const known = [...Object.keys(builtInAlgorithms), ...Object.keys(builtInProcessingImages), ...Object.keys(scriptModeFrameworks), ...Object.keys(input.processImages)];
  const list = [...new Set(known)].sort().join(', ');
  return new ValidationError(
    `Image '${input.uri}' at '${input.field}' is not an image Loam can run: expected a built-in algorithm or framework image (by repository name) or a process image from config. Known: ${list}.`,
    [{ path: `/${input.field.replace(/\./g, '/')}`, message: `unknown image; known: ${list}` }],
  );
}

/**
 * Resolves `TrainingImage` / `ImageUri` through one registry: a process image declared in config (by
 * its exact name or its repository name), SageMaker's built-in algorithm images, and the scikit-learn
 * and XGBoost framework images in script mode (training with `sagemaker_program`) or by entrypoint
 * (processing), and the built-in processing images (data-wrangler) in processing jobs. The `sagemaker-xgboost` image is the built-in algorithm unless `sagemaker_program` is set.
 * @throws ValidationException naming the field and listing the known images.
 */
export function resolveImage(input: ResolveImageInput): ResolvedImage {
  const { uri } = input;
  if (uri.trim() === '') throw unknownImage(input);
  const repo = imageRepository(uri);
  const declared = own(input.processImages, uri) ?? own(input.processImages, repo);
  if (declared) {
    const name = own(input.processImages, uri) ? uri : repo;
    return { type: 'process', name, uri, command: declared.command, ...(declared.args ? { args: [...declared.args] } : {}), ...(declared.env ? { env: { ...declared.env } } : {}) };
  }
  const framework = own(scriptModeFrameworks, repo);
  const program = input.hyperParameters['sagemaker_program'];
  if (input.kind === 'training-job') {
    if (framework && program !== undefined) return { type: 'script', framework, uri };
    const algorithm = own(builtInAlgorithms, repo);
    if (algorithm && !input.hasEntrypoint) return { type: 'builtin', algorithm, uri };
    if (framework && input.hasEntrypoint) return { type: 'process', name: repo, uri };
    if (own(builtInProcessingImages, repo)) {
      throw new ValidationError(`Image '${uri}' at '${input.field}' is a built-in processing image: run it in a processing job.`, [{ path: `/${input.field.replace(/\./g, '/')}`, message: 'a processing image' }]);
    }
    if (framework) {
      throw new ValidationError(
        `Image '${uri}' at '${input.field}' is a framework image: set the 'sagemaker_program' hyperparameter (script mode) or a ContainerEntrypoint.`,
        [{ path: '/HyperParameters/sagemaker_program', message: 'required for a framework image' }],
      );
    }
    throw unknownImage(input);
  }
  const processing = own(builtInProcessingImages, repo);
  if (processing) return input.hasEntrypoint ? { type: 'process', name: repo, uri } : { type: 'builtin', algorithm: processing, uri };
  if (framework || own(builtInAlgorithms, repo)) {
    if (!input.hasEntrypoint) {
      throw new ValidationError(`Image '${uri}' at '${input.field}' needs a ContainerEntrypoint in a processing job.`, [{ path: '/AppSpecification/ContainerEntrypoint', message: 'required for this image' }]);
    }
    return { type: 'process', name: repo, uri };
  }
  throw unknownImage(input);
}
