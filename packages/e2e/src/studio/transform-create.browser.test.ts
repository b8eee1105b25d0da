import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { trainGbdt } from '@loam/ml/gbdt/index';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';
import { storeBuiltinModel } from './model-archive.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// Creating a batch transform job in Chromium against a real Loam, from the generated form: a GBDT trained
// here on breast_cancer.csv is a model; the job picks it from the existing models (not typed), scores a
// features-only CSV line by line, joins each prediction to its input row (the advanced data processing
// section), and its page opens and reaches Completed with the output in S3.
const table = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const features = table.map((r) => r.slice(1));

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Creating a transform job in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 120_000,
    async prepare(t) {
      const rows = table.length;
      const x = createMatrix(rows, features[0]!.length);
      const y = new Float64Array(rows);
      table.forEach((r, i) => {
        y[i] = r[0]!;
        features[i]!.forEach((v, j) => (x.data[j * rows + i] = v));
      });
      const model = await trainGbdt({ x, y }, { num_round: 10, max_depth: 3, objective: 'binary:logistic' });
      await storeBuiltinModel(t.platform, 'xgboost', model.toJSON(), 'bc/model.tar.gz');
      for (const name of ['bc-model', 'other-model']) await t.admin.CreateModel({ ModelName: name, PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/bc/model.tar.gz' } });
      await putCsvObjects(t, 'data', { 'bc/score/score.csv': `${features.slice(0, 20).map((r) => r.join(',')).join('\n')}\n` });
    },
  });
  const { check, heading, nav } = studio;

  it('creates a transform job from the form: a picked model, the server’s name error, join with the input', async () => {
    const { t, page, watch } = studio;
    await nav('Batch transform').click();
    await heading('Batch transform').waitFor();
    await page.getByRole('button', { name: 'Create transform job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create transform job' });
    const box = (name: string) => dialog.getByRole('textbox', { name, exact: true });
    await expect.poll(() => box('Content type').inputValue()).toBe('text/csv');
    await box('Transform job name').fill('bc-score');
    await dialog.getByRole('button', { name: 'Create transform job' }).click();
    await dialog.getByText(/^Required: enter a value for model name/).waitFor();
    await dialog.getByLabel('Model name').fill('bc');
    await page.getByRole('option', { name: 'bc-model' }).click();
    await box('S3 URI').fill('s3://data/bc/score/');
    await box('S3 output path').fill('s3://data/bc/predictions/');
    // The section opens with a 200 ms animation and Join source lands below the dialog's fold: a user waits for
    // it and scrolls to it. Clicked mid-animation, it was scrolled into view inside the still-clipped panel,
    // ended up out of sight, and Mantine hides the list of a field out of sight (it never appeared).
    await dialog.getByRole('button', { name: 'Data processing' }).click();
    await waitForPage(page, 'document.getAnimations().every((a) => a.playState !== "running")');
    await dialog.getByLabel('Join source').click();
    await page.getByRole('option', { name: 'Input', exact: true }).click();
    await check('tr01-create-transform-form');
    // The name is taken (the API made one first): the server's error lands on the name field.
    await t.admin.CreateTransformJob({ TransformJobName: 'bc-score', ModelName: 'other-model', TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/bc/score/' } }, ContentType: 'text/csv', SplitType: 'Line' }, TransformOutput: { S3OutputPath: 's3://data/bc/other/' }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 } });
    watch.expect('400 POST /api/v1/transform-jobs');
    watch.expect('409 POST /api/v1/transform-jobs');
    await dialog.getByRole('button', { name: 'Create transform job' }).click();
    await expect.poll(() => box('Transform job name').getAttribute('aria-invalid')).toBe('true');
    await box('Transform job name').fill('bc-score-2');
    await dialog.getByRole('button', { name: 'Create transform job' }).click();
    await heading('bc-score-2').waitFor();
    expect(new URL(page.url()).pathname).toBe('/batch-transform/bc-score-2');
    const d = await t.admin.DescribeTransformJob({ TransformJobName: 'bc-score-2' });
    expect([d.ModelName, d.DataProcessing?.JoinSource, d.TransformInput.SplitType, d.TransformOutput?.AssembleWith, d.BatchStrategy, d.TransformResources.InstanceCount]).toEqual(['bc-model', 'Input', 'Line', 'Line', 'MultiRecord', 1]);
  });

  it('runs to Completed with each prediction joined to its row', async () => {
    const { t, page } = studio;
    await page.getByRole('region', { name: 'Summary' }).getByText(/^(Completed|Failed)$/).first().waitFor({ timeout: 120_000 });
    const d = await t.admin.DescribeTransformJob({ TransformJobName: 'bc-score-2' });
    expect(d.TransformJobStatus, d.FailureReason ?? '').toBe('Completed');
    const out = await text((await t.platform.artifacts.get({ bucket: 'data', key: 'bc/predictions/score.csv.out' })).body);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]!.split(',')).toHaveLength(features[0]!.length + 1);
    await check('tr02-transform-completed');
  }, 150_000);

  itHadNoConsoleErrors(studio);
});
