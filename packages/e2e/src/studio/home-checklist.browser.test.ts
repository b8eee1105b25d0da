import { afterEach, describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, screenshot, useStudio } from './browser.test-support.js';
import { trainBreastCancerJob, type LoamUnderTest } from './loam.test-support.js';

// Home's Getting started checklist ticks a step only for an object that reached its successful state, in
// Chromium against a real Loam: a failed training job, a failed endpoint, a failed transform job and a
// version still pending approval leave their steps to do; a completed job and an approved version tick them.

const job = {
  RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
  AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' as const },
  HyperParameters: { num_round: '5', objective: 'reg:squarederror' },
  OutputDataConfig: { S3OutputPath: 's3://models/' },
  ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 1 },
  StoppingCondition: { MaxRuntimeInSeconds: 600 },
};

async function settled<T>(what: string, read: () => Promise<T>, done: (x: T) => boolean): Promise<T> {
  for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 500))) {
    const x = await read();
    if (done(x)) return x;
    if (Date.now() - started > 120_000) throw new Error(`${what} did not settle: ${JSON.stringify(x)}`);
  }
}

/** One object of each kind that did not succeed. */
async function failures(t: LoamUnderTest): Promise<void> {
  await t.platform.artifacts.ensureBucket('models');
  // Not a model archive: an endpoint and a transform job on it fail as the model loads.
  const put = (key: string, text: string) => t.platform.artifacts.put({ bucket: 'models', key }, Buffer.from(text));
  await put('broken/model.tar.gz', 'not a tar.gz');
  await put('score/rows.csv', '1,2,3\n');
  await put('words/rows.csv', 'yes,no\nmaybe,so\n');
  // Words where XGBoost reads numbers fail the job.
  await t.admin.CreateTrainingJob({ ...job, TrainingJobName: 'bc-empty', InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://models/words/' } } }] });
  await t.admin.CreateModel({ ModelName: 'broken', ExecutionRoleArn: job.RoleArn, PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/broken/model.tar.gz' } });
  await t.admin.CreateEndpointConfig({ EndpointConfigName: 'broken', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'broken', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 }] });
  await t.admin.CreateEndpoint({ EndpointName: 'broken', EndpointConfigName: 'broken' });
  await t.admin.CreateTransformJob({
    TransformJobName: 'broken-score', ModelName: 'broken',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://models/score/' } }, ContentType: 'text/csv', SplitType: 'Line' },
    TransformOutput: { S3OutputPath: 's3://models/scored/' }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  } as never);
  await t.admin.CreateModelPackageGroup({ ModelPackageGroupName: 'pending-models' });
  await t.admin.CreateModelPackage({ ModelPackageGroupName: 'pending-models', InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/broken/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] } } as never);
  await settled('training job bc-empty', async () => (await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-empty' })).TrainingJobStatus, (s) => s !== 'InProgress');
  await settled('endpoint broken', async () => (await t.admin.DescribeEndpoint({ EndpointName: 'broken' })).EndpointStatus, (s) => s !== 'Creating');
  await settled('transform job broken-score', async () => (await t.admin.DescribeTransformJob({ TransformJobName: 'broken-score' })).TransformJobStatus, (s) => s !== 'InProgress');
}

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe("Home's Getting started checklist", { retry: 0 }, () => {
  const studio = useStudio({ setupTimeout: 240_000, prepare: failures });
  const { check, heading } = studio;
  const step = (label: string) => studio.page.getByRole('region', { name: 'Getting started' }).getByRole('listitem').filter({ hasText: label });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await screenshot(studio.page, `home-checklist-failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
  });

  it('leaves a step to do while its objects failed or wait for approval', async () => {
    const { t, page } = studio;
    // What the checklist is looking at.
    expect((await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-empty' })).TrainingJobStatus).toBe('Failed');
    expect((await t.admin.DescribeEndpoint({ EndpointName: 'broken' })).EndpointStatus).toBe('Failed');
    expect((await t.admin.DescribeTransformJob({ TransformJobName: 'broken-score' })).TransformJobStatus).toBe('Failed');
    await page.goto(new URL('/', page.url()).href);
    await heading('Welcome, admin').waitFor();
    for (const label of ['Train the built-in XGBoost', 'Register and approve the best model', 'Deploy and invoke an endpoint', 'Score a file with batch transform']) {
      await step(label).getByText('— to do').waitFor();
    }
    await check('hc01-failed-steps-to-do');
  });

  it('ticks training once a job completed, and the registry once a version is approved', async () => {
    const { t, page } = studio;
    await trainBreastCancerJob(t, 'reg:squarederror');
    const pending = (await t.admin.ListModelPackages({ ModelPackageGroupName: 'pending-models' })).ModelPackageSummaryList[0]!;
    await t.admin.UpdateModelPackage({ ModelPackageArn: pending.ModelPackageArn, ModelApprovalStatus: 'Approved' });
    await page.reload();
    await heading('Welcome, admin').waitFor();
    await step('Train the built-in XGBoost').getByText('— done').waitFor();
    await step('Register and approve the best model').getByText('— done').waitFor();
    // The failed endpoint and transform job still leave theirs to do.
    await step('Deploy and invoke an endpoint').getByText('— to do').waitFor();
    await step('Score a file with batch transform').getByText('— to do').waitFor();
    await check('hc02-completed-steps-done');
  }, 240_000);

  itHadNoConsoleErrors(studio, 2);
});
