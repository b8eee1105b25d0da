import type { Locator } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { itHadNoConsoleErrors, screenshot, useStudio } from './browser.test-support.js';
import { breastCancerRows, trainBreastCancerJob } from './loam.test-support.js';

// From a training job to a serving endpoint in Chromium against a real Loam, all in Studio's forms: a
// version is registered in a model group with the job's model artifact picked from the offered ones, and
// the registry's Deploy creates the model, an endpoint config (one variant, data capture) and an endpoint
// in one form, whose page opens and goes InService. The model page's Deploy is the same form without the model.
// Deploy is offered only on versions the server deploys (Approved), disabled with the reason on the others.
const rows = breastCancerRows();
const features = rows.slice(0, 3).map((r) => r.split(',').slice(1).join(','));
/**
 * How long a field may take to show what the page puts in it: as long as a page action may (useStudio's 20 s),
 * not expect.poll's default of one second, which a loaded machine outlasts.
 */
const fieldWait = { timeout: 20_000 };
/** Waits until the page marks the field invalid (aria-invalid, the state a screen reader hears). */
const invalid = (field: Locator) => field.and(field.page().locator('[aria-invalid="true"]')).waitFor();

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe('Registering a version and deploying it in Studio', { retry: 0 }, () => {
  let artifact = '';
  let model = '';
  const studio = useStudio({
    setupTimeout: 240_000,
    async prepare(t) {
      artifact = await trainBreastCancerJob(t, 'binary:logistic');
    },
  });
  const { check, heading, nav } = studio;

  afterEach(async (ctx) => {
    // What the page showed when a step failed.
    if (ctx.task.result?.state === 'fail') await screenshot(studio.page, `registry-deploy-failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
  });

  it('registers a version from the group page, with the training job’s artifact picked', async () => {
    const { t, page } = studio;
    await nav('Model registry').click();
    await heading('Model registry').waitFor();
    await page.getByRole('link', { name: 'bc-models' }).click();
    await heading('bc-models').waitFor();
    await page.getByText('No versions yet').waitFor();
    await page.getByRole('button', { name: 'Register version' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register version' });
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Image', exact: true }).inputValue(), fieldWait).toContain('sagemaker-xgboost');
    const url = dialog.getByLabel('Model data URL');
    // The contract's pattern is checked as the field is left.
    await url.fill('models/bc-xgb');
    await url.blur();
    await invalid(url);
    await url.fill('s3://');
    await page.getByRole('option', { name: artifact }).click();
    await expect.poll(() => url.inputValue(), fieldWait).toBe(artifact);
    // The description is optional: it waits under More settings.
    await dialog.getByRole('button', { name: 'More settings' }).click();
    await dialog.getByLabel('Model package description').fill('10 rounds on breast cancer');
    await dialog.getByLabel('Model approval status').click();
    await page.getByRole('option', { name: 'Approved', exact: true }).click();
    await check('rd01-register-version');
    await dialog.getByRole('button', { name: 'Register version' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const versions = page.getByRole('table', { name: 'Versions of bc-models' });
    await versions.getByRole('button', { name: 'Deploy bc-models version 1' }).waitFor();
    await versions.getByText('Approved', { exact: true }).waitFor();
    const p = await t.admin.DescribeModelPackage({ ModelPackageName: 'bc-models/1' });
    expect([p.ModelApprovalStatus, p.ModelPackageDescription, p.InferenceSpecification?.Containers[0]?.ModelDataUrl, p.InferenceSpecification?.SupportedContentTypes]).toEqual(['Approved', '10 rounds on breast cancer', artifact, ['text/csv']]);
  });

  it('deploys the version to a running endpoint in one form: model, endpoint config, endpoint', async () => {
    const { t, page } = studio;
    await page.getByRole('button', { name: 'Deploy bc-models version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy bc-models version 1' });
    // Names proposed after the group and version; the role the create forms propose.
    model = await dialog.getByRole('textbox', { name: 'Model name' }).inputValue();
    expect(model).toMatch(/^bc-models-v1-\d{14}$/);
    expect(await dialog.getByLabel(/^Execution role/).inputValue()).toMatch(/^arn:[^:]+:iam::\d{12}:role\/LoamExecution$/);
    const endpoint = await dialog.getByRole('textbox', { name: 'Endpoint name' }).inputValue();
    expect(endpoint).toMatch(/^bc-models-v1-\d{14}$/);
    await dialog.getByRole('textbox', { name: 'Initial instance count' }).fill('0');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await invalid(dialog.getByRole('textbox', { name: 'Initial instance count' }));
    // Nothing is created while a field is wrong.
    expect((await t.admin.ListModels({})).Models).toEqual([]);
    await dialog.getByRole('textbox', { name: 'Initial instance count' }).fill('1');
    await dialog.getByLabel(/^Execution role/).fill('arn:aws:iam::000000000000:role/BcDeployer');
    // Mantine's switch input is visually hidden behind its track: click it as a script would.
    await dialog.getByRole('switch', { name: 'Capture requests and responses' }).dispatchEvent('click');
    await dialog.getByRole('textbox', { name: 'Capture to (S3 URI)' }).fill('s3://models/capture/');
    await check('rd02-deploy-version');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await heading(endpoint).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/endpoints/${endpoint}`);
    await page.getByRole('region', { name: 'Summary' }).getByText('InService', { exact: true }).waitFor({ timeout: 90_000 });
    const m = await t.admin.DescribeModel({ ModelName: model });
    expect([m.ExecutionRoleArn, m.PrimaryContainer?.ModelPackageName]).toEqual(['arn:aws:iam::000000000000:role/BcDeployer', expect.stringMatching(/model-package\/bc-models\/1$/)]);
    const e = await t.admin.DescribeEndpoint({ EndpointName: endpoint });
    const c = await t.admin.DescribeEndpointConfig({ EndpointConfigName: e.EndpointConfigName! });
    expect(c.EndpointConfigName).toBe(`${endpoint}-config`);
    expect(c.ProductionVariants.map((v) => [v.ModelName, v.InitialInstanceCount, v.InstanceType])).toEqual([[model, 1, 'ml.m5.large']]);
    expect(c.DataCaptureConfig).toMatchObject({ EnableCapture: true, DestinationS3Uri: 's3://models/capture/', InitialSamplingPercentage: 100 });
    const panel = page.getByRole('region', { name: 'Test invoke' });
    await panel.getByLabel('Body').fill(features.join('\n'));
    await panel.getByRole('button', { name: 'Invoke' }).click();
    await panel.getByTestId('invoked-variant').getByText('AllTraffic').waitFor();
    await check('rd03-endpoint');
  }, 120_000);

  it('says what it created when the endpoint cannot be, and the next attempt uses the same model', async () => {
    const { t, page, watch } = studio;
    const taken = (await t.admin.ListEndpoints({})).Endpoints[0]!.EndpointName;
    // The endpoint name is taken; its config name too, so a stamped config is made, then deleted.
    watch.expect('409 POST /api/v1/endpoint-configs');
    watch.expect('409 POST /api/v1/endpoints');
    await nav('Model registry').click();
    await page.getByRole('link', { name: 'bc-models' }).click();
    await page.getByRole('button', { name: 'Deploy bc-models version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deploy bc-models version 1' });
    const second = await dialog.getByRole('textbox', { name: 'Model name' }).inputValue();
    await dialog.getByRole('textbox', { name: 'Endpoint name' }).fill(taken);
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    const alert = dialog.getByRole('alert');
    await alert.getByText(/^Could not create the endpoint/).waitFor();
    const progress = dialog.getByRole('list', { name: 'Deploy progress' });
    await progress.getByText(`Model ${second}: created and kept`, { exact: false }).waitFor();
    await progress.getByText(/^Endpoint config .*: created, then deleted/).waitFor();
    await progress.getByText(`Endpoint ${taken}: not created`).waitFor();
    await invalid(dialog.getByRole('textbox', { name: 'Endpoint name' }));
    await check('rd04-deploy-failed');
    const configs = (await t.admin.ListEndpointConfigs({})).EndpointConfigs.map((x) => x.EndpointConfigName);
    expect(configs).toEqual([`${taken}-config`]);
    expect((await t.admin.ListModels({})).Models.map((x) => x.ModelName).sort()).toEqual([model, second].sort());
    // The model is not asked for again: the next attempt deploys the one just created.
    expect(await dialog.getByRole('textbox', { name: 'Model name' }).count()).toBe(0);
    await dialog.getByRole('textbox', { name: 'Endpoint name' }).fill('bc-second');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await heading('bc-second').waitFor();
    const e = await t.admin.DescribeEndpoint({ EndpointName: 'bc-second' });
    const c = await t.admin.DescribeEndpointConfig({ EndpointConfigName: e.EndpointConfigName! });
    expect(c.ProductionVariants.map((v) => v.ModelName)).toEqual([second]);
    expect((await t.admin.ListModels({})).Models).toHaveLength(2);
  }, 60_000);

  it('deploys under an endpoint name whose <name>-config is left from an earlier endpoint', async () => {
    const { t, page, watch } = studio;
    // The first config name is refused (in use); Studio then takes a stamped one.
    watch.expect('409 POST /api/v1/endpoint-configs');
    // What deleting an endpoint leaves behind: its config, named after it.
    await t.admin.CreateEndpointConfig({ EndpointConfigName: 'bc-reused-config', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 }] });
    await page.goto(`${t.url}/models/${encodeURIComponent(model)}`);
    await heading(model).waitFor();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Deploy ${model}` });
    await dialog.getByRole('textbox', { name: 'Endpoint name' }).fill('bc-reused');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await heading('bc-reused').waitFor();
    const e = await t.admin.DescribeEndpoint({ EndpointName: 'bc-reused' });
    expect(e.EndpointConfigName).toMatch(/^bc-reused-\d{14}-config$/);
    await page.getByRole('region', { name: 'Summary' }).getByText('InService', { exact: true }).waitFor({ timeout: 90_000 });
  }, 120_000);

  it('offers Deploy only on Approved versions, and says on the others why not', async () => {
    const { t, page } = studio;
    // Version 2, pending: the server refuses to deploy it (only Approved versions deploy).
    await t.admin.CreateModelPackage({ ModelPackageGroupName: 'bc-models', InferenceSpecification: { Containers: [{ Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: artifact }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] } } as never);
    await nav('Model registry').click();
    await page.getByRole('link', { name: 'bc-models' }).click();
    await heading('bc-models').waitFor();
    const versions = page.getByRole('table', { name: 'Versions of bc-models' });
    const deploy = versions.getByRole('button', { name: 'Deploy bc-models version 2' });
    await deploy.waitFor();
    const reason = () => deploy.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(await deploy.getAttribute('aria-disabled')).toBe('true');
    expect(await reason()).toBe('Only Approved versions of bc-models can be deployed: approve this version first (or tag the group loam:deployment-approval = not-required to deploy pending versions).');
    // The reason shows where the pointer is, and a click opens nothing.
    await deploy.hover();
    await page.getByRole('tooltip').getByText(/^Only Approved versions of bc-models can be deployed/).waitFor();
    await check('rd05-deploy-pending-version');
    // (Playwright waits for an aria-disabled button to become enabled: force the click a user can make.)
    await deploy.click({ force: true });
    expect(await page.getByRole('dialog', { name: 'Deploy bc-models version 2' }).count()).toBe(0);
    // Version 1, Approved, deploys as before.
    expect(await versions.getByRole('button', { name: 'Deploy bc-models version 1' }).getAttribute('aria-disabled')).toBeNull();

    // Approved: Deploy opens its form. The pointer leaves Deploy first, so its tooltip is gone before the next click.
    await page.mouse.move(0, 0);
    await page.getByRole('tooltip').waitFor({ state: 'hidden' });
    await versions.getByRole('button', { name: 'Approve bc-models version 2' }).click();
    const approve = page.getByRole('dialog', { name: 'Approve bc-models version 2' });
    await approve.getByRole('button', { name: 'Approve' }).click();
    await approve.waitFor({ state: 'hidden' });
    // Until the version is read again the row shows it pending: wait for the page to show it Approved (the state,
    // not expect.poll's one second, which a loaded machine outlasts).
    await versions.getByRole('button', { name: 'Deploy bc-models version 2', disabled: false }).waitFor();
    await deploy.click();
    const form = page.getByRole('dialog', { name: 'Deploy bc-models version 2' });
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'hidden' });

    // Rejected: never deployable, and it says so.
    await versions.getByRole('button', { name: 'Reject bc-models version 2' }).click();
    const reject = page.getByRole('dialog', { name: 'Reject bc-models version 2' });
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.waitFor({ state: 'hidden' });
    await versions.getByRole('button', { name: 'Deploy bc-models version 2', disabled: true }).waitFor();
    expect(await reason()).toBe('A Rejected version cannot be deployed. Approve it first to deploy it.');
  }, 120_000);

  itHadNoConsoleErrors(studio);
});
