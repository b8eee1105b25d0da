import { describe, expect, it } from 'vitest';
import { requireS3 } from './job-validation.js';

// reliability.md S2: a storage URI that the artifact store would refuse (or read as a traversal) is a
// 400 when the job is created, not a job that fails later.
describe('requireS3', () => {
  it.each(['s3://data/train/', 's3://data/train/part-0.csv', 's3://data', 's3://data/', 's3://data/a%20b/x.csv', 's3://data/x..y/z'])('accepts %s', (uri) => {
    expect(requireS3('F', uri)).toBe(uri);
  });

  it.each([
    ['file:///etc/', /must be an s3:\/\/bucket\/key URI/],
    ['/etc/', /must be an s3:\/\/bucket\/key URI/],
    ['http:///#/../../etc/', /must be an s3:\/\/bucket\/key URI/],
    ['s3://data/../../etc/', /must not contain \. or \.\. segments/],
    ['s3://data/train/?x=../../', /must not contain \. or \.\. segments/],
    ['s3://data/..%2f..%2fetc/', /must be a valid object key/],
    ['s3://data/%2e%2e/%2e%2e/etc/', /must be a valid object key/],
    ['s3://data/%252e%252e%252fetc/', /must be a valid object key/],
    ['s3://data/\uff0e\uff0e/etc/', /must be a valid object key/],
    ['s3://data/a\u0001b/', /must be a valid object key/],
  ])('refuses %j', (uri, message) => {
    let err: { code?: string; message?: string } = {};
    try {
      requireS3('InputDataConfig.0.DataSource.S3DataSource.S3Uri', uri);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('ValidationException');
    expect(err.message).toMatch(message);
    expect(err.message).toContain("at 'InputDataConfig.0.DataSource.S3DataSource.S3Uri'");
  });
});
