import {
  ResourceInUseError, ValidationError, asciiLower, compareKeys, experimentCaseTwinMessage, artifactLocationKey, checkStorableKeyValues, checkStorableText, likeToRegExp, runAttribute, storableText,
  type DatasetInputRecord, type ExperimentFilterClause, type ExperimentPosition, type ExperimentRecord, type ExperimentSearchQuery, type ExperimentStore, type KeyValue,
  type LifecycleStage, type MetricPoint, type NewExperiment, type NewRun, type RunBatch, type RunFilterClause, type RunInfoRecord, type RunRecord,
  type RunSearchQuery, type StringOp, type NumericOp, type ViewType,
} from '@loam/core';
import { MemorySageMakerEntities } from './memory-sagemaker-entities.js';

/*
 * An in-memory ExperimentStore that passes the same conformance suite as the SQL adapter: the
 * reference for the search semantics, written as plainly as possible.
 */

interface MemRun {
  info: RunInfoRecord;
  params: Map<string, string>;
  tags: Map<string, string>;
  latest: Map<string, MetricPoint>;
  history: MetricPoint[];
  /** pointId of each point in `history`. */
  points: Set<string>;
  inputs: DatasetInputRecord[];
}

interface MemExperiment {
  e: Omit<ExperimentRecord, 'tags'>;
  tags: Map<string, string>;
}

// Text in the stores' order: by code point (UTF-8 bytes; PostgreSQL's columns are collated "C"), not JS's UTF-16 `<`.
const cmp = compareKeys;
const sortedKv = (m: Map<string, string>): KeyValue[] => [...m].map(([key, value]) => ({ key, value })).sort((a, b) => cmp(a.key, b.key));
const clone = <T>(v: T): T => structuredClone(v);

function strOk(v: string | undefined, op: StringOp, want: string): boolean {
  if (v === undefined) return false;
  if (op === '=') return v === want;
  if (op === '!=') return v !== want;
  return likeToRegExp(want, op === 'ILIKE').test(v);
}

function numOk(v: number | undefined, op: NumericOp, want: number): boolean {
  if (v === undefined) return false;
  if (Number.isNaN(v)) return op === '!=';
  switch (op) {
    case '=': return v === want;
    case '!=': return v !== want;
    case '<': return v < want;
    case '<=': return v <= want;
    case '>': return v > want;
    case '>=': return v >= want;
  }
}

function inView(stage: LifecycleStage, view: ViewType): boolean {
  return view === 'ALL' || (view === 'ACTIVE_ONLY' ? stage === 'active' : stage === 'deleted');
}

/** A point's identity as MLflow's SQL store keys it: NaN is one value (and not 0); -0 is 0, as SQL compares them. */
const pointId = (m: MetricPoint): string => `${m.key}\u0000${m.step}\u0000${m.timestamp}\u0000${Number.isNaN(m.value) ? 'NaN' : String(m.value)}`;

/** History order: step, timestamp, then value with NaN as 0 just after a 0 (the SQL store orders by its stored value, then is_nan). */
function historyOrder(a: MetricPoint, b: MetricPoint): number {
  const v = (m: MetricPoint) => (Number.isNaN(m.value) ? 0 : m.value);
  return a.step - b.step || a.timestamp - b.timestamp || (v(a) < v(b) ? -1 : v(a) > v(b) ? 1 : 0) || Number(Number.isNaN(a.value)) - Number(Number.isNaN(b.value));
}

function later(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return (Number.isNaN(a.value) ? 0 : a.value) > (Number.isNaN(b.value) ? 0 : b.value);
}

export class MemoryExperimentStore implements ExperimentStore {
  readonly #experiments = new Map<string, MemExperiment>();
  readonly #runs = new Map<string, MemRun>();
  readonly #sm = new MemorySageMakerEntities((runId) => this.#runs.get(runId));

  #exp(x: MemExperiment): ExperimentRecord {
    return clone({ ...x.e, tags: sortedKv(x.tags) });
  }

  #run(r: MemRun): RunRecord {
    return clone({
      info: r.info,
      metrics: [...r.latest.values()].sort((a, b) => cmp(a.key, b.key)),
      params: sortedKv(r.params),
      tags: sortedKv(r.tags),
      inputs: [...r.inputs].sort((a, b) => cmp(a.dataset.name, b.dataset.name) || cmp(a.dataset.digest, b.dataset.digest)),
    });
  }

  async createExperiment(e: NewExperiment): Promise<string> {
    storableText.experiment(e);
    this.#nameFree(e.name);
    const id = String(Math.max(0, ...[...this.#experiments.keys()].map(Number)) + 1);
    this.#experiments.set(id, {
      e: { experimentId: id, name: e.name, artifactLocation: e.artifactLocation ?? `${e.artifactRoot}/${id}`, lifecycleStage: 'active', creationTime: e.time, lastUpdateTime: e.time },
      tags: new Map(e.tags.map((t) => [t.key, t.value])),
    });
    return id;
  }

  async ensureDefaultExperiment(artifactRoot: string, time: number): Promise<void> {
    if (this.#experiments.has('0')) return;
    this.#experiments.set('0', { e: { experimentId: '0', name: 'Default', artifactLocation: `${artifactRoot}/0`, lifecycleStage: 'active', creationTime: time, lastUpdateTime: time }, tags: new Map() });
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const x = /^\d{1,15}$/.test(id) ? this.#experiments.get(String(Number(id))) : undefined;
    return x && this.#exp(x);
  }

  async getExperimentByName(name: string): Promise<ExperimentRecord | undefined> {
    const x = [...this.#experiments.values()].find((e) => e.e.name === name);
    return x && this.#exp(x);
  }

  async getExperimentByNameInAnyCase(name: string): Promise<ExperimentRecord | undefined> {
    const x = [...this.#experiments.values()].find((e) => asciiLower(e.e.name) === asciiLower(name));
    return x && this.#exp(x);
  }

  async renameExperiment(id: string, name: string, time: number): Promise<void> {
    checkStorableText('Experiment name', name);
    const x = this.#experiments.get(id);
    if (!x) return;
    this.#nameFree(name, id);
    x.e = { ...x.e, name, lastUpdateTime: time };
  }

  /** ResourceInUse when an experiment other than `except` has the name in any ASCII letter case, as the SQL stores' index on lower(name). */
  #nameFree(name: string, except?: string): void {
    const held = [...this.#experiments.values()].find((o) => o.e.experimentId !== except && asciiLower(o.e.name) === asciiLower(name));
    if (held) throw new ResourceInUseError(held.e.name === name ? `Experiment(name=${name}) already exists.` : experimentCaseTwinMessage(name, held.e.name));
  }

  async setExperimentLifecycle(id: string, stage: LifecycleStage, time: number): Promise<void> {
    const x = this.#experiments.get(id);
    if (!x) return;
    x.e = { ...x.e, lifecycleStage: stage, lastUpdateTime: time };
    for (const r of this.#runs.values()) {
      if (r.info.experimentId !== id) continue;
      if (stage === 'deleted' && r.info.lifecycleStage === 'active') r.info = { ...r.info, lifecycleStage: 'deleted', deletedTime: time };
      if (stage === 'active' && r.info.lifecycleStage === 'deleted') {
        const { deletedTime: _, ...rest } = r.info;
        r.info = { ...rest, lifecycleStage: 'active' };
      }
    }
  }

  async setExperimentTags(id: string, tags: readonly KeyValue[], time: number): Promise<void> {
    checkStorableKeyValues('Experiment tag', tags);
    const x = this.#experiments.get(id);
    if (!x) return;
    for (const t of tags) x.tags.set(t.key, t.value);
    x.e = { ...x.e, lastUpdateTime: time };
  }

  async searchExperiments(q: ExperimentSearchQuery): Promise<ExperimentRecord[]> {
    const ok = (x: MemExperiment, c: ExperimentFilterClause): boolean =>
      c.kind === 'tag' ? strOk(x.tags.get(c.key), c.op, c.value) : c.key === 'name' ? strOk(x.e.name, c.op, c.value) : numOk(x.e[c.key === 'creation_time' ? 'creationTime' : 'lastUpdateTime'], c.op, c.value);
    const field = { name: 'name', experiment_id: 'experimentId', creation_time: 'creationTime', last_update_time: 'lastUpdateTime' } as const;
    const list = [...this.#experiments.values()].filter((x) => inView(x.e.lifecycleStage, q.view) && q.filter.every((c) => ok(x, c)));
    // An experiment's place in the order: its value of each key, then its id (as the store's position holds them).
    const place = (x: MemExperiment): ExperimentPosition => ({ values: q.orderBy.map((o) => (o.key === 'experiment_id' ? Number(x.e.experimentId) : x.e[field[o.key]])), experimentId: x.e.experimentId });
    const compare = (a: ExperimentPosition, b: ExperimentPosition): number => {
      for (const [i, o] of q.orderBy.entries()) {
        const [av, bv] = [a.values[i] as string | number, b.values[i] as string | number];
        const c = typeof av === 'number' ? av - (bv as number) : cmp(av, bv as string);
        if (c !== 0) return o.ascending ? c : -c;
      }
      return Number(a.experimentId) - Number(b.experimentId);
    };
    const after = q.after;
    const sorted = list.map((x) => ({ x, at: place(x) })).filter((r) => after === undefined || compare(r.at, after) > 0).sort((a, b) => compare(a.at, b.at));
    return sorted.slice(q.offset, q.offset + q.limit).map((r) => this.#exp(r.x));
  }

  async experimentsByArtifactLocation(keys: readonly string[]): Promise<ExperimentRecord[]> {
    const wanted = new Set(keys);
    return [...this.#experiments.values()]
      .filter((x) => wanted.has(artifactLocationKey(x.e.artifactLocation) as string))
      .sort((a, b) => Number(a.e.experimentId) - Number(b.e.experimentId))
      .map((x) => this.#exp(x));
  }

  async experimentsByArtifactLocationPrefix(prefix: string): Promise<ExperimentRecord[]> {
    return [...this.#experiments.values()]
      .filter((x) => artifactLocationKey(x.e.artifactLocation)?.startsWith(prefix) === true)
      .sort((a, b) => Number(a.e.experimentId) - Number(b.e.experimentId))
      .map((x) => this.#exp(x));
  }

  async createRun(run: NewRun): Promise<void> {
    storableText.run(run);
    if (this.#runs.has(run.info.runId)) throw new ResourceInUseError(`Run '${run.info.runId}' already exists.`);
    this.#runs.set(run.info.runId, { info: clone(run.info), params: new Map(), tags: new Map(run.tags.map((t) => [t.key, t.value])), latest: new Map(), history: [], points: new Set(), inputs: [] });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const r = this.#runs.get(runId);
    return r && this.#run(r);
  }

  async getRunInfo(runId: string): Promise<RunInfoRecord | undefined> {
    const r = this.#runs.get(runId);
    return r && clone(r.info);
  }

  async getRunInfos(runIds: readonly string[]): Promise<RunInfoRecord[]> {
    return [...new Set(runIds)].flatMap((id) => {
      const r = this.#runs.get(id);
      return r ? [clone(r.info)] : [];
    });
  }

  async updateRunInfo(runId: string, patch: Parameters<ExperimentStore['updateRunInfo']>[1]): Promise<void> {
    checkStorableText('Run name', patch.runName);
    const r = this.#runs.get(runId);
    if (!r) return;
    const { clearDeletedTime, ...fields } = patch;
    const next: RunInfoRecord = { ...r.info, ...fields };
    if (clearDeletedTime) delete (next as { deletedTime?: number }).deletedTime;
    r.info = next;
    if (patch.runName !== undefined) r.tags.set('mlflow.runName', patch.runName);
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    storableText.batch(batch);
    const r = this.#runs.get(runId);
    if (!r) return;
    for (const p of batch.params ?? []) {
      const old = r.params.get(p.key);
      if (old !== undefined && old !== p.value) {
        throw new ValidationError(`Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`);
      }
    }
    for (const p of batch.params ?? []) r.params.set(p.key, p.value);
    for (const m of batch.metrics ?? []) {
      if (r.points.has(pointId(m))) continue;
      r.points.add(pointId(m));
      r.history.push({ ...m });
      const cur = r.latest.get(m.key);
      if (!cur || later(m, cur)) r.latest.set(m.key, { ...m });
    }
    for (const t of batch.tags ?? []) {
      r.tags.set(t.key, t.value);
      if (t.key === 'mlflow.runName') r.info = { ...r.info, runName: t.value };
    }
  }

  async deleteRunTag(runId: string, key: string): Promise<boolean> {
    return this.#runs.get(runId)?.tags.delete(key) ?? false;
  }

  async logInputs(runId: string, inputs: readonly DatasetInputRecord[]): Promise<void> {
    storableText.inputs(inputs);
    const r = this.#runs.get(runId);
    if (!r) return;
    for (const i of inputs) {
      if (r.inputs.some((x) => x.dataset.name === i.dataset.name && x.dataset.digest === i.dataset.digest)) continue;
      const tags = sortedKv(new Map(i.tags.map((t) => [t.key, t.value])));
      r.inputs.push(clone({ dataset: i.dataset, tags }));
    }
  }

  async metricHistory(runId: string, key: string, page: { offset: number; limit: number }): Promise<MetricPoint[]> {
    const r = this.#runs.get(runId);
    if (!r) return [];
    const pts = r.history.filter((m) => m.key === key).sort(historyOrder);
    return clone(pts.slice(page.offset, page.offset + page.limit));
  }

  #matches(r: MemRun, c: RunFilterClause): boolean {
    switch (c.kind) {
      case 'metric': return numOk(r.latest.get(c.key)?.value, c.op, c.value);
      case 'param': return strOk(r.params.get(c.key), c.op, c.value);
      case 'tag': return strOk(r.tags.get(c.key), c.op, c.value);
      case 'attribute': {
        const v = runAttribute(r.info, c.key);
        if (c.op === 'IN') return typeof v === 'string' && c.value.includes(v);
        if (c.op === 'NOT IN') return typeof v === 'string' && !c.value.includes(v);
        return typeof c.value === 'number' ? numOk(v as number | undefined, c.op as NumericOp, c.value) : strOk(v as string | undefined, c.op as StringOp, c.value as string);
      }
      case 'dataset':
        return r.inputs.some((i) => {
          const v = c.key === 'context' ? i.tags.find((t) => t.key === 'mlflow.data.context')?.value : i.dataset[c.key];
          if (c.op === 'IN') return v !== undefined && c.value.includes(v);
          if (c.op === 'NOT IN') return v !== undefined && !c.value.includes(v);
          return strOk(v, c.op, c.value as string);
        });
    }
  }

  async searchRuns(q: RunSearchQuery): Promise<RunRecord[]> {
    const ids = new Set(q.experimentIds);
    const list = [...this.#runs.values()].filter((r) => ids.has(r.info.experimentId) && inView(r.info.lifecycleStage, q.view) && q.filter.every((c) => this.#matches(r, c)));
    // Rank: 0 a value, 1 NaN (metrics), 2 absent; absent values sort last either way.
    const value = (r: MemRun, kind: string, key: string): [number, string | number] => {
      const v = kind === 'metric' ? r.latest.get(key)?.value : kind === 'param' ? r.params.get(key) : kind === 'tag' ? r.tags.get(key) : runAttribute(r.info, key);
      if (v === undefined) return [2, 0];
      if (typeof v === 'number' && Number.isNaN(v)) return [1, 0];
      return [0, v];
    };
    // A run's place in the order, as a RunPosition holds it.
    const place = (r: MemRun): { values: [number, string | number][]; startTime: number; runId: string } => ({ values: q.orderBy.map((o) => value(r, o.kind, o.key)), startTime: r.info.startTime, runId: r.info.runId });
    type Place = ReturnType<typeof place>;
    const compare = (a: Place, b: Place): number => {
      for (const [i, o] of q.orderBy.entries()) {
        const [ra, va] = a.values[i] as [number, string | number];
        const [rb, vb] = b.values[i] as [number, string | number];
        if (ra !== rb) return ra - rb;
        if (ra !== 0) continue;
        const c = typeof va === 'number' ? (va < (vb as number) ? -1 : va > (vb as number) ? 1 : 0) : cmp(va, vb as string);
        if (c !== 0) return o.ascending ? c : -c;
      }
      return b.startTime - a.startTime || cmp(a.runId, b.runId);
    };
    const after: Place | undefined = q.after && {
      values: q.after.values.map((v): [number, string | number] => ('value' in v ? [0, v.value] : 'nan' in v ? [1, 0] : [2, 0])), startTime: q.after.startTime, runId: q.after.runId,
    };
    const placed = list.map((r) => ({ r, at: place(r) })).filter((x) => after === undefined || compare(x.at, after) > 0).sort((a, b) => compare(a.at, b.at));
    return placed.slice(q.offset, q.offset + q.limit).map((x) => this.#run(x.r));
  }

  // SageMaker's trial components, trials and associations (memory-sagemaker-entities.ts).
  metricSummaries: ExperimentStore['metricSummaries'] = (runId) => this.#sm.metricSummaries(runId);
  createTrialComponent: ExperimentStore['createTrialComponent'] = (c) => this.#sm.createTrialComponent(c);
  getTrialComponent: ExperimentStore['getTrialComponent'] = (name) => this.#sm.getTrialComponent(name);
  trialComponentOfRun: ExperimentStore['trialComponentOfRun'] = (runId) => this.#sm.trialComponentOfRun(runId);
  updateTrialComponent: ExperimentStore['updateTrialComponent'] = (name, patch) => this.#sm.updateTrialComponent(name, patch);
  deleteTrialComponent: ExperimentStore['deleteTrialComponent'] = (name, options) => this.#sm.deleteTrialComponent(name, options);
  listTrialComponents: ExperimentStore['listTrialComponents'] = (q) => this.#sm.listTrialComponents(q);
  createTrial: ExperimentStore['createTrial'] = (t) => this.#sm.createTrial(t);
  getTrial: ExperimentStore['getTrial'] = (name) => this.#sm.getTrial(name);
  updateTrial: ExperimentStore['updateTrial'] = (name, patch) => this.#sm.updateTrial(name, patch);
  deleteTrial: ExperimentStore['deleteTrial'] = (name, options) => this.#sm.deleteTrial(name, options);
  listTrials: ExperimentStore['listTrials'] = (q) => this.#sm.listTrials(q);
  associateTrialComponent: ExperimentStore['associateTrialComponent'] = (t, c, time) => this.#sm.associateTrialComponent(t, c, time);
  disassociateTrialComponent: ExperimentStore['disassociateTrialComponent'] = (t, c) => this.#sm.disassociateTrialComponent(t, c);

  async close(): Promise<void> {}
}

