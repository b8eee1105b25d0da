import { getOperation } from '@loam/contracts';
import { ValidationError } from '@loam/core';
import { validateInput } from '../operations/validate.js';
import type { TestLoam } from '../compose/loam.test-support.js';

export const role = 'arn:aws:iam::000000000000:role/LoamTests';
export const xgboostImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

/** Calls an operation over REST as the admin; returns status and body. */
export async function call(loam: TestLoam, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number; body: any }> {
  const r = await loam.app.inject({ method, url, headers: { authorization: `Bearer ${loam.adminToken}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
}

/** Polls DescribeTrainingJob until the status is terminal (or throws after `timeoutMs`). */
export async function waitForTrainingJob(loam: TestLoam, name: string, timeoutMs = 60_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const d = await call(loam, 'GET', `/api/v1/training-jobs/${name}`);
    if (['Completed', 'Failed', 'Stopped'].includes(d.body.TrainingJobStatus)) return d.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`training job ${name} still ${d.body.TrainingJobStatus}/${d.body.SecondaryStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function waitForProcessingJob(loam: TestLoam, name: string, timeoutMs = 60_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const d = await call(loam, 'GET', `/api/v1/processing-jobs/${name}`);
    if (['Completed', 'Failed', 'Stopped'].includes(d.body.ProcessingJobStatus)) return d.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`processing job ${name} still ${d.body.ProcessingJobStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A small binary classification set: label first, four features; y = 1 when x0 + x1 > 1. */
export function binaryCsv(rows: number, seed = 1): string {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [rand(), rand(), rand(), rand()];
    out.push([x[0]! + x[1]! > 1 ? 1 : 0, ...x.map((v) => v.toFixed(4))].join(','));
  }
  return `${out.join('\n')}\n`;
}

export function trainingRequest(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TrainingJobName: name,
    RoleArn: role,
    AlgorithmSpecification: { TrainingImage: xgboostImage, TrainingInputMode: 'File' },
    HyperParameters: { num_round: '10', objective: 'binary:logistic', eval_metric: 'auc' },
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/out' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...over,
  };
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtures = fileURLToPath(new URL('../../../runtime/fixtures/', import.meta.url));

/** `tar czf` of the given files of a fixtures folder: a SageMaker `sourcedir.tar.gz`. */
export function sourceDirTarGz(folder: string, files: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'loam-src-'));
  try {
    const out = join(dir, 'sourcedir.tar.gz');
    const r = spawnSync('tar', ['-czf', out, '-C', join(fixtures, folder), ...files]);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Unpacks a model.tar.gz from the artifact store into a temporary directory (system tar, an independent reader). */
export async function extractModel(loam: TestLoam, uri: string): Promise<string> {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as RegExpExecArray;
  const obj = await loam.platform.artifacts.get({ bucket: m[1] as string, key: m[2] as string });
  const chunks: Buffer[] = [];
  for await (const c of obj.body) chunks.push(c as Buffer);
  const dir = mkdtempSync(join(tmpdir(), 'loam-model-'));
  const r = spawnSync('tar', ['-xzf', '-', '-C', dir], { input: Buffer.concat(chunks) });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
  return dir;
}

/** Debian's Python with scikit-learn: the tests need it and say so when it is missing. */
export function requireDebianPython(): void {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sklearn, pandas, joblib']);
  if (r.status !== 0) throw new Error(`These tests need /usr/bin/python3 with scikit-learn and pandas (apt install python3-sklearn python3-pandas): ${r.stderr?.toString()}`);
}

/** The ValidationError message the operation's input validator gives `input`, or '' when it accepts it. */
export function validationMessageOf(operation: string, input: unknown): string {
  try {
    validateInput(getOperation(operation)!, input);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return e.message;
  }
  return '';
}
