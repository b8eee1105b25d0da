import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLoamClient, LoamApiError, type LoamClient } from '@loam/sdk';
import { DemoReporter, type DemoStepRecord } from './demo-report.js';
import { demoNames, demoSteps, type DemoContext, type DemoNames } from './demo-steps.js';

export interface DemoOptions {
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly json: boolean;
  /** The CSV to import (default: the repo's datasets/tabular/breast_cancer.csv). */
  readonly datasetFile?: string;
  readonly out?: NodeJS.WriteStream;
}

export interface DemoResult {
  readonly names: DemoNames;
  readonly steps: readonly DemoStepRecord[];
  readonly seconds: number;
}

/** The breast-cancer CSV shipped in the repository, found from this file's place in src/ or dist/. */
export function defaultDatasetFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = join(dir, 'datasets', 'tabular', 'breast_cancer.csv');
    if (existsSync(f)) return f;
    dir = dirname(dir);
  }
  return resolve('datasets/tabular/breast_cancer.csv');
}

/** The first run uses plain names; a rerun on the same data dir suffixes them (-2, -3, …) instead of failing. */
async function freeSuffix(client: LoamClient): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const suffix = n === 1 ? '' : String(n);
    try {
      await client.DescribeDataset({ DatasetName: demoNames(suffix).dataset });
    } catch (e) {
      if (e instanceof LoamApiError && e.status === 404) return suffix;
      throw e;
    }
  }
  return String(Date.now());
}

/**
 * The bucket every demo output goes to (the flow's destinations, the models, the tuning trials, the
 * batch predictions), created up front: Loam, like SageMaker, never creates a job's output bucket.
 */
async function createDemoBucket(client: LoamClient, prefix: string): Promise<void> {
  const bucket = /^s3:\/\/([^/]+)/.exec(prefix)?.[1] as string;
  try {
    await client.CreateBucket({ Bucket: bucket });
  } catch (e) {
    // A rerun on the same data dir finds it.
    if (!(e instanceof LoamApiError && e.code === 'ResourceInUse')) throw e;
  }
}

/** Runs every demo step in order against a running server; throws on the first failing step. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const client = createLoamClient({ endpoint: o.endpoint, token: o.token });
  const reporter = new DemoReporter(o.json, o.out);
  const t0 = Date.now();
  const names = demoNames(await freeSuffix(client));
  await createDemoBucket(client, names.prefix);
  const studio = (p: string) => `${o.endpoint.replace(/\/+$/, '')}${p}`;
  const ctx: DemoContext = {
    client, endpoint: o.endpoint, token: o.token, names, datasetFile: o.datasetFile ?? defaultDatasetFile(),
    note: (t) => reporter.note(t), state: {},
  };
  const records: DemoStepRecord[] = [];
  const total = demoSteps.length;
  for (const [i, step] of demoSteps.entries()) {
    const s0 = Date.now();
    reporter.start(i + 1, total, step.title);
    try {
      const r = await step.run(ctx);
      const rec: DemoStepRecord = {
        step: i + 1, total, id: step.id, title: step.title, objectType: r.objectType, objectName: r.objectName,
        studioUrl: studio(r.studioPath), seconds: (Date.now() - s0) / 1000, ...(r.detail ? { detail: r.detail } : {}),
      };
      records.push(rec);
      reporter.end(rec);
    } catch (e) {
      reporter.fail(i + 1, step.title, e);
      throw e;
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  reporter.done(records, seconds);
  return { names, steps: records, seconds };
}
