import { describe, expect, it } from 'vitest';
import { metricColumns, reportPaths } from './package-metrics.js';

describe('registry metric columns', () => {
  it('offers numeric metadata and report locations from any version (hand-written packages)', () => {
    const a = { ModelPackageArn: 'a', CustomerMetadataProperties: { auc: '0.91', owner: 'ana' }, ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://b/q.json' } } } };
    const b = { ModelPackageArn: 'b', CustomerMetadataProperties: { rmse: '1.5e-1', auc: 'n/a' } };
    expect(metricColumns([a, b])).toEqual({ numbers: ['auc', 'rmse'], reports: ['ModelQuality.Statistics'] });
    expect(reportPaths(a.ModelMetrics)).toEqual([{ key: 'ModelQuality.Statistics', uri: 's3://b/q.json' }]);
  });
});
