import { describe, expect, it } from 'vitest';
import type { FlowDocument } from './flow-document.js';
import { flowJobName, planFlowJob, type FlowJobPlanInput } from './flow-run-job.js';

const plan = (doc: FlowDocument, sourceUris: Record<string, string>) => planFlowJob({
  jobName: 'flow-f-0123abcd', flowName: 'f', flowVersion: 2, doc, sourceUris, runPrefix: 's3://loam-datasets/flow-runs/f/r1',
  roleArn: 'arn:loam:iam::000000000000:role/loam-data-wrangler', instanceType: 'ml.m5.xlarge',
} satisfies FlowJobPlanInput);

describe('a flow run as a processing job', () => {
  it('stages each distinct dataset version once, writes each destination where its s3Uri says, and adds the manifest', () => {
    const doc: FlowDocument = {
      formatVersion: 1,
      nodes: [
        { id: 'a', type: 'source', dataset: { name: 'd' } },
        { id: 'b', type: 'source', dataset: { name: 'd' } },
        { id: 'j', type: 'transform', transform: 'concatenate', inputs: ['a', 'b'] },
        { id: 'file', type: 'destination', inputs: ['j'], output: { s3Uri: 's3://out/x/train.csv', format: 'csv', header: false } },
        { id: 'dir', type: 'destination', inputs: ['j'], output: { s3Uri: 's3://out/y/' } },
        { id: 'root', type: 'destination', inputs: ['j'], output: { s3Uri: 's3://out', format: 'csv' } },
      ],
    };
    const p = plan(doc, { a: 's3://loam-datasets/datasets/d/v3/data.parquet', b: 's3://loam-datasets/datasets/d/v3/data.parquet' });
    expect(p.request.ProcessingInputs).toEqual([
      { InputName: 'source-0', S3Input: { S3Uri: 's3://loam-datasets/datasets/d/v3/data.parquet', LocalPath: '/opt/ml/processing/input/source-0', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
      { InputName: 'flow', S3Input: { S3Uri: 's3://loam-datasets/flow-runs/f/r1/flow.json', LocalPath: '/opt/ml/processing/input/flow', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
    ]);
    expect(p.document.sources).toEqual({
      a: { path: '/opt/ml/processing/input/source-0/data.parquet', format: 'parquet' },
      b: { path: '/opt/ml/processing/input/source-0/data.parquet', format: 'parquet' },
    });
    expect(p.request.ProcessingOutputConfig?.Outputs.map((o) => [o.OutputName, o.S3Output?.S3Uri, o.S3Output?.LocalPath])).toEqual([
      ['destination-0', 's3://out/x', '/opt/ml/processing/output/destination-0'],
      ['destination-1', 's3://out/y', '/opt/ml/processing/output/destination-1'],
      ['destination-2', 's3://out', '/opt/ml/processing/output/destination-2'],
      ['manifest', 's3://loam-datasets/flow-runs/f/r1/manifest', '/opt/ml/processing/output/manifest'],
    ]);
    expect(p.document.destinations).toEqual({
      file: { path: '/opt/ml/processing/output/destination-0/train.csv', format: 'csv', header: false },
      dir: { path: '/opt/ml/processing/output/destination-1/part-0.parquet', format: 'parquet' },
      root: { path: '/opt/ml/processing/output/destination-2/part-0.csv', format: 'csv' },
    });
    expect(p.outputs).toEqual([
      { nodeId: 'file', s3Uri: 's3://out/x/train.csv', format: 'csv' },
      { nodeId: 'dir', s3Uri: 's3://out/y/part-0.parquet', format: 'parquet' },
      { nodeId: 'root', s3Uri: 's3://out/part-0.csv', format: 'csv' },
    ]);
    expect(p.request.AppSpecification).toEqual({ ImageUri: 'loam/data-wrangler:1' });
    expect(p.manifestUri).toBe('s3://loam-datasets/flow-runs/f/r1/manifest/manifest.json');
  });

  it('names channels by position, so a destination id may be "manifest" or contain a slash', () => {
    const nodes: FlowDocument['nodes'][number][] = [
      { id: 's/1', type: 'source', dataset: { name: 'd' } },
      { id: 'manifest', type: 'destination', inputs: ['s/1'], output: { s3Uri: 's3://out/m/' } },
      { id: 'a/b', type: 'destination', inputs: ['s/1'], output: { s3Uri: 's3://out/n/' } },
    ];
    const p = plan({ formatVersion: 1, nodes }, { 's/1': 's3://b/d.parquet' });
    const locals = p.request.ProcessingOutputConfig?.Outputs.map((o) => o.S3Output?.LocalPath) ?? [];
    expect(new Set(locals).size).toBe(locals.length);
    expect(locals).toEqual(['/opt/ml/processing/output/destination-0', '/opt/ml/processing/output/destination-1', '/opt/ml/processing/output/manifest']);
    expect(p.document.destinations['manifest']?.path).toBe('/opt/ml/processing/output/destination-0/part-0.parquet');
    expect(p.document.sources['s/1']?.path).toBe('/opt/ml/processing/input/source-0/d.parquet');
  });

  it('refuses more destinations than a processing job has outputs for', () => {
    const nodes: FlowDocument['nodes'][number][] = [{ id: 's', type: 'source', dataset: { name: 'd' } }];
    for (let i = 0; i < 10; i++) nodes.push({ id: `o${i}`, type: 'destination', inputs: ['s'], output: { s3Uri: `s3://out/${i}/` } });
    expect(() => plan({ formatVersion: 1, nodes }, { s: 's3://b/d.parquet' })).toThrow("Flow 'f' has 10 destinations; a run can write at most 9.");
  });

  it('names the job flow-<flow>-<8 characters of the run id>, clipped to 63 characters', () => {
    expect(flowJobName('cancer-prep', '0d037a7e-1111-2222-3333-444455556666')).toBe('flow-cancer-prep-0d037a7e');
    const long = flowJobName('a'.repeat(48) + '-b' + 'c'.repeat(13), '0d037a7e-1111');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^flow-a+-0d037a7e$/);
  });
});
