import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createLoamClient, type LoamClient } from '@loam/sdk';
import { removeDataDir, repoRoot, startLoamProcess, stopLoamProcess, tempDataDir, type LoamProcess } from '../loam-process.test-support.js';
import { launchChromium, screenshot, waitForPage, watchPage } from '../studio/browser.test-support.js';
import { ensureStudioBuilt } from '../studio/studio-build.test-support.js';

// `loam up --demo` (what `npm start` runs) as a real process on a fresh data dir: the tour runs to
// `Demo complete` in under 3 minutes, every object it names exists, and Studio opens each one.
interface StepRecord { type: 'step'; id: string; objectType: string; objectName: string; studioUrl: string; seconds: number; detail?: string }
interface Complete { type: 'complete'; message: string; seconds: number; slowestStep: string }

const dataDir = tempDataDir('loam-demo-');
let loam: LoamProcess | undefined;
let client: LoamClient;
let token: string;
const steps: StepRecord[] = [];
let complete: Complete | undefined;
let wallSeconds = 0;

beforeAll(async () => {
  ensureStudioBuilt();
  const t0 = performance.now();
  loam = await startLoamProcess(dataDir, {}, ['--demo']);
  token = /loam_api_token = (\S+)/.exec(readFileSync(loam.info.credentialsFile, 'utf8'))![1]!;
  client = createLoamClient({ endpoint: loam.url, token });
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'Demo complete' within 240 s; steps: ${steps.map((s) => s.id).join(', ')}\n${loam!.stderr()}`)), 240_000);
    loam!.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (rec['type'] === 'step') steps.push(rec as unknown as StepRecord);
        else if (rec['type'] === 'complete') {
          complete = rec as unknown as Complete;
          clearTimeout(timer);
          resolve();
        } else if (rec['type'] === 'error' || rec['code'] !== undefined) {
          clearTimeout(timer);
          reject(new Error(`demo failed: ${line}\n${loam!.stderr()}`));
        }
      }
    });
  });
  wallSeconds = (performance.now() - t0) / 1000;
}, 260_000);

afterAll(async () => {
  await stopLoamProcess(loam);
  await removeDataDir(dataDir);
});

const named = (id: string): StepRecord => {
  const s = steps.find((x) => x.id === id);
  if (!s) throw new Error(`the demo printed no '${id}' step`);
  return s;
};

describe('npm start: loam up --demo on a fresh data dir', () => {
  it('completes every step in under 3 minutes and names its slowest step', () => {
    expect(steps.map((s) => s.id)).toEqual(['dataset', 'flow', 'training', 'tuning', 'registry', 'endpoint', 'invoke', 'transform']);
    expect(complete!.message).toMatch(/^Demo complete in [\d.]+s; slowest step: .+\(/);
    const slowest = [...steps].sort((a, b) => b.seconds - a.seconds)[0]!;
    expect(complete!.slowestStep).toBe(slowest.id);
    expect(wallSeconds).toBeLessThan(180);
    // The server is still serving after the demo.
    expect(loam!.child.exitCode).toBeNull();
  });

  it('every object it names exists and reached its final state', async () => {
    const ds = await client.DescribeDataset({ DatasetName: named('dataset').objectName });
    // The shipped file: 569 rows, the label plus 30 features.
    const shipped = readFileSync(join(repoRoot, 'datasets/tabular/breast_cancer.csv'), 'utf8').trim().split('\n');
    expect(ds.Latest?.RowCount).toBe(shipped.length - 1);
    const flow = await client.DescribeFlow({ FlowName: named('flow').objectName });
    expect(flow.Definition.nodes.filter((n) => n.type === 'destination')).toHaveLength(3);
    const runs = await client.ListFlowRuns({ FlowName: named('flow').objectName });
    const rows = runs.FlowRuns[0]!.Outputs.reduce((n, o) => n + (o.RowCount ?? 0), 0);
    expect(runs.FlowRuns[0]!.Status).toBe('Completed');
    expect(rows).toBe(shipped.length - 1); // train + validation + batch partition the (duplicate-free) rows
    expect((await client.DescribeTrainingJob({ TrainingJobName: named('training').objectName })).TrainingJobStatus).toBe('Completed');
    const tuning = await client.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: named('tuning').objectName });
    expect(tuning.HyperParameterTuningJobStatus).toBe('Completed');
    expect(tuning.TrainingJobStatusCounters.Completed).toBe(4);
    // Breast cancer is easy: any sensible GBDT has validation AUC well above 0.9.
    expect(tuning.BestTrainingJob!.FinalHyperParameterTuningJobObjectiveMetric!.Value).toBeGreaterThan(0.9);
    const [group, version] = named('registry').objectName.split('/');
    const pkgs = await client.ListModelPackages({ ModelPackageGroupName: group!, ModelApprovalStatus: 'Approved' });
    expect(pkgs.ModelPackageSummaryList.map((p) => String(p.ModelPackageVersion))).toContain(version);
    const ep = await client.DescribeEndpoint({ EndpointName: named('endpoint').objectName });
    expect(ep.EndpointStatus).toBe('InService');
    expect(ep.ProductionVariants?.length).toBe(1);
    // The first shipped row is malignant (label 0): the model gives it a low P(label = 1).
    expect(Number(/= ([\d.e-]+)$/.exec(named('invoke').detail!)![1])).toBeLessThan(0.5);
    expect((await client.DescribeTransformJob({ TransformJobName: named('transform').objectName })).TransformJobStatus).toBe('Completed');
  });

  it('a signed-in browser opens each object in Studio', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      page.setDefaultTimeout(20_000);
      const watch = watchPage(page);
      await page.goto(loam!.info.studioLoginUrl);
      await page.getByRole('button', { name: 'Sign in as admin' }).click();
      await page.getByRole('heading', { level: 1, name: 'Welcome, admin' }).waitFor();
      // Home's Getting started checklist ticks off every step the demo did.
      const panel = page.getByRole('region', { name: 'Getting started' });
      await expect.poll(async () => (await panel.getByText(/— done$/).count()), { timeout: 20_000 }).toBe(7);
      await waitForPage(page, 'document.getAnimations().every((a) => a.playState !== "running")');
      await screenshot(page, 'demo-00-home');
      // README's screenshot: LOAM_README_SCREENSHOT=1 npx vitest run packages/e2e/src/demo
      if (process.env['LOAM_README_SCREENSHOT']) await page.screenshot({ path: join(repoRoot, 'docs/images/studio-home.png') });
      for (const s of steps) {
        await page.goto(s.studioUrl);
        // Every step links to its object's own page, whose title is the last segment of the link.
        const name = decodeURIComponent(new URL(s.studioUrl).pathname.split('/').pop() ?? '');
        expect(name, s.studioUrl).not.toBe('');
        await page.getByRole('heading', { level: 1, name }).first().waitFor();
        if (s.studioUrl.endsWith(s.objectName)) await page.getByText(s.objectName).first().waitFor();
        await screenshot(page, `demo-${s.id}`);
      }
      expect(watch.unexpected()).toEqual([]);
      expect(watch.errors).toEqual([]);
    } finally {
      await browser?.close();
    }
  }, 120_000);
});
