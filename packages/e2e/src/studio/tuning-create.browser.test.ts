import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// Creating a tuning job in Chromium against a real Loam, from the generated form and nothing else: the
// built-in XGBoost defaults (objective validation:auc, Maximize), two trials on breast_cancer.csv uploaded
// here as train and validation channels. The form names the missing data locations, places the server's
// range error next to the range, then the job runs to Completed and its page shows both trials.
const rows = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Creating a tuning job in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 120_000,
    async prepare(t) {
      await putCsvObjects(t, 'data', { 'bc/train/train.csv': `${rows.slice(0, 450).join('\n')}\n`, 'bc/validation/validation.csv': `${rows.slice(450).join('\n')}\n` });
    },
    // The trials' S3OutputPath is the form's default, in Studio's default bucket: on submit Studio asks
    // whether it exists (HeadBucket: 404 on a fresh install) and creates it. Loam never creates it.
    expectFailures: ['404 GET /api/v1/buckets/sagemaker-us-east-1-000000000000'],
  });
  const { check, heading, nav } = studio;

  it('creates a two-trial tuning job from the form: client checks, the server’s range error on its row, then the job', async () => {
    const { t, page, watch } = studio;
    await nav('Tuning jobs').click();
    await heading('Tuning jobs').waitFor();
    await page.getByRole('button', { name: 'Create tuning job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create tuning job' });
    const text = (name: string, scope = dialog) => scope.getByRole('textbox', { name, exact: true });
    await expect.poll(() => text('Metric name').inputValue()).toBe('validation:auc');
    expect(await text('Training image').inputValue()).toContain('sagemaker-xgboost');
    await text('Hyperparameter tuning job name').fill('bc-tune');
    await text('Max number of training jobs').fill('2');
    // Nothing knows where the data is: submitting names both channels' S3 URI.
    await dialog.getByRole('button', { name: 'Create tuning job' }).click();
    const train = dialog.getByRole('group', { name: 'Input data config 1' });
    const validation = dialog.getByRole('group', { name: 'Input data config 2' });
    await train.getByText(/^Required/).waitFor();
    await validation.getByText(/^Required/).waitFor();
    expect(await text('Channel name', validation).inputValue()).toBe('validation');
    await text('S3 URI', train).fill('s3://data/bc/train/');
    await text('S3 URI', validation).fill('s3://data/bc/validation/');
    // A logarithmic range must stay above 0: only the server knows that rule; its error lands on the eta row.
    const eta = dialog.getByRole('group', { name: 'Continuous parameter ranges 1' });
    await text('Min value', eta).fill('0');
    watch.expect('400 POST /api/v1/tuning-jobs');
    await dialog.getByRole('button', { name: 'Create tuning job' }).click();
    await expect.poll(() => text('Name', eta).getAttribute('aria-invalid')).toBe('true');
    await eta.getByText(/Logarithmic/).first().waitFor();
    await check('tc01-create-tuning-form-error');
    await text('Min value', eta).fill('0.05');
    await dialog.getByRole('button', { name: 'Create tuning job' }).click();
    await heading('bc-tune').waitFor();
    expect(new URL(page.url()).pathname).toBe('/tuning-jobs/bc-tune');
    const d = await t.admin.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'bc-tune' });
    expect(d.HyperParameterTuningJobConfig).toMatchObject({
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 2 },
    });
    expect(d.TrainingJobDefinition?.StaticHyperParameters).toMatchObject({ objective: 'binary:logistic', eval_metric: 'auc' });
  });

  it('runs both trials to Completed and shows them', async () => {
    const { t, page } = studio;
    await page.getByRole('region', { name: 'Summary' }).getByText('Completed', { exact: true }).first().waitFor({ timeout: 240_000 });
    const d = await t.admin.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: 'bc-tune' });
    expect(d.HyperParameterTuningJobStatus).toBe('Completed');
    expect(d.TrainingJobStatusCounters?.Completed).toBe(2);
    const table = page.getByRole('table', { name: 'Trials' });
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    await page.getByRole('region', { name: 'Best training job' }).getByRole('link', { name: d.BestTrainingJob!.TrainingJobName }).waitFor();
    // Each trial's objective is a dot; only the best so far is a line (a step line through the trials read
    // as a value held until the next trial, and hid the dots under the best line).
    const chart = page.getByRole('img', { name: /^validation:auc by trial: / });
    await expect.poll(() => chart.locator('.recharts-line-dot').count()).toBe(4);
    const drawn = await chart.locator('.recharts-line-curve').evaluateAll((ps) => ps.map((p) => `${p.getAttribute('stroke')} ${p.getAttribute('stroke-width')}`));
    expect(drawn).toEqual(['var(--mantine-color-orange-8) 2', 'var(--mantine-color-blue-7) 0']);
    await check('tc02-tuning-completed');
  }, 260_000);

  itHadNoConsoleErrors(studio);
});
