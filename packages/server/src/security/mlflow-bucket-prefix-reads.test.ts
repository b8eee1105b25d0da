import { describe, expect, it } from 'vitest';
import { ArtifactProxyAccess } from '@loam/core';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';

// A job's S3 prefix in s3://loam-mlflow/ (a processing input, an output path) is checked on every experiment
// whose location starts under it and every run whose folder does (ADR 0019). To find them, checkPrefix read
// every experiment, for each job (1.8 s for `mlflow/1` among 5,000 experiments, bench/RESULTS-s3.md). The
// experiment store now finds the locations starting under the prefix with a range of an index, and those
// holding it by its folders' keys: the store hands out only experiments the prefix reaches, and the
// resources checked are the same.

let loam: TestLoam;
const principal = { userName: 'admin', userId: 'x', arn: 'arn:loam:iam::000000000000:user/admin', via: 'system' as const };
const ids: string[] = [];
let run: string;
let nested: string;
let s3Spelled: string;

serverPerAttempt(
  async () => {
    loam = await openTestLoam();
    ids.length = 0;
    // Ids 1 to 12: `mlflow/1` reaches 1, 10, 11 and 12.
    for (let i = 0; i < 12; i++) ids.push(await loam.platform.tracking.createExperiment({ name: `prefix-${i}`, tags: [] }));
    run = (await loam.platform.tracking.createRun({ experimentId: ids[0] as string }, principal)).info.runId;
    nested = await loam.platform.tracking.createExperiment({ name: 'prefix-nested', artifactLocation: 'mlflow-artifacts:/team/deep', tags: [] });
    s3Spelled = await loam.platform.tracking.createExperiment({ name: 'prefix-s3', artifactLocation: 's3://loam-mlflow/mlflow/team/s3', tags: [] });
  },
  async () => loam?.close(),
);

/** Counts the experiments the store hands out, whichever query hands them out. */
function countReads(): { readonly count: () => number } {
  const store = loam.platform.tracking.store as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>;
  let read = 0;
  for (const name of ['searchExperiments', 'experimentsByArtifactLocation', 'experimentsByArtifactLocationPrefix'] as const) {
    const original = (store[name] as (...a: unknown[]) => Promise<unknown[]>).bind(store);
    store[name] = async (...a: unknown[]) => {
      const out = await original(...a);
      read += out.length;
      return out;
    };
  }
  return { count: () => read };
}

/** The resources checkPrefix asks the authorizer about, in order, and the experiments the store handed out. */
async function checked(key: string): Promise<{ readonly resources: string[]; readonly read: number }> {
  const resources: string[] = [];
  const reads = countReads();
  const record = async (_p: unknown, _action: string, arn: string) => {
    resources.push(arn.replace(/^arn:loam:sagemaker:[^:]*:[^:]*:/, ''));
  };
  await new ArtifactProxyAccess(loam.platform.tracking, record, loam.platform.partition, principal).checkPrefix('sagemaker:GetMlflowArtifact', { bucket: 'loam-mlflow', key });
  return { resources: [...new Set(resources)], read: reads.count() };
}

describe("a job's prefix in the MLflow bucket", () => {
  it('reads only the experiments the prefix reaches, and checks the same ones', async () => {
    const [one, , , , , , , , , ten, eleven, twelve] = ids as [string, ...string[]];
    expect(one).toBe('1');
    // An experiment's folder: the experiment holding it, and its run (the store hands out the holder twice:
    // checkHeld on the prefix, then the experiments whose runs it may reach).
    const folder = await checked(`mlflow/${one}/`);
    expect(folder.resources.sort()).toEqual([`mlflow-experiment/${one}`, `mlflow-run/${run}`].sort());
    expect(folder.read).toBeLessThanOrEqual(2);
    // The start of an id: 1, 10, 11, 12 and the run of 1 — not the other eight nor the nested ones.
    const start = await checked(`mlflow/${one}`);
    expect(start.resources.sort()).toEqual([`mlflow-experiment/${one}`, `mlflow-experiment/${ten}`, `mlflow-experiment/${eleven}`, `mlflow-experiment/${twelve}`, `mlflow-run/${run}`].sort());
    // The four under it, and 1 again twice as the experiment holding it.
    expect(start.read).toBeLessThanOrEqual(6);
    // Locations spelled either way under `mlflow/team` (mlflow-artifacts:/team/deep, s3://loam-mlflow/mlflow/team/s3).
    const team = await checked('mlflow/te');
    expect(team.resources.sort()).toEqual([`mlflow-experiment/${nested}`, `mlflow-experiment/${s3Spelled}`].sort());
    expect(team.read).toBeLessThanOrEqual(2);
    // Under no experiment: nothing to check, nothing read.
    expect(await checked('mlflow/nobody/')).toEqual({ resources: [], read: 0 });
    // The whole folder still reaches every experiment (Default, the twelve, the two nested) and the run.
    const all = await checked('mlflow/');
    expect(all.resources.filter((r) => r.startsWith('mlflow-experiment/')).length).toBe(15);
    expect(all.resources).toContain(`mlflow-run/${run}`);
  });
});
