import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../../compose/loam.test-support.js';

// A listing of the artifact proxy's root or of an experiment's folder found the owners of each entry by
// reading every experiment (each list paid for all of them, and each entry walked them all again: 9 s for
// the root of 200 folders among 5,000 experiments, bench/RESULTS-s3.md). Each entry's owners are now looked
// up by its location; every experiment is read only for a folder its owners hide from the caller.

let loam: TestLoam;
const system = { principal: { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const }, requestId: 'r' };
const ids: string[] = [];

async function tokenFor(name: string, deny: string[]): Promise<string> {
  const id = loam.platform.identity;
  await id.CreateUser({ UserName: name }, system);
  const statements = [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }, ...(deny.length ? [{ Effect: 'Deny', Action: 'sagemaker:*', Resource: deny }] : [])];
  await id.CreatePolicy({ PolicyName: `${name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }, system);
  await id.AttachUserPolicy({ UserName: name, PolicyName: `${name}-policy` }, system);
  return (await id.CreateApiToken({ UserName: name, TokenName: 't' }, system)).ApiToken.Token;
}

/** Counts the experiments the store hands out to searchExperiments, the walk through all of them. */
function countFullReads(): { readonly count: () => number } {
  const store = loam.platform.tracking.store;
  const original = store.searchExperiments.bind(store);
  let calls = 0;
  store.searchExperiments = async (q) => {
    calls++;
    return original(q);
  };
  return { count: () => calls };
}

async function list(token: string, path: string): Promise<string[]> {
  const res = await loam.app.inject({ method: 'GET', url: `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  return ((JSON.parse(res.body) as { files?: { path: string }[] }).files ?? []).map((f) => f.path);
}

serverPerAttempt(
  async () => {
    loam = await openTestLoam();
    ids.length = 0;
    for (const name of ['a', 'b', 'c']) ids.push(await loam.platform.tracking.createExperiment({ name: `listing-${name}`, tags: [] }));
    await loam.platform.artifacts.ensureBucket('loam-mlflow');
    for (const id of ids) await loam.platform.artifacts.put({ bucket: 'loam-mlflow', key: `mlflow/${id}/notes.txt` }, Buffer.from('x'));
  },
  async () => loam?.close(),
);

describe("the artifact proxy's listings, with the experiments they show", () => {
  it("finds each entry's owners by its location: a caller allowed them reads no experiment in full", async () => {
    const token = await tokenFor('lister', []);
    const reads = countFullReads();
    expect(await list(token, '')).toEqual([...ids].sort());
    expect(await list(token, ids[0] as string)).toEqual(['notes.txt']);
    expect(reads.count()).toBe(0);
  });

  it('still shows a folder on the way to an experiment the caller may list, and hides what its owners deny', async () => {
    // This experiment lives in `nested/deep`: the folder `nested` holds no experiment, it leads to one.
    const nested = await loam.platform.tracking.createExperiment({ name: 'listing-nested', artifactLocation: 'mlflow-artifacts:/nested/deep', tags: [] });
    await loam.platform.artifacts.put({ bucket: 'loam-mlflow', key: 'mlflow/nested/deep/notes.txt' }, Buffer.from('x'));
    const token = await tokenFor('partial', [`arn:loam:sagemaker:*:*:mlflow-experiment/${ids[1]}`]);
    expect(await list(token, '')).toEqual([ids[0], ids[2], 'nested'].sort());
    expect(await list(token, 'nested')).toEqual(['deep']);
    const denied = await tokenFor('denied-nested', [`arn:loam:sagemaker:*:*:mlflow-experiment/${nested}`]);
    expect(await list(denied, '')).toEqual([...ids].sort());
  });
});
