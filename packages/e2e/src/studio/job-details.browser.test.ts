import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.test-support.js';
import { itHadNoConsoleErrors, useStudio } from './browser.test-support.js';
import { putCsvObjects, type LoamUnderTest } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// What a SageMaker console user expects of the job pages, in Chromium against a real Loam: Clone on a
// training job opens the create form filled in with its settings; a transform job's settings read as
// fields; tuning trials show values to a few significant digits (the exact one on hover); an experiment's
// breadcrumb names it; the endpoint-config form asks for each variant's model; Home lists what was made.
const rows = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
const features = rows.slice(450, 470).map((r) => r.split(',').slice(1).join(','));
const role = 'arn:aws:iam::000000000000:role/LoamTests';
const image = 'sagemaker-xgboost:1.7-1';
const channels = [
  { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: 's3://data/bc/train/' } } },
  { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: 's3://data/bc/validation/' } } },
];
const training = {
  TrainingJobName: 'bc-xgb',
  RoleArn: role,
  AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' as const },
  HyperParameters: { num_round: '10', max_depth: '3', objective: 'binary:logistic', eval_metric: 'auc' },
  InputDataConfig: channels,
  OutputDataConfig: { S3OutputPath: 's3://data/models/' },
  ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 3 },
  StoppingCondition: { MaxRuntimeInSeconds: 900 },
  ExperimentConfig: { ExperimentName: 'bc-experiments' },
};

async function seed(t: LoamUnderTest): Promise<void> {
  await putCsvObjects(t, 'data', {
    'bc/train/train.csv': `${rows.slice(0, 400).join('\n')}\n`,
    'bc/validation/validation.csv': `${rows.slice(400, 450).join('\n')}\n`,
    'bc/score/score.csv': `${features.join('\n')}\n`,
  });
  await t.admin.CreateTrainingJob(training);
  const job = await pollUntil(() => t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-xgb' }), (j) => ['Completed', 'Failed', 'Stopped'].includes(j.TrainingJobStatus), 150);
  expect(job.TrainingJobStatus, job.FailureReason ?? '').toBe('Completed');
  await t.admin.CreateHyperParameterTuningJob({
    HyperParameterTuningJobName: 'bc-tune',
    HyperParameterTuningJobConfig: {
      Strategy: 'Random',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.5' }] },
    },
    TrainingJobDefinition: { StaticHyperParameters: { num_round: '5', objective: 'binary:logistic', eval_metric: 'auc' }, AlgorithmSpecification: training.AlgorithmSpecification, RoleArn: role, InputDataConfig: channels, OutputDataConfig: { S3OutputPath: 's3://data/tuning/' }, ResourceConfig: training.ResourceConfig, StoppingCondition: training.StoppingCondition },
  } as never);
  await t.admin.CreateModel({ ModelName: 'bc-model', PrimaryContainer: { Image: image, ModelDataUrl: job.ModelArtifacts?.S3ModelArtifacts ?? '' } });
  await t.admin.CreateTransformJob({
    TransformJobName: 'bc-score',
    ModelName: 'bc-model',
    BatchStrategy: 'MultiRecord',
    TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/bc/score/' } }, ContentType: 'text/csv', SplitType: 'Line' },
    TransformOutput: { S3OutputPath: 's3://data/bc/predictions/', AssembleWith: 'Line', Accept: 'text/csv' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    DataProcessing: { JoinSource: 'Input' },
  } as never);
  await t.admin.CreateModelPackageGroup({ ModelPackageGroupName: 'bc-models' });
  await t.admin.CreateModelPackage({ ModelPackageGroupName: 'bc-models', InferenceSpecification: { Containers: [{ Image: image, ModelDataUrl: job.ModelArtifacts?.S3ModelArtifacts ?? '' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] } } as never);
}

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Job pages as a SageMaker console user expects them', { retry: 0 }, () => {
  const studio = useStudio({ setupTimeout: 240_000, prepare: seed });
  const { check, heading, nav } = studio;

  it('Home lists recent jobs, models and packages across kinds, with status and links', async () => {
    const { page } = studio;
    const activity = page.getByRole('table', { name: 'Recent activity' });
    const row = (kind: string, name: string) => activity.getByRole('row').filter({ hasText: kind }).filter({ has: page.getByRole('link', { name, exact: true }) });
    await row('Training job', 'bc-xgb').getByText('Completed', { exact: true }).waitFor();
    await row('Tuning job', 'bc-tune').waitFor();
    await row('Transform job', 'bc-score').waitFor();
    await row('Model', 'bc-model').waitFor();
    await row('Model package', 'bc-models version 1').getByText('PendingManualApproval', { exact: true }).waitFor();
    // Newest first: the package was registered last, the training job was the first thing made after the admin.
    const names = await activity.getByRole('link').allInnerTexts();
    expect(names.indexOf('bc-models version 1')).toBeLessThan(names.indexOf('bc-xgb'));
    await check('jd01-home-activity');
    await row('Transform job', 'bc-score').getByRole('link').click();
    await heading('bc-score').waitFor();
  });

  it('shows a transform job’s input, output and resources as fields, its JSON only on request', async () => {
    const { page } = studio;
    const field = (section: string, label: string) => page.getByRole('region', { name: section }).locator(`xpath=.//dt[normalize-space()="${label}"]/following-sibling::dd[1]`);
    await expect.poll(() => field('Input', 'S3 URI').innerText()).toBe('s3://data/bc/score/');
    expect(await field('Input', 'Split type').innerText()).toBe('Line');
    expect(await field('Input', 'Join source').innerText()).toBe('Input');
    expect(await field('Output', 'S3 output path').innerText()).toBe('s3://data/bc/predictions/');
    expect(await field('Output', 'Assemble with').innerText()).toBe('Line');
    expect(await field('Resources', 'Instance type').innerText()).toBe('ml.m5.large');
    expect(await field('Resources', 'Instance count').innerText()).toBe('1');
    await page.getByRole('region', { name: 'Model' }).getByRole('link', { name: 'bc-model' }).waitFor();
    // The raw answer is a secondary view: folded until asked for.
    const json = page.getByRole('region', { name: 'JSON' });
    expect(await json.getByRole('code').count()).toBe(0);
    await json.getByRole('button', { name: 'Show JSON' }).click();
    await json.getByText('"TransformJobName": "bc-score"').waitFor();
    await page.getByRole('region', { name: 'Summary' }).getByText(/^(Completed|Failed)$/).first().waitFor({ timeout: 120_000 });
    await check('jd02-transform-fields');
  }, 150_000);

  it('clones a training job: the create form opens with its settings under <name>-copy', async () => {
    const { t, page, watch } = studio;
    await page.goto(`${t.url}/training-jobs/bc-xgb`);
    await heading('bc-xgb').waitFor();
    // Its channels and resources read as fields on the page itself.
    await page.getByRole('region', { name: 'Input data' }).getByText('s3://data/bc/validation/', { exact: true }).waitFor();
    await page.getByRole('region', { name: 'Output and resources' }).getByText('ml.m5.large', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Clone bc-xgb' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create training job' });
    const box = (name: string, scope = dialog) => scope.getByRole('textbox', { name, exact: true });
    await dialog.getByText('Settings copied from').waitFor();
    expect(await box('Training job name').inputValue()).toBe('bc-xgb-copy');
    expect(await box('S3 URI', dialog.getByRole('group', { name: 'Input data config 2' })).inputValue()).toBe('s3://data/bc/validation/');
    expect(await box('Volume size in GB').inputValue()).toBe('3');
    await check('jd03-clone-form');
    // The suggested name is free; a taken one is the server's to refuse, on the name field.
    watch.expect('400 POST /api/v1/training-jobs');
    watch.expect('409 POST /api/v1/training-jobs');
    await box('Training job name').fill('bc-xgb');
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    await expect.poll(() => box('Training job name').getAttribute('aria-invalid')).toBe('true');
    await box('Training job name').fill('bc-xgb-2');
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    await heading('bc-xgb-2').waitFor();
    const copy = await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-xgb-2' });
    const { TrainingJobName: _, ...settings } = training;
    expect(copy).toMatchObject(settings);
  });

  it('shows tuning trials to five significant digits, the exact value as the cell’s title', async () => {
    const { t, page } = studio;
    const d = await pollUntil(() => t.admin.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'bc-tune' }), (j) => j.HyperParameterTuningJobStatus !== 'InProgress', 200);
    expect(d.HyperParameterTuningJobStatus).toBe('Completed');
    await nav('Tuning jobs').click();
    await page.getByRole('link', { name: 'bc-tune', exact: true }).click();
    await heading('bc-tune').waitFor();
    const table = page.getByRole('table', { name: 'Trials' });
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    const trials = await t.admin.ListTrainingJobsForHyperParameterTuningJob({ HyperParameterTuningJobName: 'bc-tune' });
    for (const trial of trials.TrainingJobSummaries) {
      const eta = trial.TunedHyperParameters.eta!;
      const auc = trial.FinalHyperParameterTuningJobObjectiveMetric!.Value;
      const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: trial.TrainingJobName }) });
      const [etaCell, aucCell] = [row.getByRole('cell').nth(2), row.getByRole('cell').nth(3)];
      // Tuned continuous values come with twelve digits; the table keeps five significant ones.
      expect(await etaCell.innerText()).toBe(String(Number(Number(eta).toPrecision(5))));
      expect((await etaCell.innerText()).replace(/^-?0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(5);
      if (String(Number(eta)) !== (await etaCell.innerText())) expect(await etaCell.getAttribute('title')).toBe(eta);
      expect(await aucCell.innerText()).toBe(String(Number(auc.toPrecision(5))));
    }
    // What the job searched, without opening its JSON.
    await page.getByRole('table', { name: 'Hyperparameter ranges' }).getByRole('row', { name: 'eta Continuous 0.05 – 0.5 Auto' }).waitFor();
    await page.getByRole('table', { name: 'Static hyperparameters' }).getByRole('row', { name: 'num_round 5' }).waitFor();
    await check('jd04-tuning-trials');
  }, 240_000);

  it('names the experiment in its breadcrumb, not its ID', async () => {
    const { page } = studio;
    await nav('Experiments').click();
    await page.getByRole('link', { name: 'bc-experiments', exact: true }).click();
    await heading('bc-experiments').waitFor();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByText('bc-experiments', { exact: true }).waitFor();
    expect(await crumbs.innerText()).not.toMatch(/Experiment \d/);
    await check('jd05-experiment-breadcrumb');
  });

  it('asks for each endpoint-config variant’s model before sending, picked from existing models', async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/endpoint-configs`);
    await heading('Endpoint configs').waitFor();
    await page.getByRole('button', { name: 'Create endpoint config' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create endpoint config' });
    const variant = dialog.getByRole('group', { name: 'Production variants 1' });
    const model = variant.getByLabel('Model name');
    await variant.getByText('Up to 63 characters.', { exact: true }).first().waitFor();
    expect(await model.getAttribute('required')).not.toBeNull();
    // The hint no longer says the model is optional.
    expect(await variant.getByText('Up to 63 characters. Optional.', { exact: true }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Create endpoint config' }).click();
    await variant.getByText('Required: enter a value for model name.').waitFor();
    // The field in error gets the focus; its list of models stays closed so the message under it can be read.
    await expect.poll(() => model.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByRole('option', { name: 'bc-model' }).isVisible()).toBe(false);
    await check('jd06-endpoint-config-model-required');
    await model.click();
    await page.getByRole('option', { name: 'bc-model' }).click();
    await dialog.getByRole('button', { name: 'Create endpoint config' }).click();
    await heading(/^config-/).waitFor();
    const name = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const c = await t.admin.DescribeEndpointConfig({ EndpointConfigName: name });
    expect(c.ProductionVariants[0]?.ModelName).toBe('bc-model');
  });

  itHadNoConsoleErrors(studio, 6);
});
