import { ValidationError } from '@loam/core';
import type { ArtifactStore } from '@loam/core';
import type { LocalFsArtifactStoreOptions } from './local-fs/local-fs-artifact-store.js';
import type { S3ArtifactStoreOptions } from './s3/s3-artifact-store.js';

/** Which ArtifactStore to open, picked by `type`. */
export type ArtifactStoreConfig = ({ readonly type: 'local' } & LocalFsArtifactStoreOptions) | ({ readonly type: 's3' } & S3ArtifactStoreOptions);

/**
 * Every ArtifactStore backend, by config `type`. Each loads its module only when chosen, so a local
 * install never loads the AWS SDK.
 */
const backends: { readonly [T in ArtifactStoreConfig['type']]: (config: Extract<ArtifactStoreConfig, { type: T }>) => Promise<ArtifactStore> } = {
  local: async (config) => (await import('./local-fs/local-fs-artifact-store.js')).LocalFsArtifactStore.open(config),
  s3: async (config) => (await import('./s3/s3-artifact-store.js')).S3ArtifactStore.open(config),
};

/** The backend types `openArtifactStore` knows. */
export const artifactStoreTypes = Object.keys(backends) as readonly ArtifactStoreConfig['type'][];

/**
 * Opens the configured ArtifactStore.
 * @throws ValidationException when `type` names no backend (the message lists the valid ones).
 */
export async function openArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  const type = (config as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(backends, type)) {
    const message = `Artifact store type '${String(type)}' is not valid: expected one of ${artifactStoreTypes.map((t) => `'${t}'`).join(', ')}.`;
    throw new ValidationError(message, [{ path: '/artifactStore/type', message: `expected one of ${artifactStoreTypes.join(', ')}` }]);
  }
  const open = backends[type as ArtifactStoreConfig['type']] as (c: ArtifactStoreConfig) => Promise<ArtifactStore>;
  return open(config);
}
