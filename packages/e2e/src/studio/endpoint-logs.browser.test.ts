import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../poll.test-support.js';
import { itHadNoConsoleErrors, screenshot, useStudio, waitForPage, watchPage } from './browser.test-support.js';
import type { LoamUnderTest } from './loam.test-support.js';

// An endpoint's model-server output on its Studio page, in Chromium against a real Loam: a script-mode endpoint
// whose model_fn prints (300 numbered lines, then one naming its model directory) and raises goes Failed; its
// failure reason links to the Logs panel, which shows the instance's newest lines with the traceback, and loads the
// earlier ones on demand, each once. A working endpoint of two instances lists both streams, newest first, and
// follows the lines its predict_fn prints as it is invoked. A user denied the endpoint's log group is told so.
// Before, the page showed no instance output at all: one left Studio (aws logs tail) to learn why an endpoint failed.
const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const BROKEN = `
def model_fn(model_dir):
    for i in range(300):
        print("warming up %d loam-e2e-broken" % i)
    print("loading the model from " + model_dir + " for loam-e2e-broken", flush=True)
    raise ValueError("no model here: loam-e2e-broken")
`;
const ECHO = `
def model_fn(model_dir):
    print("model ready loam-e2e-echo", flush=True)
    return None
def predict_fn(data, model):
    print("predicting %s loam-e2e-echo" % (data,), flush=True)
    return data
`;

/** A script-mode model.tar.gz (code/inference.py) at s3://models/<name>/model.tar.gz, and the model. */
async function scriptModel(t: LoamUnderTest, name: string, source: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'loam-e2e-eplogs-'));
  try {
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'inference.py'), source);
    writeFileSync(join(dir, 'model.bin'), 'x');
    const tar = spawnSync('tar', ['-czf', 'model.tar.gz', 'model.bin', 'code/inference.py'], { cwd: dir });
    if (tar.status !== 0) throw new Error(`tar failed: ${String(tar.stderr)}`);
    await t.platform.artifacts.ensureBucket('models');
    await t.platform.artifacts.put({ bucket: 'models', key: `${name}/model.tar.gz` }, readFileSync(join(dir, 'model.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await t.admin.CreateModel({
    ModelName: name,
    ExecutionRoleArn: 'arn:aws:iam::000000000000:role/LoamTests',
    PrimaryContainer: { Image: SKLEARN, ModelDataUrl: `s3://models/${name}/model.tar.gz`, Environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' } },
  });
}

async function endpoint(t: LoamUnderTest, name: string, model: string, instances: number): Promise<string> {
  await t.admin.CreateEndpointConfig({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InitialInstanceCount: instances, InstanceType: 'ml.m5.large' }] });
  await t.admin.CreateEndpoint({ EndpointName: name, EndpointConfigName: name });
  const e = await pollUntil(() => t.admin.DescribeEndpoint({ EndpointName: name }), (d) => d.EndpointStatus !== 'Creating', 120);
  return e.EndpointStatus;
}

// A journey: each step builds on the last, so CI reruns the whole file once rather than retrying one step (scripts/test.mjs).
describe("An endpoint's logs in Studio", { retry: 0 }, () => {
  const studio = useStudio({
    setupTimeout: 180_000,
    viewport: { width: 1280, height: 720 },
    async prepare(t) {
      await scriptModel(t, 'broken', BROKEN);
      await scriptModel(t, 'echo', ECHO);
      expect(await endpoint(t, 'broken-ep', 'broken', 1)).toBe('Failed');
      expect(await endpoint(t, 'echo-ep', 'echo', 2)).toBe('InService');
    },
  });
  const { check, heading } = studio;
  const logsOf = () => studio.page.getByRole('region', { name: 'Logs', exact: true });
  const log = (stream: string) => logsOf().getByRole('log', { name: `Output of ${stream}` });
  /** The endpoint's streams, newest instance first, as the admin reads them. */
  const streamsOf = async (endpointName: string) =>
    (await studio.t.admin.DescribeLogStreams({ logGroupName: `/aws/sagemaker/Endpoints/${endpointName}` })).logStreams.sort((a, b) => b.creationTime - a.creationTime).map((s) => s.logStreamName);
  /** A stream's lines as shown, without the time each starts with. */
  const linesOf = (stream: string) =>
    log(stream).locator('.log-line').evaluateAll((els) => els.map((e) => (e.textContent ?? '').slice((e.querySelector('.log-time')?.textContent ?? '').length + 1)));
  /** The shown line that reads exactly `text` (after its time). */
  const line = (stream: string, text: string) => log(stream).locator('.log-line', { hasText: new RegExp(`^\\S.* ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });

  afterEach(async (ctx) => {
    // What the page showed when a step failed.
    if (ctx.task.result?.state !== 'fail') return;
    await screenshot(studio.page, `eplogs-failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`);
    console.error('failed responses:', studio.watch.failures, 'alerts:', await studio.page.getByRole('alert').allTextContents(), 'streams:', await streamsOf('broken-ep'), await streamsOf('echo-ep'));
  });

  it("links a failed endpoint's reason to the Logs panel, which shows model_fn's lines and its traceback", async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/endpoints/broken-ep`);
    await heading('broken-ep').waitFor();
    const failure = page.getByRole('region', { name: 'Failure', exact: true });
    await failure.getByText('no model here: loam-e2e-broken', { exact: false }).waitFor();
    // The newest instance's, picked first.
    const [stream] = await streamsOf('broken-ep');
    expect(stream).toMatch(/^AllTraffic\/broken-ep-alltraffic-\d+$/);
    await line(stream!, 'ValueError: no model here: loam-e2e-broken').waitFor({ state: 'attached' });
    // Below the fold until the link is followed.
    expect(await log(stream!).evaluate((e) => e.getBoundingClientRect().top < window.innerHeight)).toBe(false);
    await failure.getByRole('link', { name: "See the instances' output in Logs" }).click();
    // The link took the reader there: the panel is on screen and its lines have the keyboard.
    await waitForPage(page, `document.activeElement?.getAttribute('aria-label') === 'Output of ${stream}'`);
    expect(await log(stream!).evaluate((e) => e.getBoundingClientRect().top < window.innerHeight)).toBe(true);
    const lines = await linesOf(stream!);
    const printed = lines.indexOf('loading the model from /opt/ml/model for loam-e2e-broken');
    expect(printed, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('Traceback (most recent call last):', printed), lines.join('\n')).toBeGreaterThan(printed);
    // The newest lines first: the first warming-up lines are not read yet.
    expect(lines).not.toContain('warming up 0 loam-e2e-broken');
    expect(lines).toContain('warming up 299 loam-e2e-broken');
    await check('eplogs-01-failed-endpoint-logs');
  });

  it('loads the earlier lines on demand, each once, until the first', async () => {
    const { t } = studio;
    const stream = (await streamsOf('broken-ep'))[0]!;
    const earlier = logsOf().getByRole('button', { name: 'Load earlier lines' });
    await earlier.click();
    await line(stream, 'warming up 0 loam-e2e-broken').waitFor();
    await earlier.waitFor({ state: 'detached' });
    // Shown from the top, no longer jumping to the newest line.
    expect(await log(stream).evaluate((e) => e.scrollTop)).toBe(0);
    expect(await logsOf().getByLabel('Follow new lines').isChecked()).toBe(false);
    const all = (await t.admin.GetLogEvents({ logGroupName: '/aws/sagemaker/Endpoints/broken-ep', logStreamName: stream, startFromHead: true })).events.map((e) => e.message);
    expect(all.length).toBeGreaterThan(300);
    expect(await linesOf(stream)).toEqual(all);
  });

  it("lists a working endpoint's instances, newest first, and follows the lines it writes as it is invoked", async () => {
    const { t, page } = studio;
    await page.goto(`${t.url}/endpoints/echo-ep`);
    await heading('echo-ep').waitFor();
    const picker = logsOf().getByRole('combobox', { name: 'Instance' });
    await picker.waitFor();
    const newestFirst = await streamsOf('echo-ep');
    expect(newestFirst).toHaveLength(2);
    const options = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(options).toEqual(newestFirst);
    for (const stream of options) {
      await picker.selectOption(stream);
      await line(stream, 'model ready loam-e2e-echo').waitFor();
    }
    // With the page open, invocations' lines arrive in the picked stream without a reload. Which instance answers is
    // the router's choice (sequential calls may all go to one): invoke until one has answered, pick its stream, then
    // invoke until it answers again and wait for the new lines to appear on the open page.
    const written = async (s: string) => (await t.admin.GetLogEvents({ logGroupName: '/aws/sagemaker/Endpoints/echo-ep', logStreamName: s, startFromHead: true })).events.map((e) => e.message);
    const answered = async (s: string) => (await written(s)).filter((m) => m.startsWith('predicting')).length;
    const invokeUntil = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 40 && !(await done()); i++) {
        await t.admin.invokeEndpoint({ EndpointName: 'echo-ep', Body: `${i},1`, ContentType: 'text/csv' });
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    let stream: string | undefined;
    await invokeUntil(async () => {
      for (const s of options) if ((await answered(s)) > 0) stream = s;
      return stream !== undefined;
    });
    expect(stream).toBeDefined();
    await picker.selectOption(stream!);
    await expect.poll(async () => (await linesOf(stream!)).join('\n'), { timeout: 20_000 }).toBe((await written(stream!)).join('\n'));
    const before = await answered(stream!);
    await invokeUntil(async () => (await answered(stream!)) > before);
    expect(await answered(stream!)).toBeGreaterThan(before);
    await expect.poll(async () => (await linesOf(stream!)).join('\n'), { timeout: 20_000 }).toBe((await written(stream!)).join('\n'));
    await check('eplogs-02-following');
  });

  it("tells a user denied the endpoint's log group that they may not read its logs", async () => {
    const { t, browser } = studio;
    await t.admin.CreateUser({ UserName: 'no-logs' });
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'logs:*', Resource: 'arn:loam:logs:*:*:log-group:/aws/sagemaker/Endpoints/broken-ep*' },
      ],
    };
    await t.admin.CreatePolicy({ PolicyName: 'NoBrokenEpLogs', PolicyDocument: JSON.stringify(policy) });
    await t.admin.AttachUserPolicy({ UserName: 'no-logs', PolicyName: 'NoBrokenEpLogs' });
    const link = await t.admin.CreateLoginLink({ UserName: 'no-logs' });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const watch = watchPage(page);
      watch.expect('403 GET /api/v1/log-streams');
      await page.goto(link.AuthorizedUrl);
      await page.getByRole('button', { name: 'Sign in as no-logs' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome, no-logs' }).waitFor();
      await page.goto(`${t.url}/endpoints/broken-ep`);
      const logs = page.getByRole('region', { name: 'Logs', exact: true });
      await logs.getByRole('alert').getByText("You may not read this endpoint's logs").waitFor();
      await logs.getByText('logs:DescribeLogStreams', { exact: false }).first().waitFor();
      expect(await logs.getByRole('log').count()).toBe(0);
      // The other endpoint's logs are not denied.
      await page.goto(`${t.url}/endpoints/echo-ep`);
      await page.getByRole('region', { name: 'Logs', exact: true }).getByText('model ready loam-e2e-echo').waitFor();
      expect(watch.unexpected()).toEqual([]);
      expect(watch.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  itHadNoConsoleErrors(studio, 2);
});
