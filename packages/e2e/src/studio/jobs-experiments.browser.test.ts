import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoamClient } from '@loam/sdk';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// Training and experiments in Chromium against a real Loam: a CSV uploaded through the S3 API, the
// built-in XGBoost started from the generated form, watched to Completed with its log and metric chart,
// its run opened in Experiments, two runs filtered and compared.
const csv = readFileSync(join(repoRoot, 'datasets/tabular/diabetes.csv'), 'utf8').trim().split('\n').slice(1).join('\n');
const role = 'arn:aws:iam::000000000000:role/LoamTests';
// The job to stop is light on purpose (a script that logs a loss every 0.2 s and sleeps): a CPU-bound
// job would starve Chromium and the server on a shared 2-core machine and time the page out.
const sleeperSource = spawnSync('tar', ['-czf', '-', '-C', join(repoRoot, 'packages/runtime/fixtures/scripts'), 'sleeper.py']).stdout;

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Training jobs and experiments in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 180_000,
    async prepare(t) {
      await putCsvObjects(t, 'data', { 'diabetes/train/train.csv': `${csv}\n`, 'code/sourcedir.tar.gz': sleeperSource });
      // The API-started jobs' S3OutputPath: Loam never creates an output bucket.
      await t.platform.artifacts.ensureBucket('models');
    },
    // The form's job writes to Studio's default bucket: on submit Studio asks whether it exists
    // (HeadBucket: 404 on a fresh install) and creates it.
    expectFailures: ['404 GET /api/v1/buckets/sagemaker-us-east-1-000000000000'],
  });
  const { check, heading, nav } = studio;
  /** The built-in XGBoost on the uploaded CSV, started through the API. */
  const xgboost = (name: string, numRound: string, maxDepth: string, maxRuntimeInSeconds: number): Parameters<LoamClient['CreateTrainingJob']>[0] => ({
    TrainingJobName: name,
    RoleArn: role,
    AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
    HyperParameters: { num_round: numRound, objective: 'reg:squarederror', max_depth: maxDepth },
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/diabetes/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://models/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntimeInSeconds },
  });

  it('creates a training job with the built-in XGBoost from the generated form', async () => {
    const { t, page } = studio;
    await nav('Training jobs').click();
    await heading('Training jobs').waitFor();
    await page.getByText('No training jobs yet').waitFor();
    await page.getByRole('button', { name: 'Create training job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create training job' });
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Training image', exact: true }).inputValue()).toContain('sagemaker-xgboost');
    await dialog.getByRole('textbox', { name: 'Training job name', exact: true }).fill('diabetes-xgb');
    // The data location is the one thing the defaults cannot know: submitting without it names the field.
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    const channel = dialog.getByRole('group', { name: 'Input data config 1' });
    await channel.getByText(/^Required/).waitFor();
    await channel.getByRole('textbox', { name: 'S3 URI', exact: true }).fill('s3://data/diabetes/train/');
    await check('j01-create-form');
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    await heading('diabetes-xgb').waitFor();
    expect(new URL(page.url()).pathname).toBe('/training-jobs/diabetes-xgb');
    const job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'diabetes-xgb' });
    expect(job.AlgorithmSpecification?.TrainingImage).toMatch(/sagemaker-xgboost:1\.7-1$/);
    expect(job.InputDataConfig?.[0]).toMatchObject({ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3Uri: 's3://data/diabetes/train/' } } });
    expect(job.ResourceConfig).toMatchObject({ InstanceType: 'ml.m5.large', InstanceCount: 1 });
  });

  it('follows the job live to Completed: timeline, log, metric chart, model, run link', async () => {
    const { t, page } = studio;
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText('Completed', { exact: true }).first().waitFor({ timeout: 150_000 });
    const job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'diabetes-xgb' });
    expect(job.TrainingJobStatus, job.FailureReason ?? '').toBe('Completed');
    await page.getByRole('log', { name: 'Log of diabetes-xgb' }).getByText(/train-rmse/).first().waitFor({ timeout: 30_000 });
    await page.getByRole('region', { name: 'Status timeline' }).getByText('Training', { exact: true }).waitFor();
    const rmse = job.FinalMetricDataList?.find((m) => m.MetricName === 'train:rmse');
    expect(rmse?.Value).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Final metric values' }).getByText(String(rmse?.Value)).waitFor();
    await page.getByRole('img', { name: /^train:rmse by step: train:rmse last / }).waitFor({ timeout: 30_000 });
    await page.locator('.recharts-line-curve').first().waitFor();
    await page.getByRole('region', { name: 'Model artifact' }).getByText(job.ModelArtifacts?.S3ModelArtifacts ?? '', { exact: true }).waitFor();
    // Hyperparameters as a table of names and values, not a JSON blob.
    const hp = page.getByRole('table', { name: 'Hyperparameters' });
    await hp.getByRole('row', { name: 'num_round 50' }).waitFor();
    await hp.getByRole('row', { name: 'objective reg:squarederror' }).waitFor();
    await page.getByRole('log', { name: 'Log of diabetes-xgb' }).scrollIntoViewIfNeeded();
    await check('j02-job-completed');
  }, 200_000);

  it('opens the job’s run in Experiments, with params, metric chart and artifacts', async () => {
    const { page } = studio;
    await page.getByRole('region', { name: 'Metrics' }).getByRole('link', { name: 'diabetes-xgb' }).click();
    await heading('diabetes-xgb').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/experiments\/runs\/[0-9a-f]{32}$/);
    await page.getByRole('table', { name: 'Parameters' }).getByRole('rowheader', { name: 'num_round' }).waitFor();
    await page.getByRole('img', { name: /^train:rmse by step/ }).waitFor();
    await page.getByRole('table', { name: /^Artifacts in/ }).getByRole('button', { name: 'Open folder model' }).click();
    await page.getByRole('table', { name: 'Artifacts in model' }).getByRole('cell', { name: 'model.tar.gz', exact: true }).waitFor();
    await check('j03-run');
  });

  it('filters runs with the MLflow grammar and compares two runs', async () => {
    const { t, page, watch } = studio;
    await t.admin.CreateTrainingJob(xgboost('diabetes-xgb-shallow', '50', '2', 300));
    await nav('Experiments').click();
    await heading('Experiments').waitFor();
    await page.getByRole('table', { name: 'Experiments' }).getByRole('link', { name: 'Default' }).click();
    const runs = page.getByRole('table', { name: 'Runs of Default' });
    await runs.getByRole('link', { name: 'diabetes-xgb-shallow' }).waitFor();
    await expect.poll(async () => (await t.admin.DescribeTrainingJob({ TrainingJobName: 'diabetes-xgb-shallow' })).TrainingJobStatus, { timeout: 150_000, interval: 1000 }).toBe('Completed');

    watch.expect('400 POST /api/v1/mlflow/runs/search');
    const box = page.getByRole('textbox', { name: 'Filter runs' });
    await box.fill('metrics.train:rmse <<< 3');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => box.getAttribute('aria-invalid')).toBe('true');
    await check('j04-filter-error');
    await box.fill("params.max_depth = '2'");
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => runs.getByRole('row').count()).toBe(2);
    await runs.getByRole('link', { name: 'diabetes-xgb-shallow' }).waitFor();
    await box.fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => runs.getByRole('row').count()).toBe(3);
    await runs.getByRole('button', { name: /^max_depth/ }).click();
    await expect.poll(() => runs.getByRole('row').nth(1).getByRole('link').textContent()).toBe('diabetes-xgb-shallow');
    await check('j05-runs');

    await page.getByRole('checkbox', { name: 'Compare diabetes-xgb' , exact: true }).check();
    await page.getByRole('checkbox', { name: 'Compare diabetes-xgb-shallow' }).check();
    await page.getByRole('link', { name: 'Compare 2 runs' }).click();
    await heading(/diabetes-xgb.* vs diabetes-xgb/).waitFor();
    await page.getByRole('region', { name: 'Metric curves' }).getByRole('img', { name: /^train:rmse by step: / }).waitFor();
    // The exact values side by side; the param the runs differ on is marked.
    const values = page.getByRole('table', { name: 'Parameters and metrics of the compared runs' });
    await values.getByRole('columnheader', { name: 'diabetes-xgb-shallow' }).waitFor();
    await values.getByRole('row', { name: 'max_depth differs — 2' }).waitFor();
    await values.getByRole('row', { name: 'objective reg:squarederror reg:squarederror' }).waitFor();
    await values.getByRole('row', { name: /^train:rmse differs [\d.]+ [\d.]+$/ }).waitFor();
    // Parallel coordinates draw only the params the runs differ on: the shared objective is no axis.
    const pc = page.getByRole('img', { name: /^Parallel coordinates of max_depth against train:rmse/ });
    await pc.waitFor();
    expect(await pc.locator('polyline').count()).toBe(2);
    await check('j06-compare');
    await page.getByRole('button', { name: 'Use dark theme' }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "dark"');
    await page.mouse.move(0, 0);
    // The theme button's tooltip closes after a delay, then fades: axe would measure it half transparent.
    await expect.poll(() => page.locator('[role="tooltip"]').count()).toBe(0);
    await check('j06-compare-dark');
    await page.getByRole('button', { name: 'Use light theme' }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "light"');
  }, 240_000);

  it('stops a running job after confirmation', async () => {
    const { t, page } = studio;
    await t.admin.CreateTrainingJob({
      ...xgboost('diabetes-sleeper', '1', '1', 600), // its data channel and resources; image and program below
      AlgorithmSpecification: { TrainingImage: 'sagemaker-scikit-learn:1.2-1-cpu-py3', TrainingInputMode: 'File', MetricDefinitions: [{ Name: 'loss', Regex: 'loss=([0-9.]+);' }] },
      HyperParameters: { sagemaker_program: 'sleeper.py', sagemaker_submit_directory: 's3://data/code/sourcedir.tar.gz' },
    });
    await nav('Training jobs').click();
    await page.getByRole('table', { name: 'Training jobs' }).getByRole('link', { name: 'diabetes-sleeper' }).click();
    await heading('diabetes-sleeper').waitFor();
    await page.getByRole('region', { name: 'Status timeline' }).getByText('Training', { exact: true }).waitFor({ timeout: 60_000 });
    const dialog = page.getByRole('dialog', { name: 'Stop training job diabetes-sleeper?' });
    // The page re-renders every poll; under load a click can land during one, so open the dialog until it shows.
    for (let attempt = 0; !(await dialog.isVisible()); attempt++) {
      if (attempt === 12) throw new Error('the Stop dialog never opened');
      await page.getByRole('button', { name: 'Stop' }).click();
      await dialog.waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
    await check('j07-stop-confirm');
    // A notification toast can slide over the dialog under load; the button itself is what must work.
    const confirm = dialog.getByRole('button', { name: 'Stop' });
    await confirm.click({ timeout: 5_000 }).catch(() => confirm.click({ force: true, timeout: 30_000 }));
    await page.getByRole('region', { name: 'Summary' }).getByText('Stopped', { exact: true }).first().waitFor({ timeout: 120_000 });
    expect((await t.admin.DescribeTrainingJob({ TrainingJobName: 'diabetes-sleeper' })).TrainingJobStatus).toBe('Stopped');
    await page.getByRole('log', { name: 'Log of diabetes-sleeper' }).getByText(/loss=/).first().waitFor();
    await nav('Processing jobs').click();
    await heading('Processing jobs').waitFor();
    await page.getByText('No processing jobs yet.').waitFor();
    await check('j08-processing-jobs');
  }, 300_000);

  itHadNoConsoleErrors(studio);
});
