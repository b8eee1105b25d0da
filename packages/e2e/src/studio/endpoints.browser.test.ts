import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMatrix } from '@loam/ml/data/index';
import { saveDeepArModel, trainDeepAr } from '@loam/ml/deepar/index';
import { trainGbdt, type GbdtModel } from '@loam/ml/gbdt/index';
import type { Platform } from '@loam/server';
import { itHadNoConsoleErrors, screenshot, useStudio, waitForPage } from './browser.test-support.js';
import { storeBuiltinModel } from './model-archive.test-support.js';
import { repoRoot } from './studio-build.test-support.js';

// The deploy journey in Chromium against a real `loam up`: a GBDT trained here on breast_cancer.csv is
// stored as a built-in model.tar.gz; model, endpoint config and endpoint are created from Studio's
// forms; the endpoint goes InService, answers the test-invoke panel with the model's own predictions,
// its traffic chart moves, and it is deleted after confirming. Then a DeepAR model, trained here too, is
// deployed and its forecast drawn under the test-invoke answer.
const lines = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n').slice(1);
const table = lines.map((l) => l.split(',').map(Number));
const features = table.map((r) => r.slice(1));

async function trainAndStore(platform: Platform): Promise<GbdtModel> {
  const rows = table.length;
  const cols = features[0]!.length;
  const x = createMatrix(rows, cols);
  const y = new Float64Array(rows);
  table.forEach((r, i) => {
    y[i] = r[0]!;
    features[i]!.forEach((v, j) => (x.data[j * rows + i] = v));
  });
  const model = await trainGbdt({ x, y }, { num_round: 20, max_depth: 3, objective: 'binary:logistic' });
  await storeBuiltinModel(platform, 'xgboost', model.toJSON(), 'breast-cancer/model.tar.gz');
  return model;
}

// A small DeepAR (monthly CO2 and its two companion series, 12 months ahead), trained here in a few seconds.
const co2 = readFileSync(join(repoRoot, 'datasets/timeseries/monthly3.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { start: string; target: number[] });
const DEEPAR_HP = { time_freq: 'M', prediction_length: '12', context_length: '12', epochs: '3', num_cells: '8', num_layers: '1', mini_batch_size: '16' };

async function trainDeepArAndStore(platform: Platform): Promise<void> {
  const { model } = trainDeepAr(DEEPAR_HP, co2.map((s) => ({ start: s.start, target: s.target })), { seed: 1 });
  await storeBuiltinModel(platform, 'forecasting-deepar', JSON.parse(saveDeepArModel(model)) as unknown, 'co2-deepar/model.tar.gz');
}

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Models and endpoints in Studio', { retry: 0 }, () => {
  let model: GbdtModel;
  const studio = useStudio({
    setupTimeout: 120_000,
    viewport: { width: 1280, height: 900 },
    async prepare(t) {
      model = await trainAndStore(t.platform);
      await trainDeepArAndStore(t.platform);
    },
  });
  const { check, heading, nav } = studio;
  const section = (name: string) => studio.page.getByRole('region', { name, exact: true });

  afterEach(async (ctx) => {
    // What the page showed when a step failed.
    if (ctx.task.result?.state !== 'fail') return;
    const { page, watch } = studio;
    await screenshot(page, `endpoints-failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
    console.error('failed responses:', watch.failures, 'alerts:', await page.getByRole('alert').allTextContents(), 'invalid:', await page.locator('[aria-invalid="true"]').evaluateAll((xs) => xs.map((x) => String((x as unknown as { id: string }).id))));
  });

  it('creates a model from the generated form and shows its container', async () => {
    const { t, page } = studio;
    await nav('Models').click();
    await heading('Models').waitFor();
    await page.getByText('No models yet').waitFor();
    await page.getByRole('button', { name: 'Create model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create model' });
    await dialog.getByLabel('Model name').fill('bc-model');
    await dialog.getByLabel('Model data URL').fill('s3://models/breast-cancer/model.tar.gz');
    await check('endpoints-01-create-model');
    await dialog.getByRole('button', { name: 'Create model' }).click();
    await heading('bc-model').waitFor();
    await section('Primary container').getByText('s3://models/breast-cancer/model.tar.gz').waitFor();
    await check('endpoints-02-model-detail');
    expect((await t.admin.DescribeModel({ ModelName: 'bc-model' })).PrimaryContainer?.ModelDataUrl).toBe('s3://models/breast-cancer/model.tar.gz');
  });

  it('creates an endpoint config with a weighted production variant', async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/endpoint-configs`);
    await heading('Endpoint configs').waitFor();
    await page.getByRole('button', { name: 'Create endpoint config' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create endpoint config' });
    await dialog.getByLabel('Endpoint config name').fill('bc-config');
    // The variant's model is picked among existing ones, searched by name.
    await dialog.getByLabel('Model name').fill('bc-mo');
    await page.getByRole('option', { name: 'bc-model' }).click();
    await dialog.getByRole('button', { name: 'Create endpoint config' }).click();
    await heading('bc-config').waitFor();
    const variants = page.getByRole('table', { name: 'Production variants of bc-config' });
    await variants.getByRole('link', { name: 'bc-model' }).waitFor();
    await variants.getByRole('cell', { name: '100%' }).waitFor();
    await check('endpoints-03-config-detail');
    const c = await t.admin.DescribeEndpointConfig({ EndpointConfigName: 'bc-config' });
    expect(c.ProductionVariants.map((v) => [v.VariantName, v.ModelName, v.InitialInstanceCount, v.InitialVariantWeight])).toEqual([['AllTraffic', 'bc-model', 1, 1]]);
  });

  it('creates the endpoint and watches it go InService', async () => {
    const { t, page } = studio;
    await nav('Endpoints').click();
    await heading('Endpoints').waitFor();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create endpoint' });
    await dialog.getByLabel('Endpoint name').fill('bc-endpoint');
    await dialog.getByLabel('Endpoint config name').fill('bc-config');
    await dialog.getByRole('button', { name: 'Create endpoint' }).click();
    await heading('bc-endpoint').waitFor();
    await section('Summary').getByText('InService', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('table', { name: 'Variants of bc-endpoint' }).getByRole('cell', { name: 'AllTraffic' }).waitFor();
    expect((await t.admin.DescribeEndpoint({ EndpointName: 'bc-endpoint' })).EndpointStatus).toBe('InService');
  });

  it('test-invokes from the panel: the model’s predictions, the variant and the latency; the chart moves', async () => {
    const { page, watch } = studio;
    const panel = section('Test invoke');
    const rows = features.slice(0, 3);
    await panel.getByLabel('Body').fill(rows.map((r) => r.join(',')).join('\n'));
    for (let i = 0; i < 3; i++) {
      await panel.getByRole('button', { name: 'Invoke' }).click();
      await panel.getByTestId('invoked-variant').getByText('AllTraffic').waitFor();
      // Two seconds with traffic make a latency line.
      await page.waitForTimeout(1100);
    }
    const answer = (await panel.getByTestId('invoke-answer').textContent())!;
    const got = answer.trim().split(/[\n,]/).map(Number);
    const want = rows.map((r) => model.predictRow(r)[0]!);
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    expect(await panel.getByTestId('invoke-latency').textContent()).toMatch(/Latency: \d+(\.\d+)? ms/);

    const traffic = section('Traffic and latency');
    await expect.poll(async () => Number(/\d+/.exec((await traffic.getByTestId('invocation-total').textContent()) ?? '')?.[0]), { timeout: 10_000 }).toBe(3);
    await traffic.getByRole('img', { name: /^Invocations per second/ }).locator('.recharts-line').first().waitFor();
    await traffic.getByRole('img', { name: /^Model latency/ }).waitFor();
    await check('endpoints-04-endpoint-invoked');

    // A session alone cannot invoke: another site's page could send the cookie, not the CSRF token.
    watch.expect('403 POST /endpoints/bc-endpoint/invocations');
    const forged = await page.evaluate(async (body) => (await fetch('/endpoints/bc-endpoint/invocations', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/csv' }, body })).status, rows[0]!.join(','));
    expect(forged).toBe(403);

    // A body the model refuses: its own words in an alert, not only inside the raw JSON answer.
    watch.expect('424 POST /endpoints/bc-endpoint/invocations');
    await panel.getByLabel('Body').fill('hello,world');
    await panel.getByRole('button', { name: 'Invoke' }).click();
    await panel.getByRole('alert').filter({ hasText: 'The model refused the request' }).getByText(/'hello' is not a number/).waitFor();
    await panel.getByLabel('Body').fill(rows.map((r) => r.join(',')).join('\n'));

    await page.getByRole('button', { name: 'Use dark theme' }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "dark"');
    await check('endpoints-04-endpoint-invoked-dark');
    await page.getByRole('button', { name: 'Use light theme' }).click();
    await waitForPage(page, 'document.documentElement.getAttribute("data-mantine-color-scheme") === "light"');
  });

  it('updates by canary from the deployment-config form, with an alarm to roll back on, and shows the rollout', async () => {
    const { t, page } = studio;
    await section('Alarms').getByRole('button', { name: 'Create alarm' }).click();
    const alarmDialog = page.getByRole('dialog', { name: 'Create alarm' });
    await alarmDialog.getByRole('button', { name: 'Create alarm' }).click();
    await section('Alarms').getByRole('table', { name: 'Alarms on bc-endpoint' }).getByText('bc-endpoint-5xx').waitFor();
    await section('Alarms').getByRole('cell', { name: 'Sum of Invocation5XXErrors ≥ 1, 1 of 1 × 10 s' }).waitFor();
    expect((await t.admin.DescribeAlarms({})).MetricAlarms.map((a) => a.AlarmName)).toEqual(['bc-endpoint-5xx']);
    await t.admin.CreateEndpointConfig({ EndpointConfigName: 'bc-config-2', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'bc-model', InitialInstanceCount: 2, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 }] });

    await page.getByRole('button', { name: 'Update', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Update bc-endpoint' });
    await dialog.getByPlaceholder('Choose a config').click();
    await page.getByRole('option', { name: 'bc-config-2' }).click();
    await dialog.getByLabel('Traffic shift').selectOption('CANARY');
    await dialog.getByLabel('Canary size').fill('1');
    await dialog.getByLabel('Size unit').selectOption('INSTANCE_COUNT');
    await dialog.getByLabel('Wait between steps (s)').fill('4');
    await dialog.getByPlaceholder('Choose alarms').click();
    await page.getByRole('option', { name: /bc-endpoint-5xx/ }).click();
    await dialog.getByText('A new fleet starts on the chosen config').click();
    await check('endpoints-05-update-form');
    await dialog.getByRole('button', { name: 'Update endpoint' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const rollout = section('Rollout');
    await rollout.getByText('Moving to bc-config-2').waitFor({ timeout: 30_000 });
    await rollout.getByText(/% of traffic on the new fleet/).waitFor();
    // The current fleet keeps answering while it updates: the test panel must not say otherwise.
    await section('Test invoke').getByText('Sent as InvokeEndpoint with your session.').waitFor();
    await screenshot(page, 'endpoints-06-rollout');
    await rollout.waitFor({ state: 'detached', timeout: 60_000 });
    await section('Summary').getByText('InService', { exact: true }).waitFor();
    const d = await t.admin.DescribeEndpoint({ EndpointName: 'bc-endpoint' });
    expect([d.EndpointConfigName, d.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration.Type, d.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms]).toEqual(['bc-config-2', 'CANARY', [{ AlarmName: 'bc-endpoint-5xx' }]]);
  }, 120_000);

  it('changes a variant’s weight and instance count in place', async () => {
    const { t, page } = studio;
    await section('Variants').getByRole('button', { name: 'Change weights and instances' }).click();
    const dialog = page.getByRole('dialog', { name: 'Weights and instances of bc-endpoint' });
    await dialog.getByLabel('Weight of AllTraffic').fill('2');
    await dialog.getByLabel('Instance count of AllTraffic').fill('1');
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const variants = page.getByRole('table', { name: 'Variants of bc-endpoint' });
    await expect.poll(async () => (await variants.getByRole('row').nth(1).getByRole('cell').allTextContents()).slice(1, 5), { timeout: 30_000 }).toEqual(['2', '2', '1', '1']);
    const v = (await t.admin.DescribeEndpoint({ EndpointName: 'bc-endpoint' })).ProductionVariants![0]!;
    expect([v.CurrentWeight, v.DesiredWeight, v.CurrentInstanceCount, v.DesiredInstanceCount]).toEqual([2, 2, 1, 1]);
  });

  it('lists the endpoint with its status and finds it with global search', async () => {
    const { page } = studio;
    await nav('Endpoints').click();
    const list = page.getByRole('table', { name: 'Endpoints' });
    const row = list.getByRole('row').filter({ has: page.getByRole('link', { name: 'bc-endpoint' }) });
    await row.getByText('InService', { exact: true }).waitFor();
    await check('endpoints-07-endpoints-list');
    await page.keyboard.press('/');
    const search = page.getByRole('dialog', { name: 'Search Loam' });
    await search.getByRole('combobox').fill('bc-');
    await search.getByRole('option', { name: /bc-model/ }).first().waitFor();
    await search.getByRole('option', { name: /bc-endpoint/ }).first().click();
    await heading('bc-endpoint').waitFor();
  });

  it('deletes the endpoint after confirming', async () => {
    const { t, page } = studio;
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete endpoint bc-endpoint?' });
    await confirm.getByText('Its instances are drained and stopped').waitFor();
    await check('endpoints-08-delete-confirm');
    // The page stops polling the endpoint once the delete is asked for (a poll answered after it is gone is a
    // 404): the DELETE's answer is held 2.5 s, longer than two poll intervals, and no poll may start meanwhile.
    const sent: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/endpoints/bc-endpoint')) sent.push(`${r.method()} ${path}`);
    };
    page.on('request', onRequest);
    await page.route('**/api/v1/endpoints/bc-endpoint', async (route) => {
      if (route.request().method() !== 'DELETE') return route.fallback();
      await new Promise((r) => setTimeout(r, 2500));
      return route.continue();
    });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await heading('Endpoints').waitFor();
    page.off('request', onRequest);
    await page.unroute('**/api/v1/endpoints/bc-endpoint');
    expect(sent.slice(sent.indexOf('DELETE /api/v1/endpoints/bc-endpoint'))).toEqual(['DELETE /api/v1/endpoints/bc-endpoint']);
    await expect.poll(async () => (await t.admin.ListEndpoints({})).Endpoints.map((e) => e.EndpointName), { timeout: 30_000 }).toEqual([]);
    await page.getByText('No endpoints yet').waitFor({ timeout: 10_000 });
    await check('endpoints-09-endpoints-empty');
  });

  it('draws a DeepAR endpoint’s forecast under the test-invoke answer', async () => {
    const { t, page } = studio;
    await t.admin.CreateModel({ ModelName: 'co2-deepar', PrimaryContainer: { Image: '522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1', ModelDataUrl: 's3://models/co2-deepar/model.tar.gz' } });
    await t.admin.CreateEndpointConfig({ EndpointConfigName: 'co2-deepar', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'co2-deepar', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
    await t.admin.CreateEndpoint({ EndpointName: 'co2-deepar', EndpointConfigName: 'co2-deepar' });
    await page.goto(`${t.url}/endpoints/co2-deepar`);
    await heading('co2-deepar').waitFor();
    await section('Summary').getByText('InService', { exact: true }).waitFor({ timeout: 60_000 });
    const panel = section('Test invoke');
    // The panel knows a DeepAR image: JSON by default, SageMaker's request shape as the placeholder.
    expect(await panel.getByLabel('Content type').inputValue()).toBe('application/json');
    expect(await panel.getByLabel('Body').getAttribute('placeholder')).toMatch(/^\{"instances": \[\{"start": /);
    const series = co2[0]!;
    await panel.getByLabel('Body').fill(JSON.stringify({ instances: [{ start: series.start, target: series.target.slice(-60) }], configuration: { output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] } }));
    await panel.getByRole('button', { name: 'Invoke' }).click();
    // The chart says what it shows: the last 48 months of history, 12 forecast, and the last step's values as answered.
    const chart = panel.getByRole('img', { name: /^Forecast of instance 1: 48 points of history, then 12 forecast; at t\+12 mean / });
    await chart.waitFor();
    const answer = JSON.parse((await panel.getByTestId('invoke-answer').textContent())!) as { predictions: { mean: number[]; quantiles: Record<string, number[]> }[] };
    const p = answer.predictions[0]!;
    expect(p.mean).toHaveLength(12);
    const [q1, q5, q9] = ['0.1', '0.5', '0.9'].map((q) => p.quantiles[q]![11]!);
    expect([q1! <= q5!, q5! <= q9!]).toEqual([true, true]);
    const said = /mean (\S+), median (\S+), 0\.1–0\.9 quantiles (\S+) – (\S+)$/.exec((await chart.getAttribute('aria-label'))!)!.slice(1).map(Number);
    // Three significant digits of each.
    [p.mean[11]!, q5!, q1!, q9!].forEach((want, i) => expect(Math.abs(said[i]! - want)).toBeLessThanOrEqual(Math.abs(want) * 0.005));
    await chart.locator('.recharts-area').first().waitFor();
    await chart.locator('.recharts-line').nth(2).waitFor();
    await check('endpoints-10-deepar-forecast');
  }, 120_000);

  itHadNoConsoleErrors(studio);
});
