import { ValidationError } from '@loam/core';
import type { ArtifactStore } from '@loam/core';
import type { LocalFsArtifactStoreOptions, LocalFsOpening } from './local-fs/local-fs-artifact-store.js';
import type { S3ArtifactStoreOptions } from './s3/s3-artifact-store.js';

/**
 * Which ArtifactStore to open, picked by `type`. An S3 backend's static keys may be given as Loam's
 * configuration spells them (`accessKeyId`, `secretAccessKey`) or as `credentials`.
 */
export type ArtifactStoreConfig =
  | ({ readonly type: 'local' } & LocalFsArtifactStoreOptions)
  | ({ readonly type: 's3'; readonly accessKeyId?: string; readonly secretAccessKey?: string } & S3ArtifactStoreOptions);

/** `accessKeyId` + `secretAccessKey` → `credentials` (they were ignored: every request then failed unsigned). */
function s3Options(config: Extract<ArtifactStoreConfig, { type: 's3' }>): S3ArtifactStoreOptions {
  const { accessKeyId, secretAccessKey, ...rest } = config;
  if (rest.credentials || (accessKeyId === undefined && secretAccessKey === undefined)) return rest;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
    throw new ValidationError(`artifacts.${missing} is missing: an S3 backend's static keys are given together (or neither, for the AWS SDK's default credentials).`, [{ path: `/artifacts/${missing}`, message: 'required with the other key' }]);
  }
  return { ...rest, credentials: { accessKeyId, secretAccessKey } };
}

/**
 * Every ArtifactStore backend, by config `type`. Each loads its module only when chosen, so a local
 * install never loads the AWS SDK.
 */
const backends: { readonly [T in ArtifactStoreConfig['type']]: (config: Extract<ArtifactStoreConfig, { type: T }>, opening: LocalFsOpening) => Promise<ArtifactStore> } = {
  local: async (config, opening) => (await import('./local-fs/local-fs-artifact-store.js')).LocalFsArtifactStore.open(config, opening),
  s3: async (config) => (await import('./s3/s3-artifact-store.js')).S3ArtifactStore.open(s3Options(config)),
};

export { s3Options as s3ArtifactStoreOptions };

/** The backend types `openArtifactStore` knows. */
export const artifactStoreTypes = Object.keys(backends) as readonly ArtifactStoreConfig['type'][];

/**
 * Opens the configured ArtifactStore. `opening.owner` only for the data directory's owner (the server at
 * its start): a local store then sweeps a crash's temp files; any other process (a job's runner) leaves
 * it out, and touches no temp file of another writer.
 * @throws ValidationException when `type` names no backend (the message lists the valid ones).
 */
export async function openArtifactStore(config: ArtifactStoreConfig, opening: LocalFsOpening = {}): Promise<ArtifactStore> {
  const type = (config as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(backends, type)) {
    const message = `Artifact store type '${String(type)}' is not valid: expected one of ${artifactStoreTypes.map((t) => `'${t}'`).join(', ')}.`;
    throw new ValidationError(message, [{ path: '/artifactStore/type', message: `expected one of ${artifactStoreTypes.join(', ')}` }]);
  }
  const open = backends[type as ArtifactStoreConfig['type']] as (c: ArtifactStoreConfig, o: LocalFsOpening) => Promise<ArtifactStore>;
  return open(config, opening);
}
