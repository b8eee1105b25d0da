import type { OutputOf, operations } from '@loam/contracts';
import type { DatasetVersionRecord } from './dataset.collections.js';

/** A version as operations answer it (epoch seconds, PascalCase). */
export function describeVersion(r: DatasetVersionRecord): OutputOf<typeof operations.DescribeDatasetVersion> {
  return {
    DatasetName: r.datasetName, Version: r.version, CreationTime: r.createdAt / 1000, SourceUri: r.sourceUri,
    Format: r.format, Compression: r.compression,
    ...(r.csv ? { Csv: { Delimiter: r.csv.delimiter, Quote: r.csv.quote, Escape: r.csv.escape, Header: r.csv.header, Encoding: r.csv.encoding } } : {}),
    ...(r.columnTypes ? { ColumnTypes: { ...r.columnTypes } } : {}),
    Columns: r.columns.map((c) => ({ Name: c.name, Type: c.type })), RowCount: r.rowCount, SourceBytes: r.sourceBytes,
    DataUri: r.dataUri, DataBytes: r.dataBytes,
  };
}
