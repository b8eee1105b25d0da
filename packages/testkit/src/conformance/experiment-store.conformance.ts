import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sageMakerEntityCases } from './experiment-store-sagemaker.conformance.js';
import { artifactLocationKey, type ExperimentStore, type RunFilterClause, type RunInfoRecord, type RunOrderClause, type RunPosition, type RunRecord } from '@loam/core';

/** How a backend joins the experiment store suite. */
export interface ExperimentStoreConformanceTarget {
  readonly open: () => Promise<ExperimentStore>;
}

let seq = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${++seq}`;
const hex = (n: number) => n.toString(16).padStart(32, '0');

function info(runId: string, experimentId: string, startTime: number, extra: Partial<RunInfoRecord> = {}): RunInfoRecord {
  return { runId, experimentId, runName: `run-${startTime}`, userId: 'ana', status: 'RUNNING', startTime, lifecycleStage: 'active', artifactUri: `s3://b/${runId}`, ...extra };
}

/**
 * The ExperimentStore contract, run by the SQL adapter (SQLite file, SQLite memory, PostgreSQL) and
 * the in-memory fake. Expected values are worked out by hand from MLflow's documented semantics.
 */
export function describeExperimentStoreConformance(label: string, target: ExperimentStoreConformanceTarget): void {
  describe(`ExperimentStore conformance: ${label}`, () => {
    let s: ExperimentStore;
    beforeAll(async () => {
      s = await target.open();
    });
    afterAll(async () => {
      await s?.close();
    });

    it('creates experiments with increasing ids, refuses a duplicate name, keeps Default as 0', async () => {
      await s.ensureDefaultExperiment('mlflow-artifacts:', 1);
      await s.ensureDefaultExperiment('mlflow-artifacts:', 2);
      expect((await s.getExperiment('0'))?.name).toBe('Default');
      const a = await s.createExperiment({ name: unique('a'), artifactRoot: 'mlflow-artifacts:', tags: [{ key: 'team', value: 'x' }], time: 10 });
      const b = await s.createExperiment({ name: unique('b'), artifactLocation: 's3://bkt/p', artifactRoot: 'mlflow-artifacts:', tags: [], time: 11 });
      expect(Number(b)).toBeGreaterThan(Number(a));
      const ea = await s.getExperiment(a);
      expect(ea).toMatchObject({ experimentId: a, artifactLocation: `mlflow-artifacts:/${a}`, lifecycleStage: 'active', creationTime: 10, lastUpdateTime: 10, tags: [{ key: 'team', value: 'x' }] });
      expect((await s.getExperiment(b))?.artifactLocation).toBe('s3://bkt/p');
      await expect(s.createExperiment({ name: ea!.name, artifactRoot: 'x:', tags: [], time: 12 })).rejects.toMatchObject({ code: 'ResourceInUse' });
      expect((await s.getExperimentByName(ea!.name))?.experimentId).toBe(a);
      expect(await s.getExperiment('999999')).toBeUndefined();
      expect(await s.getExperiment('not-a-number')).toBeUndefined();
    });

    it('renames (refusing a taken name), tags, deletes and restores an experiment with its runs', async () => {
      const taken = unique('taken');
      await s.createExperiment({ name: taken, artifactRoot: 'r:', tags: [], time: 1 });
      const id = await s.createExperiment({ name: unique('life'), artifactRoot: 'r:', tags: [], time: 1 });
      await expect(s.renameExperiment(id, taken, 2)).rejects.toMatchObject({ code: 'ResourceInUse' });
      const renamed = unique('renamed');
      await s.renameExperiment(id, renamed, 3);
      await s.setExperimentTags(id, [{ key: 'k', value: '1' }, { key: 'j', value: '2' }], 4);
      await s.setExperimentTags(id, [{ key: 'k', value: '3' }], 5);
      expect(await s.getExperiment(id)).toMatchObject({ name: renamed, lastUpdateTime: 5, tags: [{ key: 'j', value: '2' }, { key: 'k', value: '3' }] });
      await s.createRun({ info: info(hex(0xa1), id, 1), tags: [] });
      await s.createRun({ info: info(hex(0xa2), id, 2), tags: [] });
      await s.updateRunInfo(hex(0xa2), { lifecycleStage: 'deleted', deletedTime: 6 });
      await s.setExperimentLifecycle(id, 'deleted', 7);
      expect((await s.getExperiment(id))?.lifecycleStage).toBe('deleted');
      expect(await s.getRunInfo(hex(0xa1))).toMatchObject({ lifecycleStage: 'deleted', deletedTime: 7 });
      await s.setExperimentLifecycle(id, 'active', 8);
      const restored = await s.getRunInfo(hex(0xa1));
      expect(restored?.lifecycleStage).toBe('active');
      expect(restored?.deletedTime).toBeUndefined();
    });

    it('searches experiments by name (LIKE is case-sensitive, ILIKE is not), tag and time, in order', async () => {
      const tag = unique('t');
      const ids: string[] = [];
      for (const [n, t] of [['Alpha', 100], ['alpine', 200], ['Beta', 300]] as const) {
        ids.push(await s.createExperiment({ name: `${tag}-${n}`, artifactRoot: 'r:', tags: [{ key: 'suite', value: tag }], time: t }));
      }
      await s.setExperimentLifecycle(ids[2]!, 'deleted', 301);
      const q = (filter: Parameters<ExperimentStore['searchExperiments']>[0]['filter'], view: 'ACTIVE_ONLY' | 'ALL' = 'ALL') =>
        s.searchExperiments({ view, filter: [{ kind: 'tag', key: 'suite', op: '=', value: tag }, ...filter], orderBy: [{ key: 'name', ascending: true }], offset: 0, limit: 10 }).then((r) => r.map((e) => e.name.slice(tag.length + 1)));
      expect(await q([])).toEqual(['Alpha', 'Beta', 'alpine']);
      expect(await q([], 'ACTIVE_ONLY')).toEqual(['Alpha', 'alpine']);
      expect(await q([{ kind: 'attribute', key: 'name', op: 'LIKE', value: `${tag}-Al%` }])).toEqual(['Alpha']);
      expect(await q([{ kind: 'attribute', key: 'name', op: 'ILIKE', value: `${tag}-al%` }])).toEqual(['Alpha', 'alpine']);
      expect(await q([{ kind: 'attribute', key: 'creation_time', op: '>=', value: 200 }])).toEqual(['Beta', 'alpine']);
      const byTime = await s.searchExperiments({ view: 'ALL', filter: [{ kind: 'tag', key: 'suite', op: '=', value: tag }], orderBy: [{ key: 'creation_time', ascending: false }], offset: 1, limit: 1 });
      expect(byTime.map((e) => e.experimentId)).toEqual([ids[1]]);
    });

    it('searches experiments after a position (a keyset): by each order key, then by id; a deleted one moves none past it', async () => {
      const tag = unique('k');
      // Two pairs of one creation time (ids in the order made); names in code point order A < C < b < d < e.
      const made: [string, number][] = [['b', 100], ['A', 100], ['C', 200], ['d', 200], ['e', 300]];
      const ids = new Map<string, string>();
      for (const [n, t] of made) ids.set(n, await s.createExperiment({ name: `${tag}-${n}`, artifactRoot: 'r:', tags: [{ key: 'suite', value: tag }], time: t }));
      const search = (orderBy: Parameters<ExperimentStore['searchExperiments']>[0]['orderBy'], after?: { values: (string | number)[]; experimentId: string }, view: 'ACTIVE_ONLY' | 'ALL' = 'ACTIVE_ONLY') =>
        s.searchExperiments({ view, filter: [{ kind: 'tag', key: 'suite', op: '=', value: tag }], orderBy, ...(after ? { after } : {}), offset: 0, limit: 10 }).then((r) => r.map((e) => e.name.slice(tag.length + 1)));
      const id = (n: string) => ids.get(n) as string;
      expect(await search([{ key: 'name', ascending: true }], { values: [`${tag}-A`], experimentId: id('A') })).toEqual(['C', 'b', 'd', 'e']);
      expect(await search([{ key: 'name', ascending: false }], { values: [`${tag}-C`], experimentId: id('C') })).toEqual(['A']);
      // Ties of creation time are broken by id (ascending in either direction): C before d, b before A.
      const desc = [{ key: 'creation_time', ascending: false }] as const;
      expect(await search(desc)).toEqual(['e', 'C', 'd', 'b', 'A']);
      expect(await search(desc, { values: [200], experimentId: id('C') })).toEqual(['d', 'b', 'A']);
      await s.setExperimentLifecycle(id('C'), 'deleted', 400);
      expect(await search(desc, { values: [200], experimentId: id('C') })).toEqual(['d', 'b', 'A']);
      expect(await search([{ key: 'creation_time', ascending: true }, { key: 'name', ascending: false }], { values: [100, `${tag}-b`], experimentId: id('b') }, 'ALL')).toEqual(['A', 'd', 'C', 'e']);
      // After a position, `offset` skips rows past it.
      expect(await s.searchExperiments({ view: 'ALL', filter: [{ kind: 'tag', key: 'suite', op: '=', value: tag }], orderBy: [{ key: 'experiment_id', ascending: true }], after: { values: [Number(id('b'))], experimentId: id('b') }, offset: 1, limit: 2 }).then((r) => r.map((e) => e.name.slice(tag.length + 1)))).toEqual(['C', 'd']);
    });

    it('logs batches: history in step order, latest by (step, timestamp, value), NaN and ±Infinity kept', async () => {
      const exp = await s.createExperiment({ name: unique('metrics'), artifactRoot: 'r:', tags: [], time: 1 });
      const id = hex(0xb1);
      await s.createRun({ info: info(id, exp, 1), tags: [{ key: 'mlflow.runName', value: 'first' }] });
      await s.logBatch(id, { metrics: [{ key: 'loss', value: 0.5, timestamp: 100, step: 2 }, { key: 'loss', value: 0.9, timestamp: 300, step: 1 }, { key: 'loss', value: 0.7, timestamp: 50, step: 2 }] });
      await s.logBatch(id, { metrics: [{ key: 'loss', value: 0.4, timestamp: 90, step: 2 }, { key: 'n', value: NaN, timestamp: 1, step: 0 }, { key: 'p', value: Infinity, timestamp: 1, step: 0 }, { key: 'm', value: -Infinity, timestamp: 1, step: 0 }] });
      const hist = await s.metricHistory(id, 'loss', { offset: 0, limit: 10 });
      expect(hist.map((m) => [m.step, m.timestamp, m.value])).toEqual([[1, 300, 0.9], [2, 50, 0.7], [2, 90, 0.4], [2, 100, 0.5]]);
      expect((await s.metricHistory(id, 'loss', { offset: 1, limit: 2 })).map((m) => m.value)).toEqual([0.7, 0.4]);
      const run = (await s.getRun(id)) as RunRecord;
      expect(run.metrics.map((m) => m.key)).toEqual(['loss', 'm', 'n', 'p']);
      expect(run.metrics[0]).toEqual({ key: 'loss', value: 0.5, timestamp: 100, step: 2 });
      expect(run.metrics[1]!.value).toBe(-Infinity);
      expect(run.metrics[2]!.value).toBeNaN();
      expect(run.metrics[3]!.value).toBe(Infinity);
      expect((await s.metricHistory(id, 'n', { offset: 0, limit: 10 }))[0]!.value).toBeNaN();
    });

    it('stores an identical metric point once (a retried batch, a repeat in one batch); a point differing in anything is kept', async () => {
      // MLflow's SQL store keys a point by (run, key, timestamp, step, value, is_nan), NaN stored as 0 with is_nan set.
      const exp = await s.createExperiment({ name: unique('retry'), artifactRoot: 'r:', tags: [], time: 1 });
      const id = hex(0xb2);
      await s.createRun({ info: info(id, exp, 1), tags: [] });
      const batch = { metrics: [{ key: 'loss', value: 0.5, timestamp: 100, step: 1 }, { key: 'loss', value: 0.4, timestamp: 200, step: 2 }, { key: 'n', value: NaN, timestamp: 5, step: 0 }] };
      await s.logBatch(id, batch);
      await s.logBatch(id, batch);
      await Promise.all([s.logBatch(id, batch), s.logBatch(id, batch)]);
      await s.logBatch(id, { metrics: [{ key: 'once', value: 1, timestamp: 1, step: 0 }, { key: 'once', value: 1, timestamp: 1, step: 0 }, { key: 'n', value: NaN, timestamp: 5, step: 0 }] });
      const history = async (key: string) => (await s.metricHistory(id, key, { offset: 0, limit: 100 })).map((m) => [m.step, m.timestamp, m.value]);
      expect(await history('loss')).toEqual([[1, 100, 0.5], [2, 200, 0.4]]);
      expect(await history('n')).toEqual([[0, 5, NaN]]);
      expect(await history('once')).toEqual([[0, 1, 1]]);
      // Each differs from (step 0, timestamp 1, value 1) in one field: all kept. NaN and 0 are two points.
      await s.logBatch(id, { metrics: [{ key: 'once', value: 2, timestamp: 1, step: 0 }, { key: 'once', value: 1, timestamp: 2, step: 0 }, { key: 'once', value: 1, timestamp: 1, step: 1 }] });
      await s.logBatch(id, { metrics: [{ key: 'n', value: 0, timestamp: 5, step: 0 }, { key: 'n', value: Infinity, timestamp: 5, step: 0 }, { key: 'n', value: Infinity, timestamp: 5, step: 0 }] });
      expect(await history('once')).toEqual([[0, 1, 1], [0, 1, 2], [0, 2, 1], [1, 1, 1]]);
      expect(await history('n')).toEqual([[0, 5, 0], [0, 5, NaN], [0, 5, Infinity]]);
      expect(((await s.getRun(id)) as RunRecord).metrics).toEqual([
        { key: 'loss', value: 0.4, timestamp: 200, step: 2 }, { key: 'n', value: Infinity, timestamp: 5, step: 0 }, { key: 'once', value: 1, timestamp: 1, step: 1 },
      ]);
      // The same point in another run is that run's own.
      const other = hex(0xb3);
      await s.createRun({ info: info(other, exp, 2), tags: [] });
      await s.logBatch(other, batch);
      expect((await s.metricHistory(other, 'loss', { offset: 0, limit: 100 })).length).toBe(2);
    });

    it('keeps params immutable and writes nothing of a batch that tries to change one', async () => {
      const exp = await s.createExperiment({ name: unique('params'), artifactRoot: 'r:', tags: [], time: 1 });
      const id = hex(0xc1);
      await s.createRun({ info: info(id, exp, 1), tags: [] });
      await s.logBatch(id, { params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'a' }] });
      await s.logBatch(id, { params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'b' }, { key: 'mlflow.runName', value: 'renamed' }] });
      await expect(s.logBatch(id, { params: [{ key: 'depth', value: '3' }, { key: 'lr', value: '0.2' }], metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }], tags: [{ key: 't', value: 'c' }] }))
        .rejects.toMatchObject({ code: 'ValidationException' });
      const run = (await s.getRun(id)) as RunRecord;
      expect(run.params).toEqual([{ key: 'lr', value: '0.1' }]);
      expect(run.metrics).toEqual([]);
      expect(run.tags).toEqual([{ key: 'mlflow.runName', value: 'renamed' }, { key: 't', value: 'b' }]);
      expect(run.info.runName).toBe('renamed');
      expect(await s.deleteRunTag(id, 't')).toBe(true);
      expect(await s.deleteRunTag(id, 't')).toBe(false);
      await s.updateRunInfo(id, { status: 'FINISHED', endTime: 99, runName: 'final' });
      expect(await s.getRun(id)).toMatchObject({ info: { status: 'FINISHED', endTime: 99, runName: 'final' }, tags: [{ key: 'mlflow.runName', value: 'final' }] });
    });

    it('writes concurrent batches each whole: one refused batch leaves the others written', async () => {
      const exp = await s.createExperiment({ name: unique('concurrent'), artifactRoot: 'r:', tags: [], time: 1 });
      const id = hex(0xe1);
      await s.createRun({ info: info(id, exp, 1), tags: [] });
      await s.logBatch(id, { params: [{ key: 'fixed', value: 'a' }] });
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
        s.logBatch(id, { metrics: [{ key: 'c', value: i, timestamp: i, step: i }], params: [{ key: i === 3 ? 'fixed' : `p${i}`, value: i === 3 ? 'b' : String(i) }] })));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((await s.metricHistory(id, 'c', { offset: 0, limit: 100 })).map((m) => m.value)).toEqual([0, 1, 2, 4, 5, 6, 7]);
      expect(((await s.getRun(id)) as RunRecord).params.map((p) => p.key)).toEqual(['fixed', 'p0', 'p1', 'p2', 'p4', 'p5', 'p6', 'p7']);
    });

    it('finds experiments by artifact location key: every spelling of a location, any lifecycle stage, by id; nothing else', async () => {
      const u = unique('loc');
      const make = (name: string, artifactLocation?: string) =>
        s.createExperiment({ name: `${u}-${name}`, ...(artifactLocation === undefined ? {} : { artifactLocation }), artifactRoot: `mlflow-artifacts:/${u}`, tags: [{ key: 't', value: name }], time: 1 });
      const slashes = await make('slashes', `mlflow-artifacts:///${u}/team//`);
      const plain = await make('plain', `mlflow-artifacts:/${u}/team`);
      const s3 = await make('s3', `s3://b-${u}/x/y/`);
      const bucket = await make('bucket', `s3://b-${u}`);
      const byRoot = await make('root');
      const sibling = await make('sibling', `s3://b-${u}/x/yz`);
      await make('unserved', `file:///tmp/${u}`);
      // Longer than a PostgreSQL B-tree entry may be (about 2.7 KB): stored and found like any other.
      const tail = randomBytes(1500).toString('hex');
      const long = await make('long', `s3://b-${u}/${tail}`);
      await s.setExperimentLifecycle(plain, 'deleted', 2);
      const find = async (keys: readonly string[]) => (await s.experimentsByArtifactLocation(keys)).map((e) => e.experimentId);
      expect(artifactLocationKey(`mlflow-artifacts:///${u}/team//`)).toBe(`mlflow-artifacts:/${u}/team`);
      expect(await find([`mlflow-artifacts:/${u}/team`])).toEqual([slashes, plain].sort((a, b) => Number(a) - Number(b)));
      expect(await find([`s3://b-${u}/x/y`, `s3://b-${u}/`, `mlflow-artifacts:/${u}/${byRoot}`, `s3://b-${u}/x`])).toEqual([s3, bucket, byRoot]);
      expect(await find([`s3://b-${u}/x/y/`, `s3://b-${u}`, `mlflow-artifacts:/${u}`, `file:///tmp/${u}`, `s3://b-${u}/x/y/z`])).toEqual([]);
      expect(await find([])).toEqual([]);
      expect(await find([`s3://b-${u}/x/yz`, 'a\u0000b', '\ud800'])).toEqual([sibling]);
      expect(await find([`s3://b-${u}/${tail}`, `s3://b-${u}/${tail.slice(1)}`])).toEqual([long]);
      // Whole records, as getExperiment answers them.
      expect((await s.experimentsByArtifactLocation([`s3://b-${u}/x/y`]))[0]).toEqual(await s.getExperiment(s3));
    });

    it('finds experiments by the start of their artifact location key: every spelling, any lifecycle stage, long keys and any code point, by id; nothing else', async () => {
      const u = unique('locp');
      const make = (name: string, artifactLocation: string) =>
        s.createExperiment({ name: `${u}-${name}`, artifactLocation, artifactRoot: `mlflow-artifacts:/${u}`, tags: [{ key: 't', value: name }], time: 1 });
      const team = await make('team', `mlflow-artifacts:///${u}/team//`);
      const teams = await make('teams', `mlflow-artifacts:/${u}/teams`);
      const bucket = await make('bucket', `s3://b-${u}`);
      const y = await make('y', `s3://b-${u}/x/y/`);
      const yz = await make('yz', `s3://b-${u}/x/yz`);
      const deep = await make('deep', `s3://b-${u}/x/y/z/deep`);
      const astral = await make('astral', `s3://b-${u}/é/😀`);
      const top = await make('top', `s3://b-${u}/\u{10FFFF}`);
      await make('unserved', `file:///tmp/${u}/x`);
      // Keys longer than the part of them an index may hold (a PostgreSQL B-tree entry is about 2.7 KB).
      const tail = randomBytes(1500).toString('hex');
      const long = await make('long', `s3://b-${u}/l/${tail}`);
      const longTwin = await make('long-twin', `s3://b-${u}/l/${tail.slice(0, 1000)}-twin`);
      await s.setExperimentLifecycle(yz, 'deleted', 2);
      const find = async (prefix: string) => (await s.experimentsByArtifactLocationPrefix(prefix)).map((e) => e.experimentId);
      const byId = (...ids: string[]) => ids.sort((a, b) => Number(a) - Number(b));
      expect(await find(`s3://b-${u}/x/y`)).toEqual(byId(y, yz, deep));
      expect(await find(`s3://b-${u}/x/y/`)).toEqual([deep]);
      expect(await find(`s3://b-${u}/`)).toEqual(byId(bucket, y, yz, deep, astral, top, long, longTwin));
      expect(await find(`mlflow-artifacts:/${u}/team`)).toEqual(byId(team, teams));
      expect(await find(`mlflow-artifacts:/${u}/team/`)).toEqual([]);
      expect(await find(`s3://b-${u}/é`)).toEqual([astral]);
      expect(await find(`s3://b-${u}/é/😀`)).toEqual([astral]);
      expect(await find(`s3://b-${u}/\u{10FFFF}`)).toEqual([top]);
      expect(await find(`s3://b-${u}/l/${tail.slice(0, 1000)}`)).toEqual(byId(long, longTwin));
      expect(await find(`s3://b-${u}/l/${tail}`)).toEqual([long]);
      expect(await find(`s3://b-${u}/l/${tail}x`)).toEqual([]);
      expect(await find(`file:///tmp/${u}`)).toEqual([]);
      expect(await find(`s3://b-${u}/x/y\u0000`)).toEqual([]);
      expect(await find(`s3://b-${u}/\ud800`)).toEqual([]);
      // Whole records, as getExperiment answers them.
      expect((await s.experimentsByArtifactLocationPrefix(`s3://b-${u}/x/y/z`))[0]).toEqual(await s.getExperiment(deep));
    });

    it('creates experiments and runs concurrently, each with its own id (none refused)', async () => {
      const tag = unique('many');
      const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => s.createExperiment({ name: `${tag}-${i}`, artifactRoot: 'r:', tags: [], time: 1 })));
      expect(new Set(ids).size).toBe(40);
      const exp = ids[0]!;
      const runIds = Array.from({ length: 60 }, (_, i) => hex(0x1000 + i));
      await Promise.all(runIds.map((id, i) => s.createRun({ info: info(id, exp, 10 + i), tags: [{ key: 'i', value: String(i) }] })));
      const found = await s.searchRuns({ experimentIds: [exp], view: 'ALL', filter: [], orderBy: [], offset: 0, limit: 100 });
      expect(found.map((r) => r.info.runId).sort()).toEqual(runIds);
      // Each run keeps its own tags: no two share a run key.
      expect(found.every((r) => r.tags.length === 1 && r.tags[0]!.value === String(Number.parseInt(r.info.runId, 16) - 0x1000))).toBe(true);
      await expect(s.createRun({ info: info(runIds[0]!, exp, 1), tags: [] })).rejects.toBeTruthy();
    });

    it('refuses text holding U+0000 or an unpaired surrogate on every write, writing nothing; lookups and searches by it find nothing', async () => {
      const N = 'a\u0000b';
      const refused = async (p: Promise<unknown>, what: string) => {
        const e = await p.then(() => undefined, (err: unknown) => err as { code?: string; message?: string });
        expect(e, what).toMatchObject({ code: 'ValidationException' });
        expect(e?.message, what).toContain('U+0000');
      };
      const name = unique('nul');
      await refused(s.createExperiment({ name, artifactRoot: 'r:', tags: [{ key: 'k', value: N }], time: 1 }), 'experiment tag');
      expect(await s.getExperimentByName(name)).toBeUndefined();
      const exp = await s.createExperiment({ name, artifactRoot: 'r:', tags: [], time: 1 });
      await refused(s.renameExperiment(exp, N, 2), 'rename');
      await refused(s.setExperimentTags(exp, [{ key: 'ok', value: 'x' }, { key: 'k', value: N }], 3), 'set experiment tag');
      expect((await s.getExperiment(exp))?.tags).toEqual([]);
      await refused(s.createRun({ info: info(hex(0xf1), exp, 1, { runName: N }), tags: [] }), 'run name');
      await refused(s.createRun({ info: info(hex(0xf1), exp, 1), tags: [{ key: 't', value: N }] }), 'run tag');
      expect(await s.getRunInfo(hex(0xf1))).toBeUndefined();
      const id = hex(0xf2);
      await s.createRun({ info: info(id, exp, 1), tags: [{ key: 't', value: 'plain' }] });
      await refused(s.logBatch(id, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'p', value: N }] }), 'param value');
      await refused(s.logBatch(id, { tags: [{ key: 't', value: N }] }), 'tag value');
      await refused(s.updateRunInfo(id, { runName: N }), 'update run name');
      await refused(s.logInputs(id, [{ dataset: { name: 'd', digest: 'x', sourceType: 'local', source: N }, tags: [] }]), 'dataset source');
      const run = (await s.getRun(id)) as RunRecord;
      expect([run.metrics, run.params, run.inputs, run.tags]).toEqual([[], [], [], [{ key: 't', value: 'plain' }]]);
      // Reads by a string holding NUL: nothing, as for any string never stored.
      expect(await s.getRunInfo(N)).toBeUndefined();
      expect(await s.getRun(N)).toBeUndefined();
      expect(await s.getExperimentByName(N)).toBeUndefined();
      expect(await s.metricHistory(id, N, { offset: 0, limit: 10 })).toEqual([]);
      expect(await s.deleteRunTag(id, N)).toBe(false);
      const search = (filter: RunFilterClause[], orderBy: RunOrderClause[] = []) =>
        s.searchRuns({ experimentIds: [exp], view: 'ALL', filter, orderBy, offset: 0, limit: 10 }).then((r) => r.map((x) => x.info.runId));
      expect(await search([{ kind: 'tag', key: 't', op: '=', value: N }])).toEqual([]);
      expect(await search([{ kind: 'tag', key: 't', op: '!=', value: N }])).toEqual([id]);
      expect(await search([{ kind: 'tag', key: 't', op: 'LIKE', value: `%${N}%` }])).toEqual([]);
      expect(await search([{ kind: 'tag', key: 't', op: 'ILIKE', value: N }])).toEqual([]);
      expect(await search([{ kind: 'tag', key: N, op: '!=', value: 'x' }])).toEqual([]);
      expect(await search([{ kind: 'attribute', key: 'run_id', op: 'IN', value: [N, id] }])).toEqual([id]);
      expect(await search([{ kind: 'attribute', key: 'run_id', op: 'NOT IN', value: [N] }])).toEqual([id]);
      expect(await search([{ kind: 'attribute', key: 'run_name', op: '=', value: N }])).toEqual([]);
      expect(await search([], [{ kind: 'param', key: N, ascending: true }])).toEqual([id]);
      // An unpaired surrogate is refused as NUL is (each database would store a different U+FFFD string).
      const S = 'a\ud800b';
      const lone = async (p: Promise<unknown>, code: string) => {
        const e = await p.then(() => undefined, (err: unknown) => err as { code?: string; message?: string });
        expect(e, code).toMatchObject({ code: 'ValidationException' });
        expect(e?.message, code).toContain(`unpaired surrogate (${code})`);
      };
      await lone(s.logBatch(id, { params: [{ key: 'p', value: S }] }), 'U+D800');
      await lone(s.logBatch(id, { tags: [{ key: 't', value: 'x\udfff' }] }), 'U+DFFF');
      await s.logBatch(id, { params: [{ key: 'emoji', value: '\u{1F600}' }] });
      expect(((await s.getRun(id)) as RunRecord).params).toEqual([{ key: 'emoji', value: '\u{1F600}' }]);
      await s.logBatch(id, { tags: [{ key: 'q', value: 'a\uFFFDb' }] });
      expect(await search([{ kind: 'tag', key: 'q', op: '=', value: S }])).toEqual([]);
      expect(await search([{ kind: 'tag', key: 'q', op: '=', value: 'a\uFFFDb' }])).toEqual([id]);
      const exps = await s.searchExperiments({ view: 'ALL', filter: [{ kind: 'attribute', key: 'name', op: '=', value: N }], orderBy: [], offset: 0, limit: 10 });
      expect(exps).toEqual([]);
      expect(await s.searchExperiments({ view: 'ALL', filter: [{ kind: 'tag', key: N, op: '=', value: 'x' }], orderBy: [], offset: 0, limit: 10 })).toEqual([]);
    });

    sageMakerEntityCases(() => s);

    describe('run search', () => {
      let exp: string;
      const R = (i: number) => hex(0xd00 + i);
      beforeAll(async () => {
        exp = await s.createExperiment({ name: unique('search'), artifactRoot: 'r:', tags: [], time: 1 });
        // Run i starts at 1000 + i; metrics/params/tags chosen so each filter below picks a known set.
        const rows: [number, number | undefined, string | undefined, string | undefined][] = [
          [1, 0.5, 'Adam', 'gold'],
          [2, 0.2, 'adam', 'silver'],
          [3, NaN, 'sgd', 'gold'],
          [4, undefined, undefined, undefined],
          [5, 0.9, 'Adagrad', 'bronze'],
          [6, 0.2, 'sgd', undefined],
        ];
        for (const [i, rmse, opt, medal] of rows) {
          await s.createRun({ info: info(R(i), exp, 1000 + i, { runName: `r${i}`, status: i === 5 ? 'FINISHED' : 'RUNNING', ...(i % 2 ? { endTime: 2000 + i } : {}) }), tags: medal ? [{ key: 'medal', value: medal }] : [] });
          await s.logBatch(R(i), { ...(rmse === undefined ? {} : { metrics: [{ key: 'rmse', value: rmse, timestamp: 5, step: 0 }] }), ...(opt ? { params: [{ key: 'opt', value: opt }] } : {}) });
        }
        await s.logInputs(R(1), [{ dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        await s.logInputs(R(1), [{ dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{}' }, tags: [] }]);
        await s.logInputs(R(2), [{ dataset: { name: 'eval', digest: 'd2', sourceType: 'local', source: '{}' }, tags: [{ key: 'mlflow.data.context', value: 'eval' }] }]);
        await s.updateRunInfo(R(6), { lifecycleStage: 'deleted', deletedTime: 9 });
      });
      const ids = async (filter: RunFilterClause[], orderBy: RunOrderClause[] = [], view: 'ACTIVE_ONLY' | 'ALL' | 'DELETED_ONLY' = 'ACTIVE_ONLY', offset = 0, limit = 100) =>
        (await s.searchRuns({ experimentIds: [exp], view, filter, orderBy, offset, limit })).map((r) => Number.parseInt(r.info.runId, 16) - 0xd00);

      it('orders by start time, newest first, by default; views pick lifecycle stages; pages by offset', async () => {
        expect(await ids([])).toEqual([5, 4, 3, 2, 1]);
        expect(await ids([], [], 'ALL')).toEqual([6, 5, 4, 3, 2, 1]);
        expect(await ids([], [], 'DELETED_ONLY')).toEqual([6]);
        expect(await ids([], [], 'ACTIVE_ONLY', 2, 2)).toEqual([3, 2]);
        expect(await s.searchRuns({ experimentIds: ['999999'], view: 'ALL', filter: [], orderBy: [], offset: 0, limit: 10 })).toEqual([]);
      });

      it('compares metrics numerically; NaN only matches !=; runs without the metric match nothing', async () => {
        expect(await ids([{ kind: 'metric', key: 'rmse', op: '<', value: 0.5 }])).toEqual([2]);
        expect(await ids([{ kind: 'metric', key: 'rmse', op: '<=', value: 0.5 }])).toEqual([2, 1]);
        expect(await ids([{ kind: 'metric', key: 'rmse', op: '=', value: 0.2 }], [], 'ALL')).toEqual([6, 2]);
        expect(await ids([{ kind: 'metric', key: 'rmse', op: '!=', value: 0.5 }])).toEqual([5, 3, 2]);
        expect(await ids([{ kind: 'metric', key: 'rmse', op: '>', value: 0 }, { kind: 'metric', key: 'rmse', op: '<', value: 0.9 }])).toEqual([2, 1]);
      });

      it('compares params and tags as strings: =, !=, case-sensitive LIKE, ILIKE', async () => {
        expect(await ids([{ kind: 'param', key: 'opt', op: '=', value: 'adam' }])).toEqual([2]);
        expect(await ids([{ kind: 'param', key: 'opt', op: '!=', value: 'sgd' }])).toEqual([5, 2, 1]);
        expect(await ids([{ kind: 'param', key: 'opt', op: 'LIKE', value: 'Ada%' }])).toEqual([5, 1]);
        expect(await ids([{ kind: 'param', key: 'opt', op: 'ILIKE', value: 'ada_' }])).toEqual([2, 1]);
        expect(await ids([{ kind: 'param', key: 'opt', op: 'LIKE', value: 'a%' }])).toEqual([2]);
        expect(await ids([{ kind: 'param', key: 'opt', op: 'LIKE', value: '%a%' }])).toEqual([5, 2, 1]);
        expect(await ids([{ kind: 'tag', key: 'medal', op: '=', value: 'gold' }])).toEqual([3, 1]);
        expect(await ids([{ kind: 'tag', key: 'medal', op: 'ILIKE', value: '%L%' }, { kind: 'param', key: 'opt', op: '=', value: 'adam' }])).toEqual([2]);
      });

      it('filters attributes and datasets, including IN and NOT IN', async () => {
        expect(await ids([{ kind: 'attribute', key: 'run_name', op: '=', value: 'r3' }])).toEqual([3]);
        expect(await ids([{ kind: 'attribute', key: 'status', op: '!=', value: 'RUNNING' }])).toEqual([5]);
        expect(await ids([{ kind: 'attribute', key: 'start_time', op: '>=', value: 1004 }])).toEqual([5, 4]);
        expect(await ids([{ kind: 'attribute', key: 'end_time', op: '>', value: 0 }])).toEqual([5, 3, 1]);
        expect(await ids([{ kind: 'attribute', key: 'run_id', op: 'IN', value: [R(1), R(4), 'nope'] }])).toEqual([4, 1]);
        expect(await ids([{ kind: 'attribute', key: 'run_id', op: 'NOT IN', value: [R(1), R(4)] }])).toEqual([5, 3, 2]);
        expect(await ids([{ kind: 'dataset', key: 'name', op: '=', value: 'train' }])).toEqual([1]);
        expect(await ids([{ kind: 'dataset', key: 'context', op: 'IN', value: ['eval', 'x'] }])).toEqual([2]);
        expect(await ids([{ kind: 'dataset', key: 'digest', op: 'LIKE', value: 'd%' }])).toEqual([2, 1]);
        const run = (await s.getRun(R(1))) as RunRecord;
        expect(run.inputs).toEqual([{ dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
      });

      it('orders by metric, param and attribute; NaN after numbers, missing values last either way', async () => {
        expect(await ids([], [{ kind: 'metric', key: 'rmse', ascending: true }])).toEqual([2, 1, 5, 3, 4]);
        expect(await ids([], [{ kind: 'metric', key: 'rmse', ascending: false }])).toEqual([5, 1, 2, 3, 4]);
        expect(await ids([], [{ kind: 'param', key: 'opt', ascending: true }])).toEqual([5, 1, 2, 3, 4]);
        expect(await ids([], [{ kind: 'tag', key: 'medal', ascending: false }, { kind: 'attribute', key: 'start_time', ascending: true }])).toEqual([2, 1, 3, 5, 4]);
        expect(await ids([], [{ kind: 'attribute', key: 'end_time', ascending: true }])).toEqual([1, 3, 5, 4, 2]);
        expect(await ids([], [{ kind: 'attribute', key: 'run_name', ascending: true }], 'ACTIVE_ONLY', 1, 2)).toEqual([2, 3]);
      });

      it('searches after a position (a keyset): a value, NaN or none for each term, then start time and id', async () => {
        const after = async (orderBy: RunOrderClause[], values: RunPosition['values'], i: number) =>
          (await s.searchRuns({ experimentIds: [exp], view: 'ACTIVE_ONLY', filter: [], orderBy, after: { values, startTime: 1000 + i, runId: R(i) }, offset: 0, limit: 100 })).map((r) => Number.parseInt(r.info.runId, 16) - 0xd00);
        const rmse = (ascending: boolean): RunOrderClause[] => [{ kind: 'metric', key: 'rmse', ascending }];
        expect(await after(rmse(true), [{ value: 0.5 }], 1)).toEqual([5, 3, 4]);
        expect(await after(rmse(true), [{ nan: true }], 3)).toEqual([4]);
        expect(await after(rmse(true), [{ absent: true }], 4)).toEqual([]);
        expect(await after(rmse(false), [{ value: 0.9 }], 5)).toEqual([1, 2, 3, 4]);
        expect(await after([{ kind: 'tag', key: 'medal', ascending: false }, { kind: 'attribute', key: 'start_time', ascending: true }], [{ value: 'gold' }, { value: 1001 }], 1)).toEqual([3, 5, 4]);
        expect(await after([], [], 3)).toEqual([2, 1]);
        const endTime: RunOrderClause[] = [{ kind: 'attribute', key: 'end_time', ascending: true }];
        expect(await after(endTime, [{ value: 2005 }], 5)).toEqual([4, 2]);
        expect(await after(endTime, [{ absent: true }], 4)).toEqual([2]);
      });

      it('orders text by code point (UTF-8 bytes), before and after a position: U+E000-U+FFFF sorts before what lies past U+FFFF', async () => {
        const e = await s.createExperiment({ name: unique('code-points'), artifactRoot: 'r:', tags: [], time: 1 });
        const run = (i: number) => hex(0xe10 + i);
        for (const [i, v] of [[1, 'z'], [2, '\u{1D41A}'], [3, '\uFF4B']] as const) {
          await s.createRun({ info: info(run(i), e, 1000 + i), tags: [] });
          await s.logBatch(run(i), { params: [{ key: 'p', value: v }] });
        }
        const values = async (ascending: boolean, after?: RunPosition) =>
          (await s.searchRuns({ experimentIds: [e], view: 'ACTIVE_ONLY', filter: [], orderBy: [{ kind: 'param', key: 'p', ascending }], ...(after ? { after } : {}), offset: 0, limit: 10 })).map((r) => r.params[0]?.value);
        expect(await values(true)).toEqual(['z', '\uFF4B', '\u{1D41A}']);
        expect(await values(true, { values: [{ value: '\uFF4B' }], startTime: 1003, runId: run(3) })).toEqual(['\u{1D41A}']);
        expect(await values(false, { values: [{ value: '\u{1D41A}' }], startTime: 1002, runId: run(2) })).toEqual(['\uFF4B', 'z']);
      });
    });
  });
}
