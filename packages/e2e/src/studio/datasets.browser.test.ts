import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, screenshot, useStudio } from './browser.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// The Data Wrangler journey in Chromium against a real Loam: import a CSV with the upload progress
// bar, read its profile (with a quick model), build a flow of five transforms watching the preview
// change, run it to s3:// (a processing job on the built-in data-wrangler image, linked from the run
// history), then train the built-in XGBoost on the flow's output through the API; import another
// dataset from an s3:// URI.
const csvPath = join(repoRoot, 'datasets/tabular/breast_cancer.csv');
const csvLines = readFileSync(csvPath, 'utf8').trim().split('\n');
const header = csvLines[0]!.split(',');
const rows = csvLines.length - 1;

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Datasets and data flows in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 120_000,
    // Previews of a half-typed step are refused by the server (an unknown column): expected while typing.
    expectFailures: ['400 POST /api/v1/flow-preview'],
  });
  const { check, heading, nav } = studio;
  /** Waits until the preview's status line (shown once a preview has finished) contains `text`. */
  const previewSays = (text: string) => expect.poll(async () => (await studio.page.getByTestId('preview-status').textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toContain(text);

  /** Adds a transform after the selected node and waits until its side panel shows. */
  async function addStep(transform: string) {
    const { page } = studio;
    await page.getByLabel('Transform', { exact: true }).selectOption(transform);
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('region', { name: /^Node / }).getByRole('heading', { name: transform.replace(/_/g, ' ') }).waitFor();
  }
  const param = (name: string) => studio.page.getByRole('region', { name: /^Node / }).getByLabel(name, { exact: true });

  it('imports a CSV by upload with a progress bar', async () => {
    const { t, context, page } = studio;
    await nav('Datasets').click();
    await heading('Datasets').waitFor();
    await page.getByText('No datasets yet').waitFor();
    await page.getByRole('button', { name: 'Import data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import data' });
    await dialog.getByLabel('Dataset name').fill('cancer');
    await dialog.getByLabel('File', { exact: true }).setInputFiles(csvPath);
    await dialog.getByText(`breast_cancer.csv, ${(statSync(csvPath).size / 1024 / 1024).toFixed(2)} MB`).waitFor();
    await check('d01-import-dialog');
    // Slow the upload down so the progress bar is seen moving (the file is 120 kB).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 60 * 1024 });
    // The upload creates the new dataset with its first version, in one request: Studio made it first and deleted it again
    // when the import failed, which also deleted a version another import had added meanwhile.
    const datasetRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/datasets')) datasetRequests.push(`${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`);
    });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('progressbar', { name: 'Upload progress' }).waitFor();
    await screenshot(page, 'd01-import-progress'); // no axe here: the bar's stripes animate until done
    await heading('cancer').waitFor({ timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    expect(new URL(page.url()).pathname).toBe('/datasets/cancer');
    expect(datasetRequests[0]).toMatch(/^POST \/api\/v1\/datasets\/cancer\/upload\?.*CreateDataset=true/);
    expect(datasetRequests.filter((r) => r.startsWith('POST /api/v1/datasets?') || r === 'POST /api/v1/datasets')).toEqual([]);
    const d = await t.admin.DescribeDataset({ DatasetName: 'cancer' });
    expect(d.Latest?.RowCount).toBe(rows);
    expect(d.Latest?.Columns.map((c) => c.Name)).toEqual(header);
  }, 120_000);

  it('shows the profile with charts, leakage and a quick model', async () => {
    const { page } = studio;
    await page.getByRole('status').getByText(`${rows} rows, ${header.length} columns, 0 duplicate rows`).waitFor({ timeout: 60_000 });
    const card = page.getByRole('article', { name: 'Column mean_radius' });
    await card.getByRole('img', { name: /^Histogram of mean_radius: / }).waitFor();
    // Mean of mean_radius from the file itself, to 3 significant digits as the card shows it.
    const col = header.indexOf('mean_radius');
    const mean = csvLines.slice(1).reduce((s, l) => s + Number(l.split(',')[col]), 0) / rows;
    await card.getByText(String(Number(mean.toPrecision(3))), { exact: true }).first().waitFor();
    await page.getByRole('table', { name: 'Correlation matrix (Pearson)' }).waitFor();
    await page.getByRole('img', { name: /^Missing values: none in any column/ }).waitFor();
    // Said in words: a chart of empty bars (with colliding column names) is not drawn.
    await page.getByText(`No missing values in any of the ${header.length} columns.`).waitFor();
    await check('d02-profile');

    await page.getByLabel('Target column').selectOption('target');
    await page.getByRole('button', { name: 'Analyze' }).click();
    await page.getByRole('table', { name: 'Target leakage against target' }).waitFor({ timeout: 90_000 });
    const score = Number(await page.getByTestId('quick-model-score').textContent({ timeout: 90_000 }));
    expect(score).toBeGreaterThan(0.85);
    const importance = page.getByRole('img', { name: /^Feature importance: / });
    await importance.waitFor();
    // Every bar keeps its feature's name (Recharts skipped every other label, the top one included).
    const shownFeatures = ((await importance.getAttribute('aria-label')) ?? '').replace(/^Feature importance: /, '').split(', ').map((f) => f.replace(/ [^ ]+$/, ''));
    expect(shownFeatures.length).toBeGreaterThan(5);
    const tickNames = async () => (await importance.locator('.recharts-cartesian-axis-tick-value').allTextContents()).filter((x) => !/^[\d.]+$/.test(x));
    await expect.poll(tickNames).toEqual(shownFeatures);
    await check('d03-profile-quick-model');

    await page.getByRole('tab', { name: 'Preview' }).click();
    const grid = page.getByRole('table', { name: 'Preview of cancer version 1' });
    await grid.getByRole('cell', { name: csvLines[1]!.split(',')[col]!, exact: true }).first().waitFor();
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.getByRole('table', { name: 'Versions of cancer' }).getByRole('cell', { name: String(rows), exact: true }).waitFor();
  }, 180_000);

  it('builds a flow of five transforms and sees the preview change at each step', async () => {
    const { t, page } = studio;
    await page.getByRole('link', { name: 'New data flow' }).click();
    const dialog = page.getByRole('dialog', { name: 'New data flow' });
    await expect.poll(() => dialog.getByLabel('Flow name').inputValue()).toBe('cancer-prep');
    await dialog.getByRole('button', { name: 'Create flow' }).click();
    await heading('cancer-prep').waitFor();
    await previewSays(`Step src: ${header.length} columns`);

    await addStep('drop_columns');
    await page.getByText('Fill in columns to preview step drop_columns.').waitFor();
    await param('columns').fill('mean_perimeter, mean_area');
    await previewSays(`Step drop_columns: ${header.length - 2} columns`);

    await addStep('clip_std');
    await param('columns').fill('worst_area');
    await param('k (optional)').fill('2');
    await previewSays('Step clip_std:');

    await addStep('standard_scale');
    await param('columns').fill('mean_radius');
    await previewSays('Step standard_scale:');
    // mean_radius (the second column) runs from 6.98 to 28.1 in the file; as z-scores every shown value is within ±4.
    const radius = await page.getByRole('table', { name: 'Preview of step standard_scale' }).locator('tbody tr td:nth-child(2)').allTextContents();
    expect(radius.length).toBeGreaterThan(10);
    for (const v of radius) expect(Math.abs(Number(v))).toBeLessThan(4);

    await addStep('custom_formula');
    await param('expression').fill('mean_texture * mean_smoothness');
    await param('to').fill('texture_x_smoothness');
    await page.getByRole('table', { name: 'Preview of step custom_formula' }).getByRole('columnheader', { name: /texture_x_smoothness/ }).waitFor();

    await addStep('filter_rows');
    await param('condition').fill('mean_texture < 30');
    await previewSays('Step filter_rows:');
    await page.getByRole('tab', { name: 'SQL of this step' }).click();
    await page.getByLabel('SQL of step filter_rows').getByText('mean_texture < 30', { exact: false }).waitFor();
    await check('d04-flow-editor');

    await page.getByRole('button', { name: 'Add destination' }).click();
    await param('Output s3:// URI').fill('s3://wrangled/cancer/train/');
    await param('Format').selectOption('csv');
    await param('Header row').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Flow cancer-prep saved as version 2').first().waitFor();
    const saved = await t.admin.DescribeFlow({ FlowName: 'cancer-prep' });
    expect(saved.Definition.nodes.filter((n) => n.type === 'transform').map((n) => n.transform)).toEqual(['drop_columns', 'clip_std', 'standard_scale', 'custom_formula', 'filter_rows']);
  }, 180_000);

  it('shows the compiled script and runs the flow to s3://', async () => {
    const { t, page } = studio;
    await page.getByRole('button', { name: 'View SQL script' }).click();
    const dialog = page.getByRole('dialog', { name: /cancer-prep version 2 as a DuckDB script/ });
    await dialog.getByText("TO 's3://wrangled/cancer/train/", { exact: false }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // StartFlowRun refuses a destination whose bucket does not exist (Loam never creates output buckets).
    await t.platform.artifacts.ensureBucket('wrangled');
    await page.getByRole('button', { name: 'Run flow' }).click();
    const runs = page.getByRole('table', { name: 'Runs of cancer-prep' });
    await runs.getByText('Completed').waitFor({ timeout: 60_000 });
    // Independent count: rows of the file with mean_texture < 30.
    const tex = header.indexOf('mean_texture');
    const kept = csvLines.slice(1).filter((l) => Number(l.split(',')[tex]) < 30).length;
    await runs.getByText(`${kept.toLocaleString('en')} rows`, { exact: false }).waitFor();
    await check('d05-flow-run');
    const r = (await t.admin.ListFlowRuns({ FlowName: 'cancer-prep' })).FlowRuns[0]!;
    expect(r.Outputs[0]).toMatchObject({ S3Uri: 's3://wrangled/cancer/train/part-0.csv', RowCount: kept, Format: 'csv' });
    // The run was a processing job on the built-in data-wrangler image; its page is one click away.
    expect(r.ProcessingJobName).toMatch(/^flow-cancer-prep-[0-9a-f]{8}$/);
    const job = await t.admin.DescribeProcessingJob({ ProcessingJobName: r.ProcessingJobName! });
    expect(job).toMatchObject({ ProcessingJobStatus: 'Completed', AppSpecification: { ImageUri: 'loam/data-wrangler:1' } });
    // Home's checklist ticks the data-flow step once a flow has run (not when one is saved).
    const home = await studio.context.newPage();
    try {
      await home.goto(new URL('/', page.url()).href);
      await home.getByRole('region', { name: 'Getting started' }).getByRole('listitem').filter({ hasText: 'Prepare it with a data flow' }).getByText('— done').waitFor();
    } finally {
      await home.close();
    }
    await runs.getByRole('link', { name: r.ProcessingJobName! }).click();
    await heading(r.ProcessingJobName!).waitFor();
    await page.getByText('loam/data-wrangler:1').first().waitFor();
    await page.goBack();
    await heading('cancer-prep').waitFor();
  }, 120_000);

  it('branches the flow: a split beside the chain from the source, previewed without a refused request', async () => {
    const { t, page, watch } = studio;
    await page.getByRole('group', { name: 'Flow graph' }).getByRole('button', { name: 'source cancer' }).click();
    await page.getByRole('region', { name: 'Node src' }).waitFor();
    // The source already feeds drop_columns: the new step can go between them or beside them.
    await page.getByRole('radio', { name: /^Between src and drop_columns/ }).waitFor();
    await page.getByRole('radio', { name: /^On a new branch from src/ }).check();
    const before = watch.failures.length;
    await addStep('split_random');
    await previewSays(`Step split_random: ${header.length + 1} columns`);
    // The preview of a just-added step waits for the flow that holds it (no 'unknown node' refusal).
    expect(watch.failures.slice(before)).toEqual([]);
    // A refused preview names the node and the param, not just "Params".
    await param('trainFraction (optional)').fill('2');
    await page.getByRole('region', { name: 'Preview' }).getByRole('alert').getByText(/split_random.*trainFraction/).waitFor({ timeout: 30_000 });
    await param('trainFraction (optional)').fill('0.75');
    await previewSays('Step split_random:');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Flow cancer-prep saved as version 3').first().waitFor();
    const saved = await t.admin.DescribeFlow({ FlowName: 'cancer-prep' });
    const inputs = Object.fromEntries(saved.Definition.nodes.map((n) => [n.id, n.inputs ?? []]));
    expect([inputs.drop_columns, inputs.split_random]).toEqual([['src'], ['src']]);
    await check('d06-flow-branch');

    // A name in use is said on the name field.
    watch.expect('409 POST /api/v1/flows');
    await studio.nav('Data flows').click();
    await studio.heading('Data flows').waitFor();
    await page.getByRole('button', { name: 'New data flow' }).click();
    const dialog = page.getByRole('dialog', { name: 'New data flow' });
    await dialog.getByLabel('Flow name').fill('cancer-prep');
    await dialog.getByRole('button', { name: 'Create flow' }).click();
    await expect.poll(() => dialog.getByLabel('Flow name').getAttribute('aria-invalid')).toBe('true');
    await dialog.getByText("Flow 'cancer-prep' already exists. Choose another name.").waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog', { name: 'Discard changes?' }).getByRole('button', { name: 'Discard' }).click();
  }, 120_000);

  it('trains the built-in XGBoost on the flow output', async () => {
    const { t } = studio;
    // Loam, as SageMaker, never creates an output bucket.
    await t.platform.artifacts.ensureBucket('models');
    await t.admin.CreateTrainingJob({
      TrainingJobName: 'cancer-xgb',
      RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
      AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
      HyperParameters: { num_round: '20', objective: 'binary:logistic', eval_metric: 'auc', max_depth: '3' },
      InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://wrangled/cancer/train/' } } }],
      OutputDataConfig: { S3OutputPath: 's3://models/cancer' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    } as never);
    const t0 = Date.now();
    let job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'cancer-xgb' });
    while (!['Completed', 'Failed', 'Stopped'].includes(job.TrainingJobStatus) && Date.now() - t0 < 180_000) {
      await new Promise((r) => setTimeout(r, 500));
      job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'cancer-xgb' });
    }
    expect(job.TrainingJobStatus, job.FailureReason ?? '').toBe('Completed');
    expect(job.ModelArtifacts?.S3ModelArtifacts).toMatch(/^s3:\/\/models\/cancer\/cancer-xgb\/output\/model\.tar\.gz$/);
    const auc = job.FinalMetricDataList?.find((m) => m.MetricName === 'train:auc')?.Value;
    expect(auc).toBeGreaterThan(0.95);
  }, 200_000);

  it('imports from an s3:// URI in one request: a file that cannot be imported leaves no dataset', async () => {
    const { t, page, watch } = studio;
    await t.platform.artifacts.ensureBucket('raw-data');
    await t.platform.artifacts.put({ bucket: 'raw-data', key: 'broken.csv' }, Buffer.from('a,b\n1,2\n"unterminated\n'));
    await t.platform.artifacts.put({ bucket: 'raw-data', key: 'cancer.csv' }, readFileSync(csvPath));
    watch.expect('400 POST /api/v1/datasets/cancer-s3/versions');
    const requests: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (r.method() !== 'GET' && url.pathname.startsWith('/api/v1/datasets')) requests.push(`${r.method()} ${url.pathname}`);
    });
    await nav('Datasets').click();
    await heading('Datasets').waitFor();
    await page.getByRole('button', { name: 'Import data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import data' });
    await dialog.getByLabel('Dataset name').fill('cancer-s3');
    await dialog.getByText('From an s3:// URI').click();
    await dialog.getByLabel('Source URI').fill('s3://raw-data/broken.csv');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('alert').getByText(/never closed/).waitFor();
    await screenshot(page, 'd07-import-s3-refused');
    // Studio created the dataset first and left it empty when the import failed.
    expect(requests).toEqual(['POST /api/v1/datasets/cancer-s3/versions']);
    await expect(t.admin.DescribeDataset({ DatasetName: 'cancer-s3' })).rejects.toMatchObject({ code: 'ResourceNotFound' });
    await dialog.getByLabel('Source URI').fill('s3://raw-data/cancer.csv');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await heading('cancer-s3').waitFor({ timeout: 30_000 });
    expect(requests).toEqual(['POST /api/v1/datasets/cancer-s3/versions', 'POST /api/v1/datasets/cancer-s3/versions']);
    const d = await t.admin.DescribeDataset({ DatasetName: 'cancer-s3' });
    expect([d.LatestVersion, d.Latest?.RowCount, d.Latest?.SourceUri]).toEqual([1, rows, 's3://raw-data/cancer.csv']);
  }, 120_000);

  itHadNoConsoleErrors(studio);
});
