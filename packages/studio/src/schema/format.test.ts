import { describe, expect, it } from 'vitest';
import { formatNumber, formatNumeric } from './format.js';
import { settingRows } from './settings.js';

describe('numbers as a person reads them', () => {
  it('keeps five significant digits of a searched or measured value', () => {
    // What a tuning job's trials held: a continuous range drawn at full double precision.
    expect(formatNumeric('0.160477797958')).toBe('0.16048');
    expect(formatNumeric('0.0796909077662')).toBe('0.079691');
    expect(formatNumber(0.9936299999999)).toBe('0.99363');
    expect(formatNumber(0.99363)).toBe('0.99363');
    expect(formatNumber(51.234567)).toBe('51.235');
  });

  it('leaves whole numbers, text and short values as they are; goes to exponent form at the extremes', () => {
    expect(formatNumeric('5')).toBe('5');
    expect(formatNumeric('binary:logistic')).toBe('binary:logistic');
    expect(formatNumeric('0.2')).toBe('0.2');
    expect(formatNumber(123456.789)).toBe('123457');
    expect(formatNumber(0.000012345678)).toBe('1.2346e-5');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});

describe('settings as labelled fields', () => {
  it('flattens a transform input into its members, named by their own labels', () => {
    const rows = settingRows({ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/score/' } }, ContentType: 'text/csv', SplitType: 'Line' });
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ['S3 data type', 'S3Prefix'],
      ['S3 URI', 's3://data/score/'],
      ['Content type', 'text/csv'],
      ['Split type', 'Line'],
    ]);
  });

  it('names a member by its parent when two would read the same, joins lists, skips nothing set', () => {
    const rows = settingRows({ A: { KmsKeyId: 'k1' }, B: { KmsKeyId: 'k2' }, Modes: ['Input', 'Output'], Gone: undefined });
    expect(rows.map((r) => [r.path, r.label, r.value])).toEqual([
      ['A.KmsKeyId', 'A: KMS key ID', 'k1'],
      ['B.KmsKeyId', 'B: KMS key ID', 'k2'],
      ['Modes', 'Modes', 'Input, Output'],
    ]);
    expect(settingRows(undefined)).toEqual([]);
  });
});
