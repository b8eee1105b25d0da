import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, screenshot, useStudio } from './browser.test-support.js';
import { trainBreastCancerJob } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// What a data scientist walking Studio from data to a registered model needs, in Chromium against a real
// Loam: the import form names the dataset after its file; the create forms propose an execution role from the session (the account's LoamExecution, then the one
// they last submitted) instead of a role of account 000000000000; a completed training job's page leads on
// to a model (Create model, filled in from the job, its VPC and network isolation included); the registry's artifact list says which job wrote each
// model.tar.gz and how it scored; registering a version says which version it made.

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Handing a trained job on in Studio', { retry: 0 }, () => {
  let artifact = '';
  let account = '';
  const studio = useStudio({
    setupTimeout: 240_000,
    async prepare(t) {
      artifact = await trainBreastCancerJob(t, 'reg:squarederror');
    },
  });
  const { check, heading, nav } = studio;
  const teamRole = () => `arn:loam:iam::${account}:role/TeamScience`;

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await screenshot(studio.page, `job-handoffs-failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
  });

  it('names a dataset after the file chosen to import, and keeps a name the user typed', async () => {
    const { page } = studio;
    await nav('Datasets').click();
    await heading('Datasets').waitFor();
    await page.getByRole('button', { name: 'Import data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import data' });
    const name = dialog.getByRole('textbox', { name: 'Dataset name' });
    await dialog.getByLabel('File', { exact: true }).setInputFiles(join(repoRoot, 'datasets/tabular/breast_cancer.csv'));
    await expect.poll(() => name.inputValue()).toBe('breast-cancer');
    // Another file replaces a name the form proposed …
    await dialog.getByLabel('File', { exact: true }).setInputFiles({ name: 'Wine Quality (red).CSV.gz', mimeType: 'application/gzip', buffer: Buffer.from([0x1f, 0x8b]) });
    await expect.poll(() => name.inputValue()).toBe('wine-quality-red');
    await check('jh00-dataset-name-from-file');
    // … but never one the user typed.
    await name.fill('cancer-v2');
    await dialog.getByLabel('File', { exact: true }).setInputFiles(join(repoRoot, 'datasets/tabular/breast_cancer.csv'));
    await dialog.getByText('breast_cancer.csv, 0.11 MB').waitFor();
    expect(await name.inputValue()).toBe('cancer-v2');
    // Something was chosen, so Escape asks first; Discard closes.
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('proposes the account’s execution role in the training form, then the role last submitted', async () => {
    const { t, page, context } = studio;
    const session = (await (await context.request.get(`${t.url}/auth/session`)).json()) as { accountId: string };
    account = session.accountId;
    expect(account).toMatch(/^\d{12}$/);
    await nav('Training jobs').click();
    await heading('Training jobs').waitFor();
    await page.getByRole('button', { name: 'Create training job' }).click();
    let dialog = page.getByRole('dialog', { name: 'Create training job' });
    let role = dialog.getByLabel(/^Role ARN/);
    await expect.poll(() => role.inputValue()).toBe(`arn:loam:iam::${account}:role/LoamExecution`);
    // What Loam does with it is said where it is asked for.
    await dialog.getByText(/Loam has no roles yet: the work reads and writes S3 with your own permissions/).waitFor();
    await check('jh01-training-form-role');
    await role.fill(teamRole());
    await dialog.locator('[name="TrainingJobName"]').fill('bc-team');
    await dialog.locator('[name="InputDataConfig.0.DataSource.S3DataSource.S3Uri"]').fill('s3://data/bc/train/');
    await dialog.locator('[name="OutputDataConfig.S3OutputPath"]').fill('s3://models/');
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    await heading('bc-team').waitFor();
    expect((await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-team' })).RoleArn).toBe(teamRole());

    // The next form proposes the role just used, and still offers the account's default.
    await nav('Training jobs').click();
    await page.getByRole('button', { name: 'Create training job' }).click();
    dialog = page.getByRole('dialog', { name: 'Create training job' });
    role = dialog.getByLabel(/^Role ARN/);
    await expect.poll(() => role.inputValue()).toBe(teamRole());
    await role.fill('arn:');
    await page.getByRole('option', { name: `arn:loam:iam::${account}:role/LoamExecution` }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('offers Create model on a completed training job, filled in from the job, with the job’s role', async () => {
    const { t, page } = studio;
    // The model gets the role the job ran with, as estimator.create_model() does (15aea2b), not the role last typed.
    const jobRole = (await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-xgb' })).RoleArn;
    expect(jobRole).not.toBe(teamRole());
    await nav('Training jobs').click();
    await page.getByRole('link', { name: 'bc-xgb', exact: true }).click();
    await heading('bc-xgb').waitFor();
    await page.getByRole('button', { name: 'Create model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create model' });
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Image', exact: true }).inputValue()).toBe('sagemaker-xgboost:1.7-1');
    await expect.poll(() => dialog.getByLabel('Model data URL').inputValue()).toBe(artifact);
    await expect.poll(() => dialog.getByLabel(/^Execution role ARN/).inputValue()).toBe(jobRole);
    await check('jh02-create-model-from-job');
    const name = await dialog.locator('[name="ModelName"]').inputValue();
    expect(name).toMatch(/^bc-xgb-\d{14}$/);
    await dialog.getByRole('button', { name: 'Create model' }).click();
    await heading(name).waitFor();
    const model = await t.admin.DescribeModel({ ModelName: name });
    expect(model.PrimaryContainer).toMatchObject({ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: artifact });
    expect(model.ExecutionRoleArn).toBe(jobRole);
  });

  it('carries a job’s VPC and network isolation into the model Create model makes, as estimator.create_model() does', async () => {
    const { t, page } = studio;
    const vpc = { Subnets: ['subnet-0bc15a7e'], SecurityGroupIds: ['sg-0bc15a7e'] };
    await t.admin.CreateTrainingJob({
      TrainingJobName: 'bc-isolated',
      RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      HyperParameters: { num_round: '5', objective: 'reg:squarederror' },
      InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/bc/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 600 },
      VpcConfig: vpc,
      EnableNetworkIsolation: true,
    });
    await expect.poll(async () => (await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-isolated' })).TrainingJobStatus, { timeout: 120_000, interval: 500 }).toBe('Completed');
    await nav('Training jobs').click();
    await page.getByRole('link', { name: 'bc-isolated', exact: true }).click();
    await heading('bc-isolated').waitFor();
    await page.getByRole('button', { name: 'Create model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create model' });
    const name = dialog.locator('[name="ModelName"]');
    await expect.poll(() => name.inputValue()).toMatch(/^bc-isolated-\d{14}$/);
    const model = await name.inputValue();
    // Shown in the form, not tucked under More settings: the user sees what the model inherits.
    expect(await dialog.getByRole('switch', { name: /^Enable network isolation/ }).isChecked()).toBe(true);
    await dialog.getByText('subnet-0bc15a7e').waitFor();
    await dialog.getByText('sg-0bc15a7e').waitFor();
    await check('jh03-create-model-isolated-job');
    await dialog.getByRole('button', { name: 'Create model' }).click();
    await heading(model).waitFor();
    const m = await t.admin.DescribeModel({ ModelName: model });
    expect([m.VpcConfig, m.EnableNetworkIsolation]).toEqual([vpc, true]);
    // A job without them makes a model without them.
    const plain = (await t.admin.ListModels({})).Models.map((x) => x.ModelName).find((n) => n.startsWith('bc-xgb-'));
    expect(plain).toBeDefined();
    const p = await t.admin.DescribeModel({ ModelName: plain! });
    expect([p.VpcConfig, p.EnableNetworkIsolation ?? false]).toEqual([undefined, false]);
  }, 180_000);

  it('says which job wrote each offered artifact and how it scored, and which version a registration made', async () => {
    const { t, page } = studio;
    const rmse = (await t.admin.DescribeTrainingJob({ TrainingJobName: 'bc-xgb' })).FinalMetricDataList?.find((m) => m.MetricName === 'train:rmse');
    expect(rmse).toBeDefined();
    await nav('Model registry').click();
    await page.getByRole('link', { name: 'bc-models' }).click();
    await heading('bc-models').waitFor();
    await page.getByRole('button', { name: 'Register version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register version' });
    const url = dialog.getByLabel('Model data URL');
    await url.fill('s3://');
    const option = page.getByRole('option', { name: artifact });
    await option.getByText(/^bc-xgb · train:rmse \d/).waitFor();
    await check('jh04-artifact-options');
    await option.click();
    await expect.poll(() => url.inputValue()).toBe(artifact);
    await dialog.getByRole('button', { name: 'Register version' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Version 1 of bc-models registered').waitFor();
    expect(await page.getByText('bc-models created').count()).toBe(0);
  });

  itHadNoConsoleErrors(studio, 4);
});
