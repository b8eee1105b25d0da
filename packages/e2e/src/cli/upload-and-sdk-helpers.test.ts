import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beforeNextAttempt, nameForAttempt } from '@loam/testkit/vitest/retry.test-support';
import { collect, createLoamClient, LoamApiError, LoamWaiterTimeoutError, paginate, waitForTrainingJob, type LoamClient } from '@loam/sdk';
import { LocalFsArtifactStore } from '@loam/adapters';
import { readCredentialsProfile } from '@loam/cli';
import { removeDataDir, runLoam, startLoamProcess, tempDataDir, waitForExit, type LoamProcess } from '../loam-process.test-support.js';

// A CLI-only user can get a local file into Loam (loam upload), and the SDK pages and waits for them:
// the built CLI and the SDK against a real `loam up`.
describe('loam upload and the SDK helpers, against a real server', () => {
  let dataDir: string;
  let loam: LoamProcess;
  let client: LoamClient;
  const loamCli = (...args: string[]) => runLoam(['--data-dir', dataDir, ...args]);

  beforeAll(async () => {
    dataDir = tempDataDir();
    // The training job's S3OutputPath: Loam never creates an output bucket.
    await (await LocalFsArtifactStore.open({ root: join(dataDir, 'artifacts') })).ensureBucket('sdk-wait');
    loam = await startLoamProcess(dataDir);
    client = createLoamClient({ endpoint: loam.url, token: readCredentialsProfile(loam.info.credentialsFile)!['loam_api_token']! });
    // Label first, no header: what the built-in XGBoost reads as CSV.
    writeFileSync(join(dataDir, 'rows.csv'), Array.from({ length: 40 }, (_, i) => `${i % 2},${(i % 2) + (i % 7) / 10},${(i % 5) / 4}`).join('\n') + '\n');
  });
  afterAll(async () => {
    if (loam && loam.child.exitCode === null) {
      loam.child.kill('SIGKILL');
      await waitForExit(loam.child).catch(() => undefined);
    }
    await removeDataDir(dataDir);
  });

  /**
   * Dataset 'rows' as it was before a test of the chain below (no dataset, or versions 1 and 2), for CI's retry of
   * that test: the failed attempt's versions would shift every version number the retry expects.
   */
  const remakeRows = (versions: number) => async () => {
    await client.DeleteDataset({ DatasetName: 'rows' }).catch(() => undefined);
    for (let v = 0; v < versions; v++) expect((await loamCli('upload', 'rows', join(dataDir, 'rows.csv'), '--no-header')).code).toBe(0);
  };

  it('loam upload creates the dataset and imports a local file as version 1, then 2; --json prints the version', async (context) => {
    beforeNextAttempt(context, remakeRows(0));
    const first = await loamCli('upload', 'rows', join(dataDir, 'rows.csv'), '--no-header');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('created dataset rows\n');
    expect(first.stdout).toMatch(/^DatasetName: rows\nVersion: 1\n/);
    expect(first.stdout).toContain('RowCount: 40\n');
    const second = await loamCli('upload', 'rows', join(dataDir, 'rows.csv'), '--no-header', '--column-type', 'column1=DOUBLE', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('created dataset');
    expect(JSON.parse(second.stdout)).toMatchObject({ DatasetName: 'rows', Version: 2, RowCount: 40, Csv: { Header: false } });
  });

  it('loam upload: a bad flag or a file that cannot be imported exits 1 with the message, and leaves no empty dataset behind', async () => {
    const typo = await loamCli('upload', 'fresh', join(dataDir, 'rows.csv'), '--format', 'xls');
    expect([typo.code, typo.stderr]).toEqual([1, "Error [ValidationException]: --format must be one of csv, parquet, jsonl, got 'xls'\n"]);
    const missing = await loamCli('upload', 'fresh', join(dataDir, 'nope.csv'));
    expect([missing.code, missing.stderr]).toEqual([1, `Error [ValidationException]: Cannot read ${join(dataDir, 'nope.csv')}: no such file.\n`]);
    const refused = await loamCli('upload', 'fresh', join(dataDir, 'rows.csv'), '--no-header', '--column-type', 'column0=BOGUS');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Error \[ValidationException\]: .*'BOGUS'/);
    expect((await client.ListDatasets({})).DatasetSummaries.map((d) => d.DatasetName)).toEqual(['rows']);
  });

  it('SDK: uploadDatasetVersion returns the typed version; its errors are LoamApiError with the server code', async (context) => {
    beforeNextAttempt(context, remakeRows(2));
    const v = await client.uploadDatasetVersion({ DatasetName: 'rows', Body: 'a,b\n1,2\n', FileName: 'two.csv' });
    expect(v).toMatchObject({ DatasetName: 'rows', Version: 3, RowCount: 1, Format: 'csv' });
    const err = await client.uploadDatasetVersion({ DatasetName: 'absent', Body: 'a\n1\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoamApiError);
    expect(err).toMatchObject({ code: 'ResourceNotFound', status: 404 });
  });

  it('SDK: paginate follows NextToken page by page, collect gathers every item', async () => {
    const pages = [];
    for await (const page of paginate(client.ListDatasetVersions, { DatasetName: 'rows', MaxResults: 1 })) pages.push(page.Versions.map((x) => x.Version));
    expect(pages).toEqual([[3], [2], [1]]);
    expect((await collect(client.ListDatasetVersions, { DatasetName: 'rows', MaxResults: 2 }, (p) => p.Versions)).map((x) => x.Version)).toEqual([3, 2, 1]);
  });

  it('SDK: waitForTrainingJob returns the final description (progress through onPoll), or throws LoamWaiterTimeoutError', async ({ task }) => {
    // CI's retry shares the server: it names its job anew (the failed attempt's name is taken).
    const job = nameForAttempt(task, 'sdk-wait');
    const source = (await client.DescribeDatasetVersion({ DatasetName: 'rows', Version: 1 })).SourceUri;
    await client.CreateTrainingJob({
      TrainingJobName: job, RoleArn: 'arn:aws:iam::000000000000:role/Loam',
      AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      HyperParameters: { objective: 'binary:logistic', num_round: '3' },
      InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: source } } }],
      OutputDataConfig: { S3OutputPath: 's3://sdk-wait/out' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 }, StoppingCondition: { MaxRuntimeInSeconds: 600 },
    });
    const timedOut = await waitForTrainingJob(client, job, { timeoutMs: 0 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(LoamWaiterTimeoutError);
    expect(timedOut).toMatchObject({ code: 'WaiterTimeout', lastStatus: 'InProgress' });
    const seen: string[] = [];
    const done = await waitForTrainingJob(client, job, { intervalMs: 200, onPoll: (d) => seen.push(d.TrainingJobStatus) });
    expect(done.TrainingJobStatus, done.FailureReason).toBe('Completed');
    expect(done.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://sdk-wait/out/${job}/output/model.tar.gz`);
    expect(seen.at(-1)).toBe('Completed');
  });
});
