import type { Operation } from '../operation.js';
import * as identity from './identity.js';
import * as tags from './tags.js';
import * as trainingJobs from './training-jobs.js';
import * as processingJobs from './processing-jobs.js';
import * as models from './models.js';
import * as endpoints from './endpoints.js';
import * as experiments from './experiments.js';
import * as datasets from './datasets.js';
import * as flows from './flows.js';
import * as modelPackages from './model-packages.js';
import * as lineage from './lineage.js';
import * as transformJobs from './transform-jobs.js';
import * as tuningJobs from './tuning-jobs.js';
import * as buckets from './buckets.js';
import * as jobLogs from './job-logs.js';
import * as search from './search.js';
import * as sagemakerExperiments from './sagemaker-experiments.js';

/**
 * The operation table: every operation Loam serves, by name. Each capability adds its own file here;
 * transports, OpenAPI, the SDK, the CLI and Studio all read this one object.
 */
export const operations = { ...identity, ...tags, ...trainingJobs, ...processingJobs, ...models, ...endpoints, ...experiments, ...datasets, ...flows, ...modelPackages, ...lineage, ...transformJobs, ...tuningJobs, ...buckets, ...jobLogs, ...search, ...sagemakerExperiments } as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;

export const operationList: readonly Operation[] = Object.values(operations) as Operation[];

export function getOperation(name: string): Operation | undefined {
  return Object.hasOwn(operations, name) ? (operations as Record<string, Operation>)[name] : undefined;
}
