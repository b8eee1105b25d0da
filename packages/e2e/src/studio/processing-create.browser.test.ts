import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, useStudio } from './browser.test-support.js';
import { putCsvObjects } from './loam.test-support.js';

// Creating a processing job in Chromium against a real Loam, from the generated form: a script uploaded
// here counts the rows of a CSV input and writes a summary to its output; the form is pre-filled with the
// scikit-learn image and the SageMaker local paths, the user gives the S3 URIs and an argument, the
// server's error about a local path lands on that field, and the job runs to Completed with its output in S3.
const script = [
  'import glob, sys',
  "rows = sum(1 for f in glob.glob('/opt/ml/processing/input/data/**/*.csv', recursive=True) for line in open(f) if line.strip())",
  "open('/opt/ml/processing/output/summary.txt', 'w').write(' '.join(sys.argv[1:]) + f' rows={rows}\\n')",
  "print('counted', rows, 'rows')",
].join('\n');

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Creating a processing job in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 120_000,
    prepare: (t) => putCsvObjects(t, 'data', { 'code/preprocess.py': script, 'raw/part-1.csv': '1,2\n3,4\n5,6\n' }),
  });
  const { check, heading, nav } = studio;

  it('creates a processing job from the form and opens it', async () => {
    const { t, page, watch } = studio;
    await nav('Processing jobs').click();
    await heading('Processing jobs').waitFor();
    await page.getByRole('button', { name: 'Create processing job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create processing job' });
    const box = (name: string, scope = dialog) => scope.getByRole('textbox', { name, exact: true });
    await expect.poll(() => box('Image URI').inputValue()).toContain('sagemaker-scikit-learn');
    await box('Processing job name').fill('count-rows');
    const code = dialog.getByRole('group', { name: 'Processing inputs 1' });
    const data = dialog.getByRole('group', { name: 'Processing inputs 2' });
    const out = dialog.getByRole('group', { name: 'Outputs 1' });
    await dialog.getByRole('button', { name: 'Create processing job' }).click();
    await code.getByText(/^Required/).waitFor();
    await box('S3 URI', code).fill('s3://data/code/preprocess.py');
    await box('S3 URI', data).fill('s3://data/raw/');
    await box('S3 URI', out).fill('s3://data/processed/');
    const args = dialog.getByLabel('Container arguments');
    await args.fill('--label');
    await args.press('Enter');
    // Only the server knows local paths must stay under /opt/ml/processing: its error lands on that field.
    await box('Local path', data).fill('/etc');
    watch.expect('400 POST /api/v1/processing-jobs');
    await dialog.getByRole('button', { name: 'Create processing job' }).click();
    await expect.poll(() => box('Local path', data).getAttribute('aria-invalid')).toBe('true');
    await check('pc01-create-processing-error');
    await box('Local path', data).fill('/opt/ml/processing/input/data');
    await dialog.getByRole('button', { name: 'Create processing job' }).click();
    await heading('count-rows').waitFor();
    expect(new URL(page.url()).pathname).toBe('/processing-jobs/count-rows');
    const d = await t.admin.DescribeProcessingJob({ ProcessingJobName: 'count-rows' });
    expect(d.AppSpecification).toMatchObject({ ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'], ContainerArguments: ['--label'] });
    expect(d.ProcessingResources.ClusterConfig).toMatchObject({ InstanceType: 'ml.m5.large', InstanceCount: 1 });
  });

  it('runs to Completed and uploads the output', async () => {
    const { t, page } = studio;
    await page.getByRole('region', { name: 'Summary' }).getByText(/^(Completed|Failed)$/).first().waitFor({ timeout: 120_000 });
    const d = await t.admin.DescribeProcessingJob({ ProcessingJobName: 'count-rows' });
    expect(d.ProcessingJobStatus, d.FailureReason ?? '').toBe('Completed');
    await page.getByRole('log', { name: 'Log of count-rows' }).getByText('counted 3 rows').waitFor({ timeout: 30_000 });
    const got = await t.platform.artifacts.get({ bucket: 'data', key: 'processed/summary.txt' });
    expect(await text(got.body)).toBe('--label rows=3\n');
    await check('pc02-processing-completed');
  }, 150_000);

  itHadNoConsoleErrors(studio);
});
