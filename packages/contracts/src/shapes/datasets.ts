import { Type } from '@sinclair/typebox';
import { Input, MaxResults, NextToken, Output, ResourceName, TagList, Timestamp, StringMap } from './common.js';

const closed = { additionalProperties: false } as const;

export const DatasetName = ResourceName;
export const DatasetVersionNumber = Type.Integer({ minimum: 1, description: 'A version number; the latest when absent.' });
export const S3UriOfData = Type.String({ minLength: 6, maxLength: 1024, pattern: '^s3://[^/]+/.*$' });

export const CsvOptions = Type.Object({
  Delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'Detected when absent (`,` tab `;` `|`).' })),
  Quote: Type.Optional(Type.String({ maxLength: 1, description: "'' for none; default `\"`." })),
  Escape: Type.Optional(Type.String({ maxLength: 1 })),
  Header: Type.Optional(Type.Boolean({ description: 'Detected when absent: a first row with no numbers is a header.' })),
  Encoding: Type.Optional(Type.Union([Type.Literal('utf-8'), Type.Literal('utf-16'), Type.Literal('latin-1')])),
}, closed);

export const ImportOptions = {
  Format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('parquet'), Type.Literal('jsonl')], { description: 'Detected when absent.' })),
  Compression: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('gzip')], { description: 'Detected from the gzip magic when absent.' })),
  Csv: Type.Optional(CsvOptions),
  ColumnTypes: Type.Optional(StringMap({ minLength: 1, maxLength: 256 }, Type.String({ minLength: 1, maxLength: 64 }), { description: 'Type overrides by column: BOOLEAN, BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP.' })),
};

export const Column = Type.Object({ Name: Type.String(), Type: Type.String() });
export const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const DatasetVersion = Type.Object({
  DatasetName: Type.String(),
  Version: Type.Integer(),
  CreationTime: Timestamp,
  SourceUri: Type.String({ description: 'Where the bytes came from: the s3:// URI, or upload:<file name>.' }),
  Format: Type.String(),
  Compression: Type.String(),
  Csv: Type.Optional(Type.Object({ Delimiter: Type.String(), Quote: Type.String(), Escape: Type.String(), Header: Type.Boolean(), Encoding: Type.String() })),
  ColumnTypes: Type.Optional(Type.Record(Type.String(), Type.String())),
  Columns: Type.Array(Column),
  RowCount: Type.Integer(),
  SourceBytes: Type.Integer(),
  DataUri: Type.String({ description: 'The immutable Parquet snapshot of this version: usable as a training channel.' }),
  DataBytes: Type.Integer(),
});

export const CreateDatasetInput = Input({ DatasetName, Description: Type.Optional(Type.String({ maxLength: 1024 })), Tags: Type.Optional(TagList) });
export const CreateDatasetOutput = Output({ DatasetArn: Type.String() });

export const ImportDatasetVersionInput = Input({
  DatasetName, SourceUri: S3UriOfData, ...ImportOptions,
  CreateDataset: Type.Optional(Type.Boolean({ description: 'Create the dataset when it does not exist, in the transaction that records this version (needs sagemaker:CreateDataset too): an import that fails leaves no dataset behind.' })),
  Description: Type.Optional(Type.String({ maxLength: 1024, description: 'The description of a dataset this import creates (only with CreateDataset).' })),
});
export const ImportDatasetVersionOutput = DatasetVersion;

export const DescribeDatasetInput = Input({ DatasetName });
export const DescribeDatasetOutput = Output({
  DatasetName: Type.String(), DatasetArn: Type.String(), Description: Type.Optional(Type.String()),
  CreationTime: Timestamp, LastModifiedTime: Timestamp, LatestVersion: Type.Integer({ description: '0 before the first import.' }),
  Latest: Type.Optional(DatasetVersion),
});

export const ListDatasetsInput = Input({ NameContains: Type.Optional(Type.String({ maxLength: 63 })), MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(NextToken) });
export const DatasetSummary = Type.Object({
  DatasetName: Type.String(), DatasetArn: Type.String(), CreationTime: Timestamp, LastModifiedTime: Timestamp, LatestVersion: Type.Integer(),
  RowCount: Type.Optional(Type.Integer()), ColumnCount: Type.Optional(Type.Integer()),
});
export const ListDatasetsOutput = Output({ DatasetSummaries: Type.Array(DatasetSummary), NextToken: Type.Optional(Type.String()) });

export const DeleteDatasetInput = Input({ DatasetName });

export const DescribeDatasetVersionInput = Input({ DatasetName, Version: Type.Optional(DatasetVersionNumber) });
export const ListDatasetVersionsInput = Input({ DatasetName, MaxResults: Type.Optional(MaxResults), NextToken: Type.Optional(NextToken) });
export const ListDatasetVersionsOutput = Output({ Versions: Type.Array(DatasetVersion), NextToken: Type.Optional(Type.String()) });

export const PreviewDatasetInput = Input({
  DatasetName, Version: Type.Optional(DatasetVersionNumber),
  Limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Rows, default 100.' })),
  Sampling: Type.Optional(Type.Union([Type.Literal('First'), Type.Literal('Random')])),
  Seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
});
export const PreviewDatasetOutput = Output({ Columns: Type.Array(Column), Rows: Type.Array(Type.Array(Cell)), RowCount: Type.Integer() });

const Num = Type.Union([Type.Number(), Type.Null()]);
export const ColumnProfile = Type.Object({
  Name: Type.String(), Type: Type.String(), Kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical'), Type.Literal('datetime'), Type.Literal('boolean'), Type.Literal('text')]),
  Missing: Type.Integer(), MissingRatio: Type.Number(), Distinct: Type.Integer(),
  Min: Type.Optional(Cell), Max: Type.Optional(Cell), Mean: Type.Optional(Num), Std: Type.Optional(Num),
  Quantiles: Type.Optional(Type.Object({ P05: Num, P25: Num, P50: Num, P75: Num, P95: Num })),
  Histogram: Type.Optional(Type.Array(Type.Object({ Low: Type.Number(), High: Type.Number(), Count: Type.Integer() }))),
  TopValues: Type.Optional(Type.Array(Type.Object({ Value: Cell, Count: Type.Integer() }))),
  Outliers: Type.Optional(Type.Integer({ description: 'Values outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR].' })),
});
export const DatasetProfile = Type.Object({
  DatasetName: Type.String(), Version: Type.Integer(), RowCount: Type.Integer(), DuplicateRows: Type.Integer(),
  Columns: Type.Array(ColumnProfile),
  Correlations: Type.Object({ Columns: Type.Array(Type.String()), Pearson: Type.Array(Type.Array(Num)) }),
  TargetColumn: Type.Optional(Type.String()),
  TargetLeakage: Type.Optional(Type.Array(Type.Object({ Column: Type.String(), Score: Type.Number(), Metric: Type.String(), Suspicious: Type.Boolean() }))),
  QuickModel: Type.Optional(Type.Object({
    Problem: Type.String(), Metric: Type.String(), HeldOutScore: Type.Number(), TrainRows: Type.Integer(), TestRows: Type.Integer(),
    FeatureImportance: Type.Array(Type.Object({ Feature: Type.String(), Importance: Type.Number() })),
  })),
});
export const GetDatasetProfileInput = Input({
  DatasetName, Version: Type.Optional(DatasetVersionNumber),
  TargetColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  QuickModel: Type.Optional(Type.Boolean({ description: 'Train a small GBDT on the target (needs TargetColumn).' })),
});
export const GetDatasetProfileOutput = Output({ Profile: DatasetProfile });
