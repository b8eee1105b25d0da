import { describe, expect, it } from 'vitest';
import { serverPerAttempt } from '@loam/testkit/vitest/retry.test-support';
import { openTestLoam, type TestLoam } from '../compose/loam.test-support.js';
import { scopedUsers } from './scoped-users.test-support.js';
import { seedLineageResources } from '../registry/lineage-resources.test-support.js';

// QueryLineage is authorized on `*` (SageMaker's authorization reference names no resource for it), so
// any caller allowed it could walk from a shared dataset to every job, model and endpoint built on it,
// and read the S3 locations they wrote. It now lists only the vertices the caller may read, and the
// edges between them.

let loam: TestLoam;
let region: string;
let account: string;
const sm = (kind: string, name: string) => `arn:loam:sagemaker:${region}:${account}:${kind}/${name}`;

const { userWith, tokens } = scopedUsers(() => loam);

async function query(user: string, body: unknown): Promise<{ status: number; body: any }> {
  return call(user, 'POST', '/api/v1/lineage/query', body);
}

async function call(user: string, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = user === 'admin' ? loam.adminToken : tokens[user] as string;
  const r = await loam.app.inject({
    method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: r.json() };
}

/**
 * The hand-drawn graph's vertices and edges: the seeded training jobs also get MLflow runs from the
 * training-job run sync (downstream of them, whenever its pass comes), which these tests are not about.
 */
const drawn = (arn: string) => !arn.includes(':mlflow-run/');
const arns = (r: { body: { Vertices: { Arn: string }[] } }) => r.body.Vertices.map((v) => v.Arn).filter(drawn).sort();
const drawnEdges = (r: { body: { Edges: { SourceArn: string; DestinationArn: string }[] } }) => r.body.Edges.filter((e) => drawn(e.SourceArn) && drawn(e.DestinationArn));
const fromShared = { StartArns: ['s3://shared/train'], Direction: 'Descendants', IncludeEdges: true, MaxResults: 50 };

let aliceOut: string;
let bobOut: string;

async function start(): Promise<void> {
  loam = await openTestLoam();
  ({ region, accountId: account } = loam.platform.partition);
  // What the capabilities record: a shared dataset read by alice's and bob's jobs, each job's model
  // artifact, alice's model deployed to her endpoint.
  const rec = loam.platform.registry.lineage;
  await rec.input('s3://shared/train', sm('training-job', 'alice-job'));
  await rec.input('s3://shared/train', sm('training-job', 'bob-job'));
  await rec.output(sm('training-job', 'alice-job'), 's3://alice/out/alice-job/model.tar.gz', 'Model');
  await rec.output(sm('training-job', 'bob-job'), 's3://bob/out/bob-job/model.tar.gz', 'Model');
  aliceOut = await rec.artifact('s3://alice/out/alice-job/model.tar.gz', 'Model');
  bobOut = await rec.artifact('s3://bob/out/bob-job/model.tar.gz', 'Model');
  await rec.link(aliceOut, sm('model', 'alice-model'), 'ContributedTo');
  await rec.link(sm('model', 'alice-model'), sm('endpoint-config', 'alice-cfg'), 'ContributedTo');
  await rec.link(sm('endpoint-config', 'alice-cfg'), sm('endpoint', 'alice-ep'), 'AssociatedWith');
  await rec.link(sm('endpoint-config', 'alice-cfg'), sm('endpoint', 'team-ep'), 'AssociatedWith');
  // The resources exist (lineage lists no vertex of a deleted one).
  await seedLineageResources(loam.platform.store, [
    sm('training-job', 'alice-job'), sm('training-job', 'bob-job'), sm('model', 'alice-model'), sm('endpoint-config', 'alice-cfg'), sm('endpoint', 'alice-ep'), sm('endpoint', 'team-ep'),
  ], () => 'alice-cfg');
  // bob may query lineage, read the shared data, his own bucket and his own resources.
  await userWith('bob', [
    { Effect: 'Allow', Action: ['sagemaker:QueryLineage', 'sagemaker:ListAssociations'], Resource: '*' },
    { Effect: 'Allow', Action: 'sagemaker:DescribeArtifact', Resource: 'arn:loam:sagemaker:*:*:artifact/*' },
    { Effect: 'Allow', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/bob-*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:loam:s3:::shared/*', 'arn:loam:s3:::bob/*'] },
  ]);
  // mallory may do anything but touch alice's resources and bucket.
  await userWith('mallory', [
    { Effect: 'Allow', Action: ['sagemaker:*', 's3:*'], Resource: '*' },
    { Effect: 'Deny', Action: 'sagemaker:*', Resource: 'arn:loam:sagemaker:*:*:*/alice-*' },
    { Effect: 'Deny', Action: 's3:*', Resource: 'arn:loam:s3:::alice/*' },
  ]);
}
async function stop(): Promise<void> {
  await loam?.close();
}
serverPerAttempt(start, stop);

describe('QueryLineage lists only what the caller may read', () => {
  it("an administrator sees the whole walk", async () => {
    const r = await query('admin', fromShared);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(arns(r)).toEqual([aliceOut, bobOut, sm('endpoint', 'alice-ep'), sm('endpoint', 'team-ep'), sm('endpoint-config', 'alice-cfg'), sm('model', 'alice-model'), sm('training-job', 'alice-job'), sm('training-job', 'bob-job')].sort());
    expect(drawnEdges(r)).toHaveLength(8);
  });

  it("a caller allowed only their own resources sees those and the edges between them, nothing of another user's", async () => {
    const r = await query('bob', fromShared);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(arns(r)).toEqual([bobOut, sm('training-job', 'bob-job')].sort());
    // The vertex is SageMaker's (Arn, Type, LineageType); its location is DescribeArtifact's answer.
    expect(r.body.Vertices.find((v: { Arn: string }) => v.Arn === bobOut)).toEqual({ Arn: bobOut, Type: 'Model', LineageType: 'Artifact' });
    const described = await call('bob', 'GET', `/api/v1/lineage/artifact?ArtifactArn=${encodeURIComponent(bobOut)}`);
    expect(described.status, JSON.stringify(described.body)).toBe(200);
    expect(described.body.Source).toEqual({ SourceUri: 's3://bob/out/bob-job/model.tar.gz' });
    const ends = drawnEdges(r).flatMap((e) => [e.SourceArn, e.DestinationArn]);
    expect(drawnEdges(r)).toHaveLength(2);
    expect(JSON.stringify(r.body)).not.toContain('alice');
    expect(ends).toContain(sm('training-job', 'bob-job'));
    // Paging counts only what is shown.
    const first = await query('bob', { ...fromShared, MaxResults: 1 });
    const second = await query('bob', { ...fromShared, MaxResults: 1, NextToken: first.body.NextToken });
    expect([...arns(first), ...arns(second)].sort()).toEqual(arns(r));
    expect(second.body.NextToken).toBeUndefined();
  });

  it('a Deny hides the resources and locations it names; the walk goes on past them to what the caller may see', async () => {
    const r = await query('mallory', fromShared);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(arns(r)).toEqual([bobOut, sm('endpoint', 'team-ep'), sm('training-job', 'bob-job')].sort());
    expect(JSON.stringify(r.body)).not.toContain('alice');
  });
});

describe('QueryLineage refuses a start the caller may not read before it looks for it', () => {
  // An unknown start is ResourceNotFound; answered so to a caller who may not read it, the 404 (against a
  // 200 or 403 for one that exists) told them what exists. Each refusal here is the same, existing or not.
  const refusal = (r: { status: number; body: any }) => [r.status, r.body.code];

  it('a resource: AccessDenied naming the read it lacks, whether it exists (alice-job) or not; ResourceNotFound only to whom may read it', async () => {
    for (const name of ['alice-job', 'alice-never-was']) {
      const r = await query('mallory', { StartArns: [sm('training-job', name)], Direction: 'Descendants', IncludeEdges: true });
      expect(refusal(r), JSON.stringify(r.body)).toEqual([403, 'AccessDeniedException']);
      expect(r.body.detail).toContain(`sagemaker:DescribeTrainingJob on resource: ${sm('training-job', name)} with an explicit deny (StartArns/0:`);
      expect(refusal(await query('bob', { StartArns: [sm('training-job', name)] }))).toEqual([403, 'AccessDeniedException']);
    }
    expect(refusal(await query('bob', { StartArns: [sm('training-job', 'bob-never-was')] }))).toEqual([404, 'ResourceNotFound']);
    expect(refusal(await query('admin', { StartArns: [sm('training-job', 'alice-never-was')] }))).toEqual([404, 'ResourceNotFound']);
    expect(refusal(await query('admin', { StartArns: [sm('training-job', 'alice-job')] }))).toEqual([200, undefined]);
  });

  it('an s3:// location: AccessDenied without s3:GetObject on it, recorded or not', async () => {
    for (const uri of ['s3://alice/out/alice-job/model.tar.gz', 's3://alice/never/written']) {
      const r = await query('bob', { StartArns: [uri] });
      expect(refusal(r), JSON.stringify(r.body)).toEqual([403, 'AccessDeniedException']);
      expect(r.body.detail).toContain(`s3:GetObject on resource: arn:loam:s3:::${uri.slice('s3://'.length)}`);
    }
    expect(refusal(await query('bob', { StartArns: ['s3://bob/never/written'] }))).toEqual([404, 'ResourceNotFound']);
    expect(refusal(await query('bob', { StartArns: ['s3://bob/out/bob-job/model.tar.gz'] }))).toEqual([200, undefined]);
  });

  it("an artifact named by its ARN: whose location the caller may not read, ResourceNotFound, as an unknown artifact's ARN", async () => {
    const unknown = sm('artifact', '0123456789abcdef0123456789abcdef');
    const hidden = await query('bob', { StartArns: [aliceOut] });
    expect(refusal(hidden), JSON.stringify(hidden.body)).toEqual([404, 'ResourceNotFound']);
    expect(hidden.body.detail).toBe(`Lineage entity '${aliceOut}' does not exist (StartArns/0).`);
    expect(refusal(await query('bob', { StartArns: [unknown] }))).toEqual([404, 'ResourceNotFound']);
    expect(refusal(await query('admin', { StartArns: [aliceOut] }))).toEqual([200, undefined]);
    expect(refusal(await query('bob', { StartArns: [bobOut] }))).toEqual([200, undefined]);
  });
});

describe('ListAssociations and ListArtifacts list only what QueryLineage would show the caller', () => {
  const associations = async (user: string, qs = '') => {
    const r = await call(user, 'GET', `/api/v1/lineage/associations?MaxResults=100${qs}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return (r.body.AssociationSummaries as { SourceArn: string; DestinationArn: string }[]).map((a) => `${a.SourceArn} > ${a.DestinationArn}`).sort();
  };
  it('an administrator lists every association; bob only those both of whose ends he may read', async () => {
    const all = await associations('admin');
    expect(all).toContain(`${aliceOut} > ${sm('model', 'alice-model')}`);
    expect(all.length).toBeGreaterThanOrEqual(8);
    const bob = await associations('bob');
    const sharedTrain = (await query('admin', { StartArns: [sm('training-job', 'bob-job')], Direction: 'Ascendants' })).body.Vertices[0].Arn as string;
    expect(bob).toEqual([`${sharedTrain} > ${sm('training-job', 'bob-job')}`, `${sm('training-job', 'bob-job')} > ${bobOut}`].sort());
    expect(JSON.stringify(bob)).not.toContain('alice');
    // Filtered by an end he may not read: nothing, not an error that says it exists.
    expect(await associations('bob', `&SourceArn=${encodeURIComponent(sm('training-job', 'alice-job'))}`)).toEqual([]);
  });

  it('a Deny on some resources hides their associations from a caller allowed everything else', async () => {
    const mallory = await associations('mallory');
    expect(mallory.length).toBeGreaterThan(0);
    expect(JSON.stringify(mallory)).not.toContain('alice');
  });

  it('ListArtifacts leaves out the locations the caller may not read', async () => {
    const list = async (user: string) => {
      const r = await call(user, 'GET', '/api/v1/lineage/artifacts?MaxResults=100');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.ArtifactSummaries as { Source: { SourceUri: string } }[]).map((a) => a.Source.SourceUri);
    };
    expect(await list('admin')).toContain('s3://alice/out/alice-job/model.tar.gz');
    await userWith('bob-lister', [
      { Effect: 'Allow', Action: 'sagemaker:ListArtifacts', Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::bob/*' },
    ]);
    expect(await list('bob-lister')).toEqual(['s3://bob/out/bob-job/model.tar.gz']);
  });
});

describe('QueryLineage shows an MLflow run only to whom runs/get would', () => {
  it('a run in an experiment the caller is denied is hidden even where its own ARN is allowed', async () => {
    const admin = { userName: 'admin', userId: 'x', arn: 'x', via: 'system' as const };
    const tracking = loam.platform.tracking;
    const run = async (experiment: string) => {
      const experimentId = await tracking.createExperiment({ name: experiment });
      return { experimentId, runId: (await tracking.createRun({ experimentId, runName: `${experiment}-run` }, admin)).info.runId };
    };
    const secret = await run('secret-exp');
    const open = await run('open-exp');
    const rec = loam.platform.registry.lineage;
    await rec.input('s3://shared/tracked', sm('training-job', 'tracked-job'));
    await rec.link(sm('training-job', 'tracked-job'), sm('mlflow-run', secret.runId), 'Produced');
    await rec.link(sm('training-job', 'tracked-job'), sm('mlflow-run', open.runId), 'Produced');
    await userWith('carol', [
      { Effect: 'Allow', Action: ['sagemaker:QueryLineage', 'sagemaker:DescribeTrainingJob', 'sagemaker:GetMlflowRun', 'sagemaker:GetMlflowExperiment'], Resource: '*' },
      // The start: a walk starts only from a location the caller may read.
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:loam:s3:::shared/*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: sm('mlflow-experiment', secret.experimentId) },
    ]);
    const get = async (runId: string) =>
      (await loam.app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${runId}`, headers: { authorization: `Bearer ${tokens['carol']}` } })).statusCode;
    // runs/get answers a run hidden by its experiment as a missing one (mlflow-tracking-security.test.ts).
    expect(await get(secret.runId)).toBe(404);
    expect(await get(open.runId)).toBe(200);

    const r = await query('carol', { StartArns: ['s3://shared/tracked'], Direction: 'Descendants', IncludeEdges: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // tracked-job has no record (the graph is drawn by hand), so it is not listed; the walk goes through it.
    expect(r.body.Vertices.map((v: { Arn: string }) => v.Arn)).toEqual([sm('mlflow-run', open.runId)]);
    expect(JSON.stringify(r.body)).not.toContain(secret.runId);
    // From the run itself: its ARN does not name its experiment, which only its record says, so a run hidden by
    // its experiment answers as a missing one does (404), not 403 where a missing one answered 404.
    const never = 'f'.repeat(32);
    for (const runId of [secret.runId, never]) {
      const r = await query('carol', { StartArns: [sm('mlflow-run', runId)] });
      expect([r.status, r.body.code, r.body.detail], JSON.stringify(r.body)).toEqual([404, 'ResourceNotFound', `Lineage entity '${sm('mlflow-run', runId)}' does not exist (StartArns/0).`]);
    }
    expect((await query('carol', { StartArns: [sm('mlflow-run', open.runId)] })).status).toBe(200);
    // A caller who may not read the run's ARN is refused before Loam looks for it: alike for one that exists and one that does not.
    await userWith('erin', [
      { Effect: 'Allow', Action: ['sagemaker:QueryLineage', 'sagemaker:GetMlflowExperiment'], Resource: '*' },
      { Effect: 'Allow', Action: 'sagemaker:GetMlflowRun', Resource: sm('mlflow-experiment', '*') },
    ]);
    for (const runId of [open.runId, never]) {
      const r = await query('erin', { StartArns: [sm('mlflow-run', runId)] });
      expect([r.status, r.body.code, r.body.detail], JSON.stringify(r.body)).toEqual([403, 'AccessDeniedException', expect.stringContaining(`sagemaker:GetMlflowRun on resource: ${sm('mlflow-run', runId)} (StartArns/0:`)]);
    }
    // An administrator still sees both runs.
    expect((await query('admin', { StartArns: ['s3://shared/tracked'], Direction: 'Descendants' })).body.Vertices.map((v: { Arn: string }) => v.Arn)).toContain(sm('mlflow-run', secret.runId));
  });
});

describe('QueryLineage shows an experiment, trial or trial component only to whom its Describe would', () => {
  // They were judged by sagemaker:QueryLineage on their ARN, which every caller of QueryLineage has: a walk
  // listed another team's experiment, trial and trial component names, and a start from one answered 200
  // where an unknown one answered 404.
  it('hidden (and refused as a start, existing or not) from a caller not allowed its Describe, on its ARN or on its MLflow experiment', async () => {
    const create = async (path: string, body: unknown) => expect((await call('admin', 'POST', `/api/v1/sagemaker-experiments/${path}`, body)).status).toBe(200);
    await create('experiments', { ExperimentName: 'alice-exp' });
    await create('trials', { TrialName: 'alice-trial', ExperimentName: 'alice-exp' });
    await create('trial-components', { TrialComponentName: 'alice-tc' });
    const rec = loam.platform.registry.lineage;
    const entities = [sm('experiment', 'alice-exp'), sm('experiment-trial', 'alice-trial'), sm('experiment-trial-component', 'alice-tc')];
    for (const arn of entities) await rec.input('s3://shared/experiments', arn);
    const fromData = { StartArns: ['s3://shared/experiments'], Direction: 'Descendants' };
    const listed = async (user: string) => {
      const r = await query(user, fromData);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.Vertices.map((v: { Arn: string }) => v.Arn).filter((a: string) => !a.includes(':artifact/')).sort();
    };
    expect(await listed('admin')).toEqual([...entities].sort());
    // bob may describe only bob-* resources.
    expect(await listed('bob')).toEqual([]);
    for (const arn of [sm('experiment-trial-component', 'alice-tc'), sm('experiment-trial-component', 'alice-never-was')]) {
      const r = await query('bob', { StartArns: [arn] });
      expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([403, 'AccessDeniedException']);
    }
    // dave may describe everything but the MLflow experiment alice-exp is: its trial is hidden too, as DescribeTrial refuses it.
    const mlflowId = (await loam.platform.tracking.store.getExperimentByName('alice-exp'))!.experimentId;
    await userWith('dave', [
      { Effect: 'Allow', Action: ['sagemaker:*', 's3:GetObject'], Resource: '*' },
      { Effect: 'Deny', Action: 'sagemaker:*', Resource: sm('mlflow-experiment', mlflowId) },
    ]);
    expect((await call('dave', 'GET', '/api/v1/sagemaker-experiments/trials/alice-trial')).status).toBe(404);
    expect(await listed('dave')).toEqual([sm('experiment-trial-component', 'alice-tc')]);
    // The trial is hidden by its MLflow experiment, which its ARN does not name: answered as a missing trial is.
    for (const trial of ['alice-trial', 'alice-never-was']) {
      const r = await query('dave', { StartArns: [sm('experiment-trial', trial)] });
      expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([404, 'ResourceNotFound']);
    }
    expect((await query('dave', { StartArns: [sm('experiment-trial-component', 'alice-tc')] })).status).toBe(200);
  });
});
