import type { CollectionSpec } from '../ports/metadata-store.js';
import { lineageRetirementsCollection } from './lineage-lives.js';

/** SageMaker's ArtifactSourceType: an id of the artifact's content (an ETag, an S3 version, a hash). */
export interface ArtifactSourceType {
  readonly SourceIdType: 'MD5Hash' | 'S3ETag' | 'S3Version' | 'Custom';
  readonly Value: string;
}

/**
 * A data or model location as a lineage vertex. SageMaker keeps such "artifacts" unique per source
 * URI; Loam does the same, with an ARN derived from the URI so any capability can name it without a
 * lookup (see {@link artifactArn}). The capabilities record an artifact with the first four fields
 * (LineageRecorder); CreateArtifact adds the rest, and may adopt an artifact lineage recorded first.
 */
export interface LineageArtifactRecord {
  readonly arn: string;
  /** The URI, without trailing slashes. */
  readonly uri: string;
  /** SageMaker's artifact types: `DataSet`, `Model`, `Image`, … */
  readonly artifactType: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Set by CreateArtifact (and UpdateArtifact): the artifact is the user's, not only lineage's. */
  readonly created?: boolean;
  /** Source.SourceUri as CreateArtifact was given it (trailing slash kept). */
  readonly sourceUri?: string;
  readonly sourceTypes?: readonly ArtifactSourceType[];
  readonly name?: string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly metadataProperties?: Readonly<Record<string, string>>;
  /** Epoch milliseconds; createdAt until the artifact is updated. */
  readonly lastModifiedAt?: number;
}

export const lineageArtifactsCollection: CollectionSpec<LineageArtifactRecord> = {
  name: 'lineage_artifacts',
  key: 'arn',
  indexes: { uri: 'text', createdAt: 'integer', artifactType: 'text' },
  orderIndexes: [{ sortBy: 'createdAt' }],
};

/** The lineage capability's collections, for the metadata store's migrations. */
export const lineageCollections = [lineageArtifactsCollection, lineageRetirementsCollection];
