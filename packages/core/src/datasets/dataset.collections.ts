import type { CollectionSpec } from '../ports/metadata-store.js';
import type { ColumnSchema, CsvReadOptions } from '../ports/data-engine.js';

/** A dataset: a name over immutable versions. Times are epoch milliseconds. */
export interface DatasetRecord {
  readonly datasetName: string;
  readonly arn: string;
  readonly description?: string;
  readonly createdAt: number;
  readonly lastModifiedAt: number;
  /** 0 before the first import. */
  readonly latestVersion: number;
}

/**
 * One imported version. `dataUri` is a Parquet snapshot written once and never rewritten, so a flow,
 * a profile or a training job reading version N always sees the same bytes.
 */
export interface DatasetVersionRecord {
  /** `<datasetName>#<version, zero-padded>`: sorts versions in order. */
  readonly id: string;
  readonly datasetName: string;
  readonly version: number;
  readonly createdAt: number;
  readonly sourceUri: string;
  readonly format: 'csv' | 'parquet' | 'jsonl';
  readonly compression: 'none' | 'gzip';
  readonly csv?: Omit<CsvReadOptions, 'columnNames' | 'maxLineBytes'>;
  readonly columnTypes?: Readonly<Record<string, string>>;
  readonly columns: readonly ColumnSchema[];
  readonly rowCount: number;
  readonly sourceBytes: number;
  readonly dataUri: string;
  readonly dataBytes: number;
  readonly dataSha256: string;
}

export function versionId(name: string, version: number): string {
  return `${name}#${String(version).padStart(8, '0')}`;
}

export const datasetsSpec: CollectionSpec<DatasetRecord> = {
  name: 'datasets',
  key: 'datasetName',
  indexes: { createdAt: 'integer', lastModifiedAt: 'integer' },
  unique: ['arn'],
};

export const datasetVersionsSpec: CollectionSpec<DatasetVersionRecord> = {
  name: 'dataset_versions',
  key: 'id',
  indexes: { datasetName: 'text', version: 'integer', createdAt: 'integer' },
};

/**
 * An object of the dataset bucket that this store is about to write, or must still delete: the journal
 * the startup sweep works from, so that it deletes only what this store wrote and never recorded, and
 * never an object it merely does not know (another installation's over the same bucket, or one written
 * after the backup this store was restored from).
 * - `write`: inserted before an import or upload writes the object; the transaction that records the
 *   version naming it deletes it. One left behind (a crash between the write and the commit) is the
 *   sweep's once it is older than the sweep's grace period.
 * - `delete`: inserted by the transaction that deletes the version rows naming the object; removed once
 *   the object is deleted after the commit. One left behind (a failed or interrupted delete) is the
 *   sweep's at the next start.
 */
export interface DatasetObjectIntentRecord {
  /** The object's s3:// URI. */
  readonly uri: string;
  readonly datasetName: string;
  readonly kind: 'write' | 'delete';
  readonly createdAt: number;
  /** Set by a sweep about to delete the object: a commit that finds it records nothing. */
  readonly sweeping?: boolean;
}

export const datasetObjectIntentsSpec: CollectionSpec<DatasetObjectIntentRecord> = {
  name: 'dataset_object_intents',
  key: 'uri',
  indexes: { kind: 'text', createdAt: 'integer' },
};
