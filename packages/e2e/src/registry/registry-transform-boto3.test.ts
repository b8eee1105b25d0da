import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt, type GbdtModel } from '@loam/ml/gbdt/index';
import { boto3, useAwsLoam, type AwsLoam } from '../aws/aws-loam.test-support.js';
import { runLoam } from '../loam-process.test-support.js';

/**
 * boto3 (Debian's python3-boto3, unchanged) against `loam up`: the Model Registry (group, version,
 * approval, deploy from the package), lineage, and a batch transform job whose output it downloads.
 */
let loam: AwsLoam;
let model: GbdtModel;
const rows: number[][] = [];

useAwsLoam((started) => (loam = started));
beforeAll(async () => {
  let s = 3;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = 300;
  const x = createMatrix(n, 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = [rand(), rand(), rand()].map((v) => Math.round(v * 1e4) / 1e4);
    rows.push(r);
    r.forEach((v, j) => (x.data[j * n + i] = v));
    y[i] = (r[0] as number) > 0.5 ? 1 : 0;
  }
  model = await trainGbdt({ x, y }, { num_round: 5, max_depth: 3, objective: 'binary:logistic' });
}, 90_000);

/**
 * Through boto3: a model package group `churn` with version 1 approved, the model `churn-m` made from it, and a
 * transform job `score` that ran with it. Answers what boto3 saw.
 */
async function registerApproveAndTransform(): Promise<Record<string, any>> {
  const dir = mkdtempSync(join(loam.dataDir, 'model-'));
  try {
    writeFileSync(join(dir, 'loam-model.json'), JSON.stringify({ format: 'loam.builtin-model', version: 1, algorithm: 'xgboost', model: model.toJSON() }));
    await tar.c({ gzip: true, cwd: dir, file: join(dir, 'model.tar.gz') }, ['loam-model.json']);
    writeFileSync(join(dir, 'in.csv'), rows.map((r, i) => `id${i},${r.join(',')}`).join('\n') + '\n');
    return await boto3<Record<string, any>>(loam, `
import time
s3 = client('s3'); sm = client('sagemaker'); ROLE = 'arn:aws:iam::000000000000:role/LoamTests'
s3.create_bucket(Bucket='registry-e2e')
s3.upload_file(ARGS['dir'] + '/model.tar.gz', 'registry-e2e', 'model/model.tar.gz')
s3.upload_file(ARGS['dir'] + '/in.csv', 'registry-e2e', 'in/part.csv')
sm.create_model_package_group(ModelPackageGroupName='churn', ModelPackageGroupDescription='churn models')
arn = sm.create_model_package(ModelPackageGroupName='churn', ModelPackageDescription='xgb',
  InferenceSpecification={'Containers': [{'Image': 'sagemaker-xgboost:1.7-1', 'ModelDataUrl': 's3://registry-e2e/model/model.tar.gz'}],
    'SupportedContentTypes': ['text/csv'], 'SupportedResponseMIMETypes': ['text/csv']},
  ModelMetrics={'ModelQuality': {'Statistics': {'ContentType': 'application/json', 'S3Uri': 's3://registry-e2e/metrics.json'}}},
  CustomerMetadataProperties={'owner': 'risk'})['ModelPackageArn']
pending = error_code(sm.create_model, ModelName='churn-m', ExecutionRoleArn=ROLE, PrimaryContainer={'ModelPackageName': arn})
sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus='Approved', ApprovalDescription='looks good')
d = sm.describe_model_package(ModelPackageName=arn)
listed = sm.list_model_packages(ModelPackageGroupName='churn', ModelApprovalStatus='Approved')['ModelPackageSummaryList']
groups = [g['ModelPackageGroupName'] for p in sm.get_paginator('list_model_package_groups').paginate() for g in p['ModelPackageGroupSummaryList']]
sm.create_model(ModelName='churn-m', ExecutionRoleArn=ROLE, PrimaryContainer={'ModelPackageName': arn})
sm.create_transform_job(TransformJobName='score', ModelName='churn-m',
  TransformInput={'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://registry-e2e/in/'}}, 'ContentType': 'text/csv', 'SplitType': 'Line'},
  TransformOutput={'S3OutputPath': 's3://registry-e2e/out', 'AssembleWith': 'Line', 'Accept': 'text/csv'},
  TransformResources={'InstanceType': 'ml.m5.large', 'InstanceCount': 1}, BatchStrategy='MultiRecord',
  DataProcessing={'InputFilter': '$[1:]', 'JoinSource': 'Input', 'OutputFilter': '$[0,-1]'})
for _ in range(600):
  t = sm.describe_transform_job(TransformJobName='score')
  if t['TransformJobStatus'] in ('Completed', 'Failed', 'Stopped'): break
  time.sleep(0.2)
body = s3.get_object(Bucket='registry-e2e', Key='out/part.csv.out')['Body'].read().decode() if t['TransformJobStatus'] == 'Completed' else ''
lineage = sm.query_lineage(StartArns=['arn:loam:sagemaker:us-east-1:000000000000:transform-job/score'], Direction='Ascendants', MaxDepth=3)
print(json.dumps({'arn': arn, 'pending': pending, 'status': d['ModelApprovalStatus'], 'version': d['ModelPackageVersion'], 'approval': d.get('ApprovalDescription'),
  'by': d.get('LastModifiedBy', {}).get('UserProfileName'), 'metrics': d['ModelMetrics']['ModelQuality']['Statistics']['S3Uri'], 'listed': len(listed), 'groups': groups,
  'transform': t['TransformJobStatus'], 'reason': t.get('FailureReason'), 'body': body, 'lineage': [v['Arn'] for v in lineage['Vertices']]}))
`, { dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('boto3: registry, lineage and batch transform', () => {
  it('registers, approves and deploys a version; lineage and a transform job follow', async () => {
    const out = await registerApproveAndTransform();
    expect(out['arn']).toBe('arn:loam:sagemaker:us-east-1:000000000000:model-package/churn/1');
    expect(out['pending']).toBe('ValidationException');
    expect(out).toMatchObject({ status: 'Approved', version: 1, approval: 'looks good', by: 'admin', metrics: 's3://registry-e2e/metrics.json', listed: 1, groups: ['churn'] });
    expect(out['transform'], out['reason']).toBe('Completed');
    expect(out['body']).toBe(rows.map((r, i) => `id${i},${model.predictRow(r)[0] as number}\n`).join(''));
    expect(out['lineage']).toEqual(expect.arrayContaining([
      'arn:loam:sagemaker:us-east-1:000000000000:model/churn-m', 'arn:loam:sagemaker:us-east-1:000000000000:model-package/churn/1',
    ]));
  }, 180_000);

  it('the loam CLI: registry versions, reject with a comment, history; loam transform waits for the job', async ({ task }) => {
    // It reads what the first test made; CI's retry runs on a new server (useAwsLoam), so it makes that again.
    if ((task.result?.retryCount ?? 0) > 0) await registerApproveAndTransform();
    const cli = async (...args: string[]) => {
      const r = await runLoam(['--data-dir', loam.dataDir, ...args, '--json']);
      if (r.code !== 0) throw new Error(`loam ${args.join(' ')}: ${r.stderr}`);
      // A waiting command (transform) prints JSON Lines: created, status…, then the description.
      const text = r.stdout.trim();
      return JSON.parse(text.startsWith('{"event"') ? text.split('\n').at(-1)! : text) as any;
    };
    expect(await cli('registry', 'versions', 'churn')).toMatchObject([{ Version: 1, Status: 'Approved' }]);
    expect(await cli('registry', 'reject', 'churn/1', '--comment', 'drift on May data')).toMatchObject({ ModelApprovalStatus: 'Rejected', ApprovalDescription: 'drift on May data', ApprovedBy: 'admin' });
    expect((await cli('registry', 'history', 'churn')).map((e: { From: string; To: string }) => `${e.From}>${e.To}`)).toEqual(['->PendingManualApproval', 'PendingManualApproval>Approved', 'Approved>Rejected']);
    const t = await cli('transform', 'score-cli', '--model', 'churn-m', '--input', 's3://registry-e2e/in/', '--output', 's3://registry-e2e/cli', '--content-type', 'text/csv', '--env', 'LOAM_NOTE=cli', 'SAGEMAKER_MODEL_SERVER_TIMEOUT=30', '--input-filter', '$[1:]');
    expect(t).toMatchObject({ TransformJobName: 'score-cli', TransformJobStatus: 'Completed', Environment: { LOAM_NOTE: 'cli', SAGEMAKER_MODEL_SERVER_TIMEOUT: '30' } });
    const bad = await runLoam(['--data-dir', loam.dataDir, 'transform', 'score-bad', '--model', 'churn-m', '--input', 's3://registry-e2e/in/', '--output', 's3://registry-e2e/bad', '--env', 'NOEQUALS']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--env 'NOEQUALS' must be KEY=VALUE/);
  }, 180_000);
});
