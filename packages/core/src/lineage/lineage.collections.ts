import type { CollectionSpec } from '../ports/metadata-store.js';

/**
 * A data or model location as a lineage vertex. SageMaker keeps such "artifacts" unique per source
 * URI; Loam does the same, with an ARN derived from the URI so any capability can name it without a
 * lookup (see {@link artifactArn}).
 */
export interface LineageArtifactRecord {
  readonly arn: string;
  /** The URI, without trailing slashes. */
  readonly uri: string;
  /** SageMaker's artifact types: `DataSet`, `Model`, `Image`, … */
  readonly artifactType: string;
  readonly createdAt: number;
}

export const lineageArtifactsCollection: CollectionSpec<LineageArtifactRecord> = {
  name: 'lineage_artifacts',
  key: 'arn',
  indexes: { uri: 'text', createdAt: 'integer' },
};

/** The lineage capability's collections, for the metadata store's migrations. */
export const lineageCollections = [lineageArtifactsCollection];
