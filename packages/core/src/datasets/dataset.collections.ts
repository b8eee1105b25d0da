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
