import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ComponentRunKeys, EntityPosition, ExperimentEntityQuery, ExperimentStore, RunInfoRecord } from '@loam/core';

/*
 * The ExperimentStore contract for SageMaker's trial components, trials and associations (ADR 0009), run
 * inside describeExperimentStoreConformance by every backend.
 */

let seq = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${++seq}`;
const runId = () => randomBytes(16).toString('hex');
type Filters = { experimentId?: string; trialName?: string; sourceArn?: string; componentName?: string };
const page = (extra: Partial<ExperimentEntityQuery> & Filters = {}): ExperimentEntityQuery & Filters => ({ sortBy: 'name', ascending: true, offset: 0, limit: 50, ...extra });

function info(id: string, experimentId: string): RunInfoRecord {
  return { runId: id, experimentId, runName: 'tc', userId: 'ana', status: 'RUNNING', startTime: 1, lifecycleStage: 'active', artifactUri: `s3://b/${id}` };
}

export function sageMakerEntityCases(store: () => ExperimentStore): void {
  const component = (name: string, run: string, extra: Record<string, unknown> = {}) => ({
    name, runId: run, numberParams: [], inputArtifacts: {}, outputArtifacts: {}, creationTime: 100, lastModifiedTime: 100, ...extra,
  });

  it('names a run as a trial component, keeps its fields, refuses a taken name or a second name for the run', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    const name = unique('tc');
    await s.createTrialComponent(component(name, run, {
      displayName: 'Training', statusMessage: 'ok', sourceArn: 'arn:loam:sagemaker:r:000000000000:training-job/j', sourceType: 'SageMakerTrainingJob',
      numberParams: ['lr', 'epochs', 'lr'], inputArtifacts: { data: { value: 's3://b/d', mediaType: 'text/csv' } }, outputArtifacts: { model: { value: 's3://b/m' } }, metadata: { CommitId: 'abc' },
    }));
    expect(await s.getTrialComponent(name)).toEqual({
      name, runId: run, displayName: 'Training', statusMessage: 'ok', sourceArn: 'arn:loam:sagemaker:r:000000000000:training-job/j', sourceType: 'SageMakerTrainingJob',
      numberParams: ['epochs', 'lr'], inputArtifacts: { data: { value: 's3://b/d', mediaType: 'text/csv' } }, outputArtifacts: { model: { value: 's3://b/m' } }, metadata: { CommitId: 'abc' },
      creationTime: 100, lastModifiedTime: 100,
    });
    expect((await s.trialComponentOfRun(run))?.name).toBe(name);
    await s.updateRunInfo(run, { startTime: 5 });
    expect((await s.getRunInfo(run))?.startTime).toBe(5);
    expect(await s.getTrialComponent(unique('none'))).toBeUndefined();
    await expect(s.createTrialComponent(component(name, runId()))).rejects.toMatchObject({ code: 'ResourceInUse' });
    await expect(s.createTrialComponent(component(unique('tc'), run))).rejects.toMatchObject({ code: 'ResourceInUse' });
    await expect(s.createTrialComponent(component(unique('tc'), runId(), { displayName: 'a\u0000b' }))).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it("finds a trial component or trial by its name in any case and refuses the name in another case (SageMaker's names are case-insensitive)", async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    const name = unique('Mixed-Case-TC');
    await s.createTrialComponent(component(name, run));
    expect((await s.getTrialComponent(name.toLowerCase()))?.name).toBe(name);
    expect((await s.getTrialComponent(name.toUpperCase()))?.name).toBe(name);
    const other = runId();
    await s.createRun({ info: info(other, exp), tags: [] });
    await expect(s.createTrialComponent(component(name.toLowerCase(), other))).rejects.toMatchObject({ code: 'ResourceInUse' });
    const trial = unique('Mixed-Case-Trial');
    await s.createTrial({ name: trial, experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    expect((await s.getTrial(trial.toLowerCase()))?.name).toBe(trial);
    await expect(s.createTrial({ name: trial.toUpperCase(), experimentId: exp, creationTime: 1, lastModifiedTime: 1 })).rejects.toMatchObject({ code: 'ResourceInUse' });
  });

  it('folds ASCII letters only, as names are held unique: a name with a capital beyond ASCII is found as given and in other ASCII cases', async () => {
    // The SQL stores matched lower(name) (ASCII only) against the name lower-cased in every script: 'Été-…' was
    // found by no spelling, not even its own.
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    const name = unique('Été-Tc');
    await s.createTrialComponent(component(name, run));
    for (const spelling of [name, name.replace('Tc', 'TC'), name.replace('Tc', 'tc')]) expect((await s.getTrialComponent(spelling))?.name, spelling).toBe(name);
    expect(await s.getTrialComponent(name.toLowerCase())).toBeUndefined();
    const trial = unique('Été-Trial');
    await s.createTrial({ name: trial, experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    for (const spelling of [trial, trial.replace('Trial', 'TRIAL')]) expect((await s.getTrial(spelling))?.name, spelling).toBe(trial);
    expect(await s.getTrial(trial.toLowerCase())).toBeUndefined();
    // 'été-…' is another name: it may be held too.
    await s.createTrial({ name: trial.toLowerCase(), experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    expect((await s.getTrial(trial.toLowerCase()))?.name).toBe(trial.toLowerCase());
    expect((await s.getTrial(trial))?.name).toBe(trial);
  });

  it("holds an experiment name once in any letter case (its SageMaker ARN is the name lower-cased): create and rename refuse a twin, a deleted one too", async () => {
    const s = store();
    const base = unique('Twin');
    const id = await s.createExperiment({ name: base, artifactRoot: 'r:', tags: [], time: 1 });
    expect((await s.getExperimentByNameInAnyCase(base.toUpperCase()))?.experimentId).toBe(id);
    expect(await s.getExperimentByNameInAnyCase(`${base}-x`)).toBeUndefined();
    await expect(s.createExperiment({ name: base.toLowerCase(), artifactRoot: 'r:', tags: [], time: 1 })).rejects.toMatchObject({ code: 'ResourceInUse', message: expect.stringContaining(`'${base}'`) });
    const other = await s.createExperiment({ name: unique('other'), artifactRoot: 'r:', tags: [], time: 1 });
    await expect(s.renameExperiment(other, base.toUpperCase(), 2)).rejects.toMatchObject({ code: 'ResourceInUse' });
    // Its own name in another case is no twin.
    await s.renameExperiment(id, base.toUpperCase(), 2);
    expect((await s.getExperiment(id))?.name).toBe(base.toUpperCase());
    await s.setExperimentLifecycle(id, 'deleted', 3);
    await expect(s.createExperiment({ name: base, artifactRoot: 'r:', tags: [], time: 4 })).rejects.toMatchObject({ code: 'ResourceInUse' });
  });

  it("overwrites and removes the run's params with the component's fields, in one write", async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    await s.logBatch(run, { params: [{ key: 'lr', value: '0.1' }, { key: 'gone', value: 'x' }, { key: 'kept', value: 'y' }] });
    const name = unique('tc');
    await s.createTrialComponent(component(name, run, { statusMessage: 'old', numberParams: ['lr'] }));
    await s.updateTrialComponent(name, {
      displayName: 'New', statusMessage: null, numberParams: ['lr', 'epochs'], setParams: [{ key: 'lr', value: '0.2' }, { key: 'epochs', value: '3' }], removeParams: ['gone'],
      outputArtifacts: { model: { value: 's3://b/m2' } }, lastModifiedTime: 200,
    });
    expect((await s.getRun(run))?.params).toEqual([{ key: 'epochs', value: '3' }, { key: 'kept', value: 'y' }, { key: 'lr', value: '0.2' }]);
    const c = await s.getTrialComponent(name);
    expect(c).toMatchObject({ displayName: 'New', numberParams: ['epochs', 'lr'], outputArtifacts: { model: { value: 's3://b/m2' } }, inputArtifacts: {}, lastModifiedTime: 200 });
    expect(c?.statusMessage).toBeUndefined();
    await expect(s.updateTrialComponent(name, { setParams: [{ key: 'k', value: '\u0000' }], lastModifiedTime: 300 })).rejects.toMatchObject({ code: 'ValidationException' });
    expect((await s.getTrialComponent(name))?.lastModifiedTime).toBe(200);
  });

  it("takes an MLflow log of a param the component's update set as MLflow takes a logged one: the same value, not another", async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    const name = unique('tc');
    await s.createTrialComponent(component(name, run));
    await s.updateTrialComponent(name, { setParams: [{ key: 'lr', value: '0.1' }], lastModifiedTime: 200 });
    await s.logBatch(run, { params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '3' }] });
    await expect(s.logBatch(run, { params: [{ key: 'epochs', value: '5' }, { key: 'lr', value: '0.2' }] })).rejects.toMatchObject({ code: 'ValidationException' });
    expect((await s.getRun(run))?.params).toEqual([{ key: 'depth', value: '3' }, { key: 'lr', value: '0.1' }]);
  });

  it("summarizes every point of each metric: min, max, avg, sample std dev, count, latest", async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    await s.logBatch(run, { metrics: [
      { key: 'loss', value: 4, timestamp: 10, step: 0 }, { key: 'loss', value: 2, timestamp: 30, step: 2 }, { key: 'loss', value: 3, timestamp: 20, step: 1 },
      { key: 'loss', value: NaN, timestamp: 5, step: 0 }, { key: 'acc', value: 0.5, timestamp: 7, step: 0 },
    ] });
    const [acc, loss] = await s.metricSummaries(run);
    expect(acc).toEqual({ key: 'acc', count: 1, min: 0.5, max: 0.5, avg: 0.5, stdDev: 0, last: 0.5, lastTimestamp: 7 });
    expect(loss).toMatchObject({ key: 'loss', count: 4, min: 2, max: 4, avg: 3, last: 2, lastTimestamp: 30 });
    expect(loss?.stdDev).toBeCloseTo(1, 12);
    expect(await s.metricSummaries(runId())).toEqual([]);
  });

  it('summarizes metrics of any finite size exactly enough: huge values, values far from zero, infinities', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    await s.logBatch(run, { metrics: [
      // A diverged loss: squaring or summing these overflows a double.
      { key: 'big', value: 1e200, timestamp: 1, step: 0 }, { key: 'big', value: 2e200, timestamp: 2, step: 1 }, { key: 'big', value: 3e200, timestamp: 3, step: 2 },
      { key: 'huge', value: 1.5e308, timestamp: 1, step: 0 }, { key: 'huge', value: 1.7e308, timestamp: 2, step: 1 },
      // Far from zero: the sum of squares loses the spread.
      { key: 'epoch', value: 1e9, timestamp: 1, step: 0 }, { key: 'epoch', value: 1e9 + 1, timestamp: 2, step: 1 }, { key: 'epoch', value: 1e9 + 2, timestamp: 3, step: 2 },
      { key: 'inf', value: 1, timestamp: 1, step: 0 }, { key: 'inf', value: Infinity, timestamp: 2, step: 1 },
    ] });
    const byKey = new Map((await s.metricSummaries(run)).map((m) => [m.key, m]));
    const near = (got: number | undefined, want: number) => expect(Math.abs((got as number) / want - 1)).toBeLessThan(1e-9);
    near(byKey.get('big')?.avg, 2e200);
    near(byKey.get('big')?.stdDev, 1e200);
    near(byKey.get('huge')?.avg, 1.6e308);
    near(byKey.get('huge')?.stdDev, Math.SQRT2 * 1e307);
    near(byKey.get('epoch')?.avg, 1e9 + 1);
    near(byKey.get('epoch')?.stdDev, 1);
    expect(byKey.get('inf')).toMatchObject({ count: 2, min: 1, max: Infinity, last: Infinity });
  });

  it("reads many runs' infos at once, and lists only components whose runs have the params and metrics asked (Search's Parameters and Metrics filters)", async () => {
    const s = store();
    const [a, b] = [await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 }), await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 })];
    const p = unique('rh');
    const trial = `${p}-t`;
    await s.createTrial({ name: trial, experimentId: a, creationTime: 1, lastModifiedTime: 1 });
    const runs: Record<string, string> = {};
    const make = async (name: string, exp: string, o: { params?: string[]; metrics?: string[]; sourceType?: string; status?: RunInfoRecord['status']; startTime: number }) => {
      const run = runId();
      runs[name] = run;
      await s.createRun({ info: { ...info(run, exp), status: o.status ?? 'RUNNING', startTime: o.startTime }, tags: [] });
      await s.logBatch(run, { params: (o.params ?? []).map((key) => ({ key, value: '1' })), metrics: (o.metrics ?? []).map((key) => ({ key, value: 0.5, timestamp: 1, step: 0 })) });
      await s.createTrialComponent(component(`${p}-${name}`, run, o.sourceType ? { sourceType: o.sourceType, sourceArn: `arn:src:${p}-${name}` } : {}));
      await s.associateTrialComponent(trial, `${p}-${name}`, 1);
    };
    await make('lr', a, { params: ['lr'], status: 'FINISHED', startTime: 11 });
    await make('lr-loss', b, { params: ['lr', 'depth'], metrics: ['loss'], status: 'FAILED', startTime: 12 });
    await make('loss', b, { metrics: ['loss'], startTime: 13 });
    await make('job', a, { sourceType: 'SageMakerTrainingJob', startTime: 14 });
    await make('none', a, { startTime: 15 });

    // Each info is its own run's (runs of two experiments), whatever the order asked; unknown, repeated and unstorable ids are ignored.
    const infos = await s.getRunInfos([runs['loss'] as string, runs['lr'] as string, runId(), runs['lr'] as string, 'a\u0000b', runs['lr-loss'] as string]);
    const byId = (list: RunInfoRecord[]) => [...list].sort((x, y) => (x.runId < y.runId ? -1 : 1));
    const one = await Promise.all(['lr', 'lr-loss', 'loss'].map(async (n) => (await s.getRunInfo(runs[n] as string)) as RunInfoRecord));
    expect(byId(infos)).toEqual(byId(one));
    expect(Object.fromEntries(infos.map((i) => [i.runId, [i.experimentId, i.status, i.startTime]]))).toEqual({
      [runs['lr'] as string]: [a, 'FINISHED', 11], [runs['lr-loss'] as string]: [b, 'FAILED', 12], [runs['loss'] as string]: [b, 'RUNNING', 13],
    });
    expect(await s.getRunInfos([])).toEqual([]);

    const names = (rows: { name: string }[]) => rows.map((r) => r.name.slice(p.length + 1));
    const listed = async (runHas: ComponentRunKeys, q: Partial<ExperimentEntityQuery> = {}) => names(await s.listTrialComponents({ ...page({ trialName: trial, ...q }), runHas }));
    const jobs = ['SageMakerTrainingJob', 'SageMakerProcessingJob'];
    expect(await listed({})).toEqual(['job', 'loss', 'lr', 'lr-loss', 'none']);
    expect(await listed({ params: ['lr'] })).toEqual(['lr', 'lr-loss']);
    expect(await listed({ params: ['lr', 'depth'] })).toEqual(['lr-loss']);
    expect(await listed({ metrics: ['loss'] })).toEqual(['loss', 'lr-loss']);
    expect(await listed({ params: ['lr'], metrics: ['loss'] })).toEqual(['lr-loss']);
    expect(await listed({ params: ['lr'], paramsAlsoOfSourceTypes: jobs })).toEqual(['job', 'lr', 'lr-loss']);
    // A job's component is kept whatever params its run has, not whatever metrics.
    expect(await listed({ metrics: ['loss'], paramsAlsoOfSourceTypes: jobs })).toEqual(['loss', 'lr-loss']);
    expect(await listed({ params: ['LR'] })).toEqual([]);
    expect(await listed({ params: ['a\u0000b'] })).toEqual([]);
    expect(await listed({ params: ['a\u0000b'], paramsAlsoOfSourceTypes: jobs })).toEqual(['job']);
    expect(await listed({ params: ['lr'] }, { sortBy: 'creationTime', ascending: false, offset: 1, limit: 1 })).toEqual(['lr']);
  });

  it("reads the infos of more runs than one statement may name (Search's trial record reads up to 10,000 components' runs)", async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const made = Array.from({ length: 600 }, () => runId());
    for (const [i, id] of made.entries()) await s.createRun({ info: { ...info(id, exp), startTime: i }, tags: [] });
    // Every run once, each with its own info, whatever the unknown ids between them.
    const asked = made.flatMap((id, i) => (i % 3 ? [id] : [id, runId()]));
    const infos = await s.getRunInfos(asked);
    expect(infos).toHaveLength(made.length);
    expect(new Map(infos.map((x) => [x.runId, x.startTime]))).toEqual(new Map(made.map((id, i) => [id, i])));
  }, 60_000);

  it('groups components in trials of an experiment: lists by trial, experiment, component and source, sorted and paged', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const other = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const p = unique('p');
    const [t1, t2, t3] = [`${p}-b`, `${p}-a`, `${p}-c`];
    await s.createTrial({ name: t1, experimentId: exp, displayName: 'B', metadata: { Repository: 'r' }, creationTime: 10, lastModifiedTime: 10 });
    await s.createTrial({ name: t2, experimentId: exp, creationTime: 20, lastModifiedTime: 20 });
    await s.createTrial({ name: t3, experimentId: other, creationTime: 30, lastModifiedTime: 30 });
    await expect(s.createTrial({ name: t1, experimentId: exp, creationTime: 1, lastModifiedTime: 1 })).rejects.toMatchObject({ code: 'ResourceInUse' });
    expect(await s.getTrial(t1)).toEqual({ name: t1, experimentId: exp, displayName: 'B', metadata: { Repository: 'r' }, creationTime: 10, lastModifiedTime: 10 });
    await s.updateTrial(t1, { displayName: 'B2', lastModifiedTime: 11 });
    expect(await s.getTrial(t1)).toMatchObject({ displayName: 'B2', lastModifiedTime: 11 });
    const names = (rows: { name: string }[]) => rows.map((r) => r.name);
    expect(names(await s.listTrials(page({ experimentId: exp })))).toEqual([t2, t1]);
    expect(names(await s.listTrials(page({ experimentId: exp, sortBy: 'creationTime', ascending: false })))).toEqual([t2, t1]);
    expect(names(await s.listTrials(page({ experimentId: exp, createdAfter: 10 })))).toEqual([t2]);
    expect(names(await s.listTrials(page({ experimentId: exp, offset: 1, limit: 1 })))).toEqual([t1]);

    const [c1, c2] = [`${p}-x`, `${p}-y`];
    for (const [c, src] of [[c1, `arn:src:${p}`], [c2, undefined]] as const) {
      const run = runId();
      await s.createRun({ info: info(run, exp), tags: [] });
      await s.createTrialComponent(component(c, run, src ? { sourceArn: src } : {}));
    }
    await s.associateTrialComponent(t1, c1, 50);
    await s.associateTrialComponent(t1, c1, 51);
    await s.associateTrialComponent(t2, c1, 52);
    await s.associateTrialComponent(t3, c2, 53);
    expect(names(await s.listTrialComponents(page({ trialName: t1 })))).toEqual([c1]);
    expect(names(await s.listTrialComponents(page({ experimentId: exp })))).toEqual([c1]);
    expect(names(await s.listTrialComponents(page({ experimentId: other })))).toEqual([c2]);
    expect(names(await s.listTrialComponents(page({ sourceArn: `arn:src:${p}` })))).toEqual([c1]);
    expect(names(await s.listTrials(page({ componentName: c1 })))).toEqual([t2, t1]);
    expect(await s.disassociateTrialComponent(t2, c1)).toBe(true);
    expect(await s.disassociateTrialComponent(t2, c1)).toBe(false);
    expect(names(await s.listTrials(page({ componentName: c1 })))).toEqual([t1]);
    await s.deleteTrial(t1);
    expect(await s.getTrial(t1)).toBeUndefined();
    expect(await s.listTrials(page({ componentName: c1 }))).toEqual([]);
    expect(await s.deleteTrialComponent(c2, { unlessInTrial: true })).toBe('in-trial');
    expect(names(await s.listTrialComponents(page({ trialName: t3 })))).toEqual([c2]);
    expect(await s.deleteTrialComponent(c2)).toBe('deleted');
    expect(await s.getTrialComponent(c2)).toBeUndefined();
    expect(await s.listTrialComponents(page({ trialName: t3 }))).toEqual([]);
    expect(await s.deleteTrialComponent(c2, { unlessInTrial: true })).toBe('absent');
    // Nothing is linked to a component or trial that does not exist (any more).
    expect(await s.associateTrialComponent(t3, c2, 54)).toBe(false);
    expect(await s.associateTrialComponent(t1, c1, 55)).toBe(false);
    expect(await s.associateTrialComponent(t3, c1, 56)).toBe(true);
    expect(await s.deleteTrialComponent(c1, { unlessInTrial: true })).toBe('in-trial');
    expect(await s.disassociateTrialComponent(t3, c1)).toBe(true);
    expect(await s.deleteTrialComponent(c1, { unlessInTrial: true })).toBe('deleted');
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    await s.createTrialComponent(component(c2, run));
    expect(await s.listTrialComponents(page({ trialName: t3 }))).toEqual([]);
    // A trial holding a component whose run is active is kept; one whose component's run MLflow deleted is not.
    expect(await s.associateTrialComponent(t3, c2, 57)).toBe(true);
    expect(await s.deleteTrial(t3, { unlessHoldingComponent: true })).toBe('holds-component');
    await s.updateRunInfo(run, { lifecycleStage: 'deleted', deletedTime: 60 });
    expect(await s.deleteTrial(t3, { unlessHoldingComponent: true })).toBe('deleted');
    expect(await s.getTrial(t3)).toBeUndefined();
    expect(await s.deleteTrial(t3, { unlessHoldingComponent: true })).toBe('absent');
  });

  it('updates a component with what a function makes of it as stored, each of concurrent updates on the last one\'s result; what it throws writes nothing', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const name = unique('merge');
    const run = runId();
    await s.createRun({ info: info(run, exp), tags: [] });
    await s.createTrialComponent(component(name, run));
    expect(await Promise.all(Array.from({ length: 10 }, (_, i) => s.updateTrialComponent(name, (c) => ({
      inputArtifacts: { ...c.inputArtifacts, [`a${i}`]: { value: `v${i}` } }, numberParams: [...c.numberParams, `n${i}`], lastModifiedTime: 100 + i,
    }))))).toEqual(Array(10).fill(true));
    const c = await s.getTrialComponent(name);
    expect(Object.keys(c?.inputArtifacts ?? {}).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`).sort());
    expect(c?.numberParams).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`).sort());
    await expect(s.updateTrialComponent(name, () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect(await s.updateTrialComponent(unique('absent'), () => { throw new Error('not called for a component that does not exist'); })).toBe(false);
    await expect(s.updateTrialComponent(name, () => ({ inputArtifacts: { k: { value: '\u0000' } }, lastModifiedTime: 300 }))).rejects.toMatchObject({ code: 'ValidationException' });
    expect(await s.getTrialComponent(name)).toEqual(c);
  });

  it('pages components and trials from a keyset position (`after`) by name, creation and last modified time: a row deleted or leaving the list before it moves none past it', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const trial = unique('pos');
    await s.createTrial({ name: trial, experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    // Six components: created in pairs of one millisecond (ties broken by name), modified in the reverse order.
    const p = unique('k');
    const made = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${p}-${x}`);
    const runs = new Map<string, string>();
    for (const [i, name] of made.entries()) {
      const run = runId();
      runs.set(name, run);
      await s.createRun({ info: info(run, exp), tags: [] });
      await s.logBatch(run, { params: [{ key: 'lr', value: String(i) }] });
      await s.createTrialComponent({ ...component(name, run), creationTime: 100 + Math.floor(i / 2), lastModifiedTime: 200 - i });
      await s.associateTrialComponent(trial, name, 1);
    }
    const names = (rows: { name: string }[]) => rows.map((r) => r.name.slice(p.length + 1));
    const list = async (q: Partial<ExperimentEntityQuery>) => names(await s.listTrialComponents(page({ trialName: trial, limit: 2, ...q })));
    expect(await list({ after: { name: made[1] as string } })).toEqual(['c', 'd']);
    expect(await list({ ascending: false, after: { name: made[4] as string } })).toEqual(['d', 'c']);
    expect(await list({ sortBy: 'creationTime', after: { time: 101, name: made[2] as string } })).toEqual(['d', 'e']);
    // Every row of a millisecond after (t, ''), every one of it and before before (t + 1, '').
    expect(await list({ sortBy: 'creationTime', after: { time: 101, name: '' } })).toEqual(['c', 'd']);
    expect(await list({ sortBy: 'creationTime', ascending: false, after: { time: 102, name: '' } })).toEqual(['d', 'c']);
    expect(await list({ sortBy: 'creationTime', ascending: false, after: { time: 102, name: made[4] as string } })).toEqual(['d', 'c']);
    expect(await list({ sortBy: 'lastModifiedTime', after: { time: 196, name: made[4] as string } })).toEqual(['d', 'c']);
    expect(await list({ sortBy: 'lastModifiedTime', ascending: false, limit: 6 })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await list({ sortBy: 'lastModifiedTime', ascending: false, after: { time: 199, name: made[1] as string }, offset: 1 })).toEqual(['d', 'e']);
    // Page two from the first page's last row, with a row of page one deleted and one leaving the runHas list meanwhile.
    const lr = { runHas: { params: ['lr'] } };
    const first = await s.listTrialComponents(page({ trialName: trial, limit: 3, ...lr }));
    expect(names(first)).toEqual(['a', 'b', 'c']);
    await s.deleteTrialComponent(made[0] as string);
    await s.updateTrialComponent(made[1] as string, { removeParams: ['lr'], lastModifiedTime: 300 });
    const last = first[first.length - 1] as { name: string };
    expect(names(await s.listTrialComponents(page({ trialName: trial, limit: 3, after: { name: last.name }, ...lr })))).toEqual(['d', 'e', 'f']);
    // Trials too.
    const trials = [`${p}-t0`, `${p}-t1`, `${p}-t2`];
    for (const [i, name] of trials.entries()) await s.createTrial({ name, experimentId: exp, creationTime: 500, lastModifiedTime: 500 + i });
    const listedTrials = async (q: Partial<ExperimentEntityQuery>) => (await s.listTrials(page({ experimentId: exp, ...q }))).map((t) => t.name);
    expect(await listedTrials({ sortBy: 'creationTime', after: { time: 500, name: trials[0] as string } })).toEqual(trials.slice(1));
    expect(await listedTrials({ after: { name: trials[1] as string } })).toEqual([trials[2], trial]);
    await expect(s.listTrialComponents(page({ sortBy: 'creationTime', after: { name: made[1] as string } }))).rejects.toThrow(TypeError);
  });

  it('compares a keyset position\'s name as it orders names (by code point: upper case before lower, non-ASCII after), so a walk of pages of one row skips and repeats none', async () => {
    const s = store();
    const exp = await s.createExperiment({ name: unique('sm'), artifactRoot: 'r:', tags: [], time: 1 });
    const trial = unique('cp');
    await s.createTrial({ name: trial, experimentId: exp, creationTime: 1, lastModifiedTime: 1 });
    // One creation and modification time for all: the name alone orders them. A linguistic collation would put a
    // before B and Z, and É between e and f. (No two differ in case only: names are unique in any case.)
    const p = unique('n');
    const ends = ['f', 'É', 'a', 'ü', 'Z', 'e', 'B'];
    for (const x of ends) {
      const run = runId();
      await s.createRun({ info: info(run, exp), tags: [] });
      await s.createTrialComponent({ ...component(`${p}-${x}`, run), creationTime: 7, lastModifiedTime: 7 });
      await s.associateTrialComponent(trial, `${p}-${x}`, 1);
    }
    const byCodePoint = ['B', 'Z', 'a', 'e', 'f', 'É', 'ü'];
    for (const sortBy of ['name', 'creationTime', 'lastModifiedTime'] as const) {
      for (const ascending of [true, false]) {
        const walked: string[] = [];
        let after: EntityPosition | undefined;
        // At most one row more than there are: a position read as an earlier one would repeat rows forever.
        while (walked.length <= ends.length) {
          const [row] = await s.listTrialComponents(page({ trialName: trial, sortBy, ascending, limit: 1, ...(after ? { after } : {}) }));
          if (!row) break;
          walked.push(row.name.slice(p.length + 1));
          after = sortBy === 'name' ? { name: row.name } : { time: row[sortBy], name: row.name };
        }
        expect(walked, `${sortBy} ${ascending ? 'ascending' : 'descending'}`).toEqual(ascending ? byCodePoint : [...byCodePoint].reverse());
      }
    }
  });
}
