import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { endDetachedJobs } from '@loam/adapters/executors/local/detached-jobs.test-support';
import { silentLogger } from '@loam/core';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { buildLoamApp, loadConfig, openPlatform, startLoam, type Platform } from '@loam/server';
import { registerStudioRoutes } from '@loam/server/http/studio.routes';
import { repoRoot, studioDist } from './studio-build.test-support.js';
import { serverServesStudio } from './studio-served.test-support.js';

export interface LoamUnderTest {
  readonly url: string;
  /** The one-time Studio sign-in link, as `loam up` prints it. */
  readonly loginUrl: string;
  /** A client with the admin's API token: an independent view of what Studio did. */
  readonly admin: LoamClient;
  /** The server's own platform, for seeding what no API call can make (e.g. a model archive built here). */
  readonly platform: Platform;
  /** Whether `startLoam` itself served Studio (else the same app was composed here with the Studio routes). */
  readonly servedByStartLoam: boolean;
  close(): Promise<void>;
}

function apiToken(credentialsFile: string): string {
  const m = /^loam_api_token\s*=\s*(\S+)/m.exec(readFileSync(credentialsFile, 'utf8'));
  if (!m) throw new Error(`no loam_api_token in ${credentialsFile}`);
  return m[1] as string;
}

/**
 * A real Loam on a fresh data directory and a free port: `startLoam` (what `loam up` runs) when it
 * serves Studio; otherwise the same composition (`buildLoamApp` on the real platform) plus
 * `registerStudioRoutes`, so the browser tests still run against real routes while start.ts catches up.
 */
export async function startLoamUnderTest(): Promise<LoamUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'loam-studio-e2e-'));
  const env = { LOAM_LOG__LEVEL: 'silent' };
  const loam = await startLoam({ flags: { port: 0, dataDir }, env });
  if (await serverServesStudio(loam.url)) {
    return {
      url: loam.url,
      loginUrl: loam.loginUrl,
      admin: createLoamClient({ endpoint: loam.url, token: apiToken(loam.credentialsFile) }),
      platform: loam.platform,
      servedByStartLoam: true,
      async close() {
        await loam.close();
        // Job runners outlive their server (a restart adopts them): end them before the data goes.
        await endDetachedJobs(loam.config.executor.workDir);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  await loam.close();
  rmSync(dataDir, { recursive: true, force: true });

  const dir = mkdtempSync(join(tmpdir(), 'loam-studio-e2e-'));
  const { config } = loadConfig({ argv: { port: 0, dataDir: dir }, env, cwd: dir });
  const platform = await openPlatform(config, silentLogger);
  let url = '';
  const app = buildLoamApp(platform, false, () => url);
  registerStudioRoutes(app, { distDir: studioDist });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const admin = await platform.identity.bootstrapAdmin();
  if (!admin) throw new Error('bootstrap did not create the admin');
  const token = await platform.identity.createLoginLink(admin.userName, 900);
  return {
    url,
    loginUrl: `${url}/auth/login?token=${encodeURIComponent(token)}`,
    admin: createLoamClient({ endpoint: url, token: admin.apiToken }),
    platform,
    servedByStartLoam: false,
    async close() {
      await app.close();
      await platform.close();
      await endDetachedJobs(config.executor.workDir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `bucket` through Loam's S3 API (signed with a new access key of the admin) and puts CSV objects in it. */
export async function putCsvObjects(t: LoamUnderTest, bucket: string, objects: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  const key = await t.admin.CreateAccessKey({ UserName: 'admin' });
  const s3 = new S3Client({ endpoint: t.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey } });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [Key, Body] of Object.entries(objects)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType: typeof Body === 'string' ? 'text/csv' : 'application/octet-stream' }));
  } finally {
    s3.destroy();
  }
}

/** The rows of datasets/tabular/breast_cancer.csv, without its header. */
export const breastCancerRows = (): string[] => readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);

/**
 * Trains XGBoost job `bc-xgb` (with `objective`) on the breast-cancer rows put at s3://data/bc/train/, waits for it to
 * complete, creates model group `bc-models`, and returns the job's model artifact. For a `useStudio` prepare.
 */
export async function trainBreastCancerJob(t: LoamUnderTest, objective: string): Promise<string> {
  await putCsvObjects(t, 'data', { 'bc/train/train.csv': `${breastCancerRows().join('\n')}\n` });
  // The job's S3OutputPath: Loam never creates an output bucket.
  await t.platform.artifacts.ensureBucket('models');
  await t.admin.CreateTrainingJob({
    TrainingJobName: 'bc-xgb',
    RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
    AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
    HyperParameters: { num_round: '10', objective },
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/bc/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  });
  // (expect.poll only works inside a test.)
  let artifact = '';
  for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 1000))) {
    const job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-xgb' });
    if (job.TrainingJobStatus === 'Completed') {
      artifact = job.ModelArtifacts?.S3ModelArtifacts ?? '';
      break;
    }
    if (job.TrainingJobStatus === 'Failed' || Date.now() - started > 200_000) throw new Error(`training job bc-xgb: ${job.TrainingJobStatus} ${job.FailureReason ?? ''}`);
  }
  await t.admin.CreateModelPackageGroup({ ModelPackageGroupName: 'bc-models' });
  return artifact;
}
