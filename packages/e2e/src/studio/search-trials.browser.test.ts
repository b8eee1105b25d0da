import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { describeViolations, itHadNoConsoleErrors, seriousA11yViolations, useStudio, waitForPage } from './browser.test-support.js';
import { breastCancerRows, putCsvObjects } from './loam.test-support.js';

// SageMaker's Search and Experiments in Chromium against a real Loam: models, an experiment, a trial and a
// trial component made through the API (as boto3 users make them), found on the Search page with a filter,
// a bad filter refused with the server's words, and the trial on the experiment page with its run.
describe('Search and SageMaker trials in Studio', { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 180_000,
    actionTimeout: 60_000,
    async prepare(t) {
      // CreateModel checks that the model data exists; the search never reads it; the job trains on the CSV.
      // (One bucket: each putCsvObjects makes an access key, and a user has at most two.)
      await putCsvObjects(t, 'models', { 'shared/model.tar.gz': new Uint8Array([0x1f, 0x8b]), 'bc/train/train.csv': `${breastCancerRows().join('\n')}\n` });
      for (const name of ['churn-xgb-a', 'churn-xgb-b', 'fraud-linear']) {
        await t.admin.CreateModel({ ModelName: name, PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/shared/model.tar.gz' }, Tags: [{ Key: 'team', Value: name.startsWith('churn') ? 'retention' : 'risk' }] });
      }
      // Enough models for a second page of results (25 a page).
      for (let i = 0; i < 24; i++) await t.admin.CreateModel({ ModelName: `bulk-${String(i).padStart(2, '0')}`, PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://models/shared/model.tar.gz' } });
      await t.admin.CreateExperiment({ ExperimentName: 'churn-study', Description: 'Churn models' });
      await t.admin.CreateTrial({ TrialName: 'baseline', ExperimentName: 'churn-study' });
      // Two components with one start time and display name: only the tag on each run tells their runs apart.
      const started = Math.floor(Date.now() / 1000) - 60;
      await t.admin.CreateTrialComponent({ TrialComponentName: 'prep-data', DisplayName: 'prepare-data', StartTime: started, Status: { PrimaryStatus: 'Completed' }, Parameters: { lr: { NumberValue: 0.1 }, split: { StringValue: 'time' } } });
      await t.admin.AssociateTrialComponent({ TrialComponentName: 'prep-data', TrialName: 'baseline' });
      await t.admin.CreateTrialComponent({ TrialComponentName: 'loose-end', DisplayName: 'prepare-data', StartTime: started });
      // Two components with metrics (their runs' metric points): only metric-a has one metric that is accuracy
      // and over 0.9; metric-b has accuracy (at most 0.7) and another metric over 0.9 (loss).
      const points: Record<string, Record<string, number[]>> = { 'metric-a': { accuracy: [0.8, 0.95], loss: [0.5, 0.3] }, 'metric-b': { accuracy: [0.6, 0.7], loss: [0.99, 0.95] } };
      for (const name of Object.keys(points)) await t.admin.CreateTrialComponent({ TrialComponentName: name });
      const runs = (await t.admin.ListMlflowRuns({ ExperimentIds: ['0'] })).Runs;
      for (const [name, metrics] of Object.entries(points)) {
        const run = runs.find((r) => r.Tags.some((tag) => tag.Key === 'loam.trial_component_name' && tag.Value === name));
        if (!run) throw new Error(`no run for trial component ${name}`);
        await t.admin.LogMlflowBatch({ RunId: run.Info.RunId, Metrics: Object.entries(metrics).flatMap(([Key, vs]) => vs.map((Value, Step) => ({ Key, Value, Step, Timestamp: Date.now() }))) });
      }
      // A training job named with capitals in the trial: its component's source ARN has the name lower-cased.
      await t.admin.CreateTrainingJob({
        TrainingJobName: 'Churn-XGB',
        RoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
        AlgorithmSpecification: { TrainingImage: 'sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
        HyperParameters: { num_round: '5', objective: 'binary:logistic' },
        InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://models/bc/train/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://models/out/' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
        ExperimentConfig: { ExperimentName: 'churn-study', TrialName: 'baseline' },
      });
      // A trial of more components than a page: the experiment page reads them a page (25) at a time.
      await t.admin.CreateTrial({ TrialName: 'wide', ExperimentName: 'churn-study' });
      for (let i = 0; i < 30; i++) {
        const name = `step-${String(i).padStart(2, '0')}`;
        await t.admin.CreateTrialComponent({ TrialComponentName: name });
        await t.admin.AssociateTrialComponent({ TrialComponentName: name, TrialName: 'wide' });
      }
      for (const since = Date.now(); ; await new Promise((r) => setTimeout(r, 1000))) {
        const job = await t.admin.DescribeTrainingJob({ TrainingJobName: 'Churn-XGB' });
        if (job.TrainingJobStatus === 'Completed') break;
        if (job.TrainingJobStatus === 'Failed' || Date.now() - since > 200_000) throw new Error(`training job Churn-XGB: ${job.TrainingJobStatus} ${job.FailureReason ?? ''}`);
      }
    },
    expectFailures: ['400 POST /api/v1/search'],
  });
  const { check, heading, nav } = studio;
  /** A control of the search form by its label (native selects, Mantine autocompletes and text boxes alike). */
  const field = (label: string) => studio.page.getByRole('search', { name: 'Search resources' }).getByLabel(label, { exact: true });
  const choose = (label: string, option: string) => field(label).selectOption({ label: option });
  /** Types into a field; Escape closes its suggestions so they cover nothing the next step clicks. */
  const type = async (label: string, text: string) => {
    await field(label).fill(text);
    await field(label).press('Escape');
  };

  it('finds models by a filter on their name, linked to their pages, with the filtered property shown', async () => {
    const { page } = studio;
    await nav('Search').click();
    await heading('Search').waitFor();
    await choose('Resource', 'Models (Model)');
    await type('Property 1', 'Model.ModelName');
    await choose('Operator 1', 'contains');
    await type('Value 1', 'churn');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await type('Property 2', 'Model.Tags.team');
    await type('Value 2', 'retention');
    await type('Sort by', 'Model.ModelName');
    await choose('Order', 'Ascending');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const table = page.getByRole('table', { name: 'Models found' });
    await table.getByRole('link', { name: 'churn-xgb-b' }).waitFor();
    const names = await table.locator('tbody tr td:first-child').allInnerTexts();
    expect(names).toEqual(['churn-xgb-a', 'churn-xgb-b']);
    // The tag the search filtered on is a column, with each result's value.
    await table.getByRole('columnheader', { name: 'Model.Tags.team' }).waitFor();
    expect(await table.getByRole('row', { name: /churn-xgb-a/ }).getByRole('cell', { name: 'retention' }).count()).toBe(1);
    expect(await table.getByRole('link', { name: 'churn-xgb-a' }).getAttribute('href')).toBe('/models/churn-xgb-a');
    // The search is in the URL: reloading shows the same results.
    expect(new URL(page.url()).searchParams.get('resource')).toBe('Model');
    await page.reload();
    await page.getByRole('table', { name: 'Models found' }).getByRole('link', { name: 'churn-xgb-b' }).waitFor();
    expect(await field('Value 1').inputValue()).toBe('churn');
    await check('s01-search-models');
    await page.getByRole('table', { name: 'Models found' }).getByRole('link', { name: 'churn-xgb-a' }).click();
    await heading('churn-xgb-a').waitFor();
    await page.goBack();
    await page.getByRole('table', { name: 'Models found' }).waitFor();
  }, 240_000);

  it('shows the server’s message for a filter on a property models do not have, on that filter', async () => {
    const { page } = studio;
    await type('Property 2', 'Model.NoSuchThing');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The server refused this search' });
    await alert.getByText(/'Model\.NoSuchThing' is not a property of this resource's search records/).waitFor();
    await alert.getByText('That is filter 2, marked above.').waitFor();
    await expect.poll(() => field('Property 2').getAttribute('aria-invalid')).toBe('true');
    expect(await field('Property 1').getAttribute('aria-invalid')).not.toBe('true');
    // No stale results under a refused search.
    expect(await page.getByRole('table', { name: 'Models found' }).count()).toBe(0);
    await check('s02-search-refused');
    // A value the server cannot read is marked on the Value box, not the Property box.
    await type('Property 2', 'Model.CreationTime');
    await choose('Operator 2', '> greater than');
    await type('Value 2', 'soon');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await alert.getByText(/Value 'soon' is not a timestamp/).waitFor();
    await expect.poll(() => field('Value 2').getAttribute('aria-invalid')).toBe('true');
    expect(await field('Property 2').getAttribute('aria-invalid')).not.toBe('true');
  }, 120_000);

  it('pages through results by NextToken from a shared link', async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/search?resource=Model&sortBy=Model.ModelName&sortOrder=Ascending`);
    const table = page.getByRole('table', { name: 'Models found' });
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(25);
    await page.getByRole('button', { name: 'Next' }).click();
    await table.getByRole('link', { name: 'fraud-linear' }).waitFor();
    // 27 models by name: the second page holds the last two.
    expect(await table.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['churn-xgb-b', 'fraud-linear']);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    // Search pressed again on a later page, the search unchanged: its first page again.
    await page.getByRole('button', { name: 'Next' }).click();
    await table.getByRole('link', { name: 'fraud-linear' }).waitFor();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await table.getByRole('link', { name: 'bulk-00' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
  }, 120_000);

  it('counts a page once when Next is double-clicked while that page loads', async () => {
    const { t, page } = studio;
    // A fresh load, so page 2 is not already cached: it has to be read while Next is pressed twice.
    await page.goto(`${t.url}/search?resource=Model&sortBy=Model.ModelName&sortOrder=Ascending`);
    const table = page.getByRole('table', { name: 'Models found' });
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    // The real server answers, a second late, so both clicks land while page 2 loads.
    const late = async (route: Route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
    };
    await page.route('**/api/v1/search', late);
    try {
      await page.getByRole('button', { name: 'Next' }).dblclick();
      await table.getByRole('link', { name: 'fraud-linear' }).waitFor();
    } finally {
      await page.unroute('**/api/v1/search', late);
    }
    await waitForPage(page, `document.body.innerText.includes('Page 2')`);
    expect(await page.getByText('Page 3', { exact: true }).count()).toBe(0);
    // One Previous is back on the first page.
    await page.getByRole('button', { name: 'Previous' }).click();
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
  }, 120_000);

  it('keeps Previous after a later page failed, back to the page that worked', async () => {
    const { t, page, watch } = studio;
    await page.goto(`${t.url}/search?resource=Model&sortBy=Model.ModelName&sortOrder=Ascending`);
    const table = page.getByRole('table', { name: 'Models found' });
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    // The server unavailable for the next read only (the way a restart or a dropped proxy answers).
    watch.expect('503 POST /api/v1/search');
    await page.route(
      '**/api/v1/search',
      (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'ServiceUnavailable', detail: 'Loam is restarting.' }) }),
      { times: 1 },
    );
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('alert').waitFor();
    expect(await table.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Previous' }).click();
    await table.getByRole('link', { name: 'bulk-00' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  }, 120_000);

  it('finds the trial component in a trial and opens the MLflow run it is', async () => {
    const { page } = studio;
    await choose('Resource', 'Trial components (ExperimentTrialComponent)');
    await type('Property 1', 'Parents.TrialName');
    await type('Value 1', 'baseline');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const table = page.getByRole('table', { name: 'Trial components found' });
    await table.getByRole('link', { name: 'Run of prep-data: prepare-data' }).waitFor();
    // The job's component is the job's run, found by its ARN tag in the trial's experiment.
    await table.getByRole('link', { name: 'Run of Churn-XGB-aws-training-job: Churn-XGB' }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(2);
    expect(await table.getByRole('cell', { name: 'baseline' }).count()).toBe(2);
    await check('s03-search-components');
    await table.getByRole('link', { name: /^Run of prep-data/ }).click();
    await heading('prepare-data').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/experiments\/runs\/[0-9a-f]{32}$/);
  }, 180_000);

  it('finds trial components by a nested filter on their metrics: one metric that is accuracy and over 0.9', async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/search?resource=ExperimentTrialComponent`);
    await heading('Search').waitFor();
    await page.getByRole('button', { name: 'Add nested filter' }).click();
    const group = page.getByRole('group', { name: 'Nested filter 1' });
    expect(await group.getByLabel('Nested filter 1: every filter holds for one element of').inputValue()).toBe('Metrics');
    await type('Nested filter 1 property 1', 'Metrics.MetricName');
    await type('Nested filter 1 value 1', 'accuracy');
    await page.getByRole('button', { name: 'Add filter to nested filter 1' }).click();
    // The list's prefix may be left out: Studio adds it, as SageMaker wants the full name.
    await type('Nested filter 1 property 2', 'Max');
    await choose('Nested filter 1 operator 2', '> greater than');
    await type('Nested filter 1 value 2', '0.9');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    // The unfiltered results stay on screen while the search runs: wait for the page to show its answer.
    await waitForPage(page, `new URL(location.href).searchParams.has('nested') && /^1 trial components on page 1$/m.test(document.body.innerText)`, 60_000);
    const table = page.getByRole('table', { name: 'Trial components found' });
    await table.getByRole('link', { name: /^Run of metric-a/ }).waitFor();
    // metric-b has accuracy and a metric over 0.9, but not in one element: as plain filters it would be found.
    expect(await table.getByRole('link', { name: /^Run of metric-b/ }).count()).toBe(0);
    await check('s06-search-nested-filter');
    // The nested filter is in the URL: reloading shows it and the same result.
    await page.reload();
    await table.getByRole('link', { name: /^Run of metric-a/ }).waitFor();
    expect(await field('Nested filter 1 property 2').inputValue()).toBe('Metrics.Max');
    expect(await field('Nested filter 1 value 1').inputValue()).toBe('accuracy');
    expect(await table.locator('tbody tr').count()).toBe(1);
  }, 120_000);

  it('shows the nested filters a link holds on a list its resource does not have, with the server’s refusal, where they can be removed', async () => {
    const { t, page } = studio;
    // Experiments have no list to nest filters on, so the form offered none, yet the link's were sent: the page
    // showed the refusal and no nested filter to fix or remove.
    const nested = JSON.stringify([{ p: 'Metrics', f: [{ n: 'Metrics.Max', o: 'Exists' }] }]);
    await page.goto(`${t.url}/search?resource=Experiment&nested=${encodeURIComponent(nested)}`);
    await page.getByRole('alert').getByText(/Metrics/).first().waitFor();
    const group = page.getByRole('group', { name: 'Nested filter 1' });
    expect(await field('Nested filter 1: every filter holds for one element of').inputValue()).toBe('Metrics');
    expect(await field('Nested filter 1 property 1').inputValue()).toBe('Metrics.Max');
    expect(await page.getByRole('button', { name: 'Add nested filter' }).count()).toBe(0);
    await group.getByRole('button', { name: 'Remove nested filter 1', exact: true }).click();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('table', { name: 'Experiments found' }).getByText('churn-study', { exact: true }).first().waitFor();
    expect(new URL(page.url()).searchParams.has('nested')).toBe(false);
  }, 120_000);

  it('shows a named, busy progress bar while a search loads', async () => {
    const { t, page } = studio;
    // The real server's answer held until the placeholder has been looked at.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    const hold = async (route: Route) => {
      await held;
      // A request the page gave up meanwhile (its query cancelled) is handled already: nothing to let through.
      await route.continue().catch((e: unknown) => {
        if (!/Route is already handled/.test(String(e))) throw e;
      });
    };
    await page.route('**/api/v1/search', hold);
    try {
      await page.goto(`${t.url}/search?resource=Model`);
      const placeholder = page.getByRole('progressbar', { name: 'Searching' });
      await placeholder.waitFor();
      expect(await placeholder.getAttribute('aria-busy')).toBe('true');
      // (Not `check`: it waits for animations to end, and the placeholder pulses until the answer comes.)
      expect(describeViolations(await seriousA11yViolations(page))).toBe('');
    } finally {
      release();
      await page.unroute('**/api/v1/search', hold);
    }
    await page.getByRole('table', { name: 'Models found' }).waitFor();
    expect(await page.getByRole('progressbar').count()).toBe(0);
  }, 120_000);

  it('shows the experiment’s trial with its component and the run it is on the experiment page', async () => {
    const { page } = studio;
    await nav('Experiments').click();
    await heading('Experiments').waitFor();
    await page.getByRole('table', { name: 'Experiments' }).getByRole('link', { name: 'churn-study' }).click();
    await heading('churn-study').waitFor();
    await page.getByRole('heading', { name: 'Trials', level: 2 }).waitFor();
    const components = page.getByRole('table', { name: 'Components of baseline' });
    const row = components.getByRole('row', { name: /prepare-data/ });
    await row.getByText('Completed').waitFor();
    await row.getByRole('link', { name: 'Run of prep-data: prepare-data' }).waitFor();
    expect(await components.getByText('loose-end').count()).toBe(0);
    // The training job's link names the job as it was named (its source ARN lower-cases it), and opens its page.
    const jobRow = components.getByRole('row', { name: /Churn-XGB-aws-training-job/ });
    await jobRow.getByRole('link', { name: 'Run of Churn-XGB-aws-training-job: Churn-XGB' }).waitFor();
    expect(await jobRow.getByRole('link', { name: 'Training job Churn-XGB' }).getAttribute('href')).toBe('/training-jobs/Churn-XGB');
    await check('s04-experiment-trials');
    await row.getByRole('link', { name: 'Run of prep-data: prepare-data' }).click();
    await heading('prepare-data').waitFor();
    await page.getByRole('table', { name: 'Parameters' }).getByRole('rowheader', { name: 'lr' }).waitFor();
    await page.goBack();
    await page.getByRole('table', { name: 'Components of baseline' }).getByRole('link', { name: 'Training job Churn-XGB' }).click();
    await heading('Churn-XGB').waitFor();
  }, 180_000);

  it('reads a large trial’s components a page at a time', async () => {
    const { page } = studio;
    await page.goBack();
    const wide = page.getByRole('table', { name: 'Components of wide' });
    await wide.getByRole('row', { name: /step-24/ }).waitFor();
    expect(await wide.locator('tbody tr').count()).toBe(25);
    expect(await wide.getByText('step-25').count()).toBe(0);
    await page.getByRole('button', { name: 'Show more components of wide' }).click();
    await wide.getByRole('row', { name: /step-29/ }).waitFor();
    expect(await wide.locator('tbody tr').count()).toBe(30);
    expect(await page.getByRole('button', { name: 'Show more components of wide' }).count()).toBe(0);
  }, 120_000);

  it('explains how trials are made on an experiment that has none', async () => {
    const { page } = studio;
    await nav('Experiments').click();
    await page.getByRole('table', { name: 'Experiments' }).getByRole('link', { name: 'Default' }).click();
    await heading('Default').waitFor();
    await waitForPage(page, `document.body.innerText.includes('No SageMaker trials in this experiment')`, 60_000);
    await page.getByText('create_trial', { exact: false }).first().waitFor();
    await check('s05-experiment-without-trials');
  }, 120_000);

  itHadNoConsoleErrors(studio, 6);
});
