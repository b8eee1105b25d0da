import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio, waitForPage } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// Studio's default bucket on a fresh Loam, in Chromium. The training form's output location is under
// sagemaker-<region>-<account> (the SageMaker SDK's default bucket); nothing creates it until the form
// is submitted, then Studio does (HeadBucket, then CreateBucket), so a job started with the defaults
// trains and uploads its model: Completed. Before, the default was s3://models/, which a fresh install
// does not have, so the job trained and then failed at upload. A user who may not create the bucket is
// told so and nothing is sent; a typed output bucket that does not exist is warned about when the field
// is left, and never created.
const csv = readFileSync(join(repoRoot, 'datasets/tabular/diabetes.csv'), 'utf8').trim().split('\n').slice(1).join('\n');
const bucket = 'sagemaker-us-east-1-000000000000';

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe("Studio's default bucket", { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 120_000,
    // Only the input data exists: no output bucket at all, as on a fresh install.
    prepare: (t) => putCsvObjects(t, 'data', { 'diabetes/train/train.csv': `${csv}\n` }),
    // Asking whether a bucket exists is a HeadBucket, whose answer for a missing one is 404.
    expectFailures: [`404 GET /api/v1/buckets/${bucket}`, '404 GET /api/v1/buckets/no-such-output-bucket'],
  });
  const { check, heading, nav } = studio;

  it('tells a user who may not create the default bucket which permission is missing, and sends nothing', async () => {
    const { t, browser } = studio;
    await t.admin.CreateUser({ UserName: 'analyst' });
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 's3:CreateBucket', Resource: '*' }] };
    await t.admin.CreatePolicy({ PolicyName: 'NoNewBuckets', PolicyDocument: JSON.stringify(policy) });
    await t.admin.AttachUserPolicy({ UserName: 'analyst', PolicyName: 'NoNewBuckets' });
    const link = await t.admin.CreateLoginLink({ UserName: 'analyst' });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(link.AuthorizedUrl);
      await page.getByRole('button', { name: 'Sign in as analyst' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome, analyst' }).waitFor();
      await page.goto(`${t.url}/training-jobs`);
      await page.getByRole('button', { name: 'Create training job' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create training job' });
      await expect.poll(() => dialog.getByRole('textbox', { name: 'S3 output path', exact: true }).inputValue()).toBe(`s3://${bucket}/`);
      await dialog.getByRole('group', { name: 'Input data config 1' }).getByRole('textbox', { name: 'S3 URI', exact: true }).fill('s3://data/diabetes/train/');
      await dialog.getByRole('button', { name: 'Create training job' }).click();
      await dialog.getByText(`This form writes to Studio's default bucket '${bucket}', which does not exist yet. You may not create it (that needs s3:CreateBucket on arn:loam:s3:::${bucket}).`, { exact: false }).waitFor();
      await dialog.getByText(`Bucket '${bucket}' does not exist and could not be created.`).waitFor();
    } finally {
      await context.close();
    }
    expect((await t.admin.ListTrainingJobs({})).TrainingJobSummaries).toEqual([]);
    expect((await t.platform.artifacts.listBuckets()).map((b) => b.name)).toEqual(['data']);
  });

  it('proposes an output location in the default bucket and warns, without blocking, about a typed bucket that does not exist', async () => {
    const { t, page } = studio;
    expect((await t.platform.artifacts.listBuckets()).map((b) => b.name)).toEqual(['data']);
    await nav('Training jobs').click();
    await heading('Training jobs').waitFor();
    await page.getByRole('button', { name: 'Create training job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create training job' });
    const output = dialog.getByRole('textbox', { name: 'S3 output path', exact: true });
    await expect.poll(() => output.inputValue()).toBe(`s3://${bucket}/`);
    await dialog.getByRole('textbox', { name: 'Training job name', exact: true }).fill('default-bucket-xgb');
    await dialog.getByRole('group', { name: 'Input data config 1' }).getByRole('textbox', { name: 'S3 URI', exact: true }).fill('s3://data/diabetes/train/');
    await output.fill('s3://no-such-output-bucket/models/');
    await output.blur();
    // Said under the field (part of its description, so read with it), without marking it invalid.
    const warning = dialog.getByText("Bucket 'no-such-output-bucket' does not exist. Loam does not create output buckets: the job would run and then fail when it uploads.", { exact: false });
    await warning.waitFor();
    expect(await output.getAttribute('aria-invalid')).not.toBe('true');
    const describedBy = (await output.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).not.toBe('');
    expect(await page.locator(`[id="${describedBy.split(' ')[0]}"]`).innerText()).toContain("Bucket 'no-such-output-bucket' does not exist");
    await output.scrollIntoViewIfNeeded();
    await check('db01-missing-bucket-warning');
    // Back to the default: the warning goes, since Studio creates that bucket itself.
    await output.fill(`s3://${bucket}/`);
    await output.blur();
    await warning.waitFor({ state: 'detached' });
  });

  it('creates the default bucket on submit, and the job started with the defaults completes with its model in it', async () => {
    const { t, page } = studio;
    const dialog = page.getByRole('dialog', { name: 'Create training job' });
    await dialog.getByRole('button', { name: 'Create training job' }).click();
    await heading('default-bucket-xgb').waitFor();
    expect((await t.platform.artifacts.listBuckets()).map((b) => b.name).sort()).toEqual(['data', bucket]);
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText(/^(Completed|Failed)$/).first().waitFor({ timeout: 150_000 });
    const job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'default-bucket-xgb' });
    expect(job.TrainingJobStatus, job.FailureReason ?? '').toBe('Completed');
    expect(job.OutputDataConfig?.S3OutputPath).toBe(`s3://${bucket}/`);
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${bucket}/default-bucket-xgb/output/model.tar.gz`);
    expect(await t.platform.artifacts.head({ bucket, key: 'default-bucket-xgb/output/model.tar.gz' })).toBeDefined();
    // The typed bucket was only warned about: nothing created it.
    expect((await t.platform.artifacts.listBuckets()).map((b) => b.name)).not.toContain('no-such-output-bucket');
    await waitForPage(page, 'document.getAnimations().every((a) => a.playState !== "running")');
    await check('db02-default-bucket-job-completed');
  }, 200_000);

  itHadNoConsoleErrors(studio, 2);
});
