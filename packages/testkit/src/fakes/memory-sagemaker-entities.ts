import {
  ResourceInUseError, asciiLower, checkStorableText, storableText,
  type ComponentRunKeys, type ExperimentEntityQuery, type ExperimentStore, type MetricPoint, type MetricSummaryRecord, type TrialComponentPatch, type TrialComponentRecord, type TrialRecord,
} from '@loam/core';

/* SageMaker's trial components, trials and associations for the in-memory ExperimentStore, written plainly. */

/** What the entities read and change of a run. */
export interface MemRunData {
  readonly info: { readonly lifecycleStage: string };
  params: Map<string, string>;
  latest: Map<string, MetricPoint>;
  history: MetricPoint[];
}

type Entities = Pick<ExperimentStore, 'createTrialComponent' | 'getTrialComponent' | 'trialComponentOfRun' | 'updateTrialComponent' | 'deleteTrialComponent'
  | 'listTrialComponents' | 'createTrial' | 'getTrial' | 'updateTrial' | 'deleteTrial' | 'listTrials' | 'associateTrialComponent' | 'disassociateTrialComponent' | 'metricSummaries'>;

const clone = <T>(v: T): T => structuredClone(v);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);


function page<T extends { name: string; creationTime: number; lastModifiedTime: number }>(rows: T[], q: ExperimentEntityQuery): T[] {
  const out = rows.filter((r) => (q.createdAfter === undefined || r.creationTime > q.createdAfter) && (q.createdBefore === undefined || r.creationTime < q.createdBefore));
  const sign = q.ascending ? 1 : -1;
  const timeOf = (r: { creationTime: number; lastModifiedTime: number }) => (q.sortBy === 'name' ? 0 : q.sortBy === 'creationTime' ? r.creationTime : r.lastModifiedTime);
  const order = (a: Pick<T, 'name' | 'creationTime' | 'lastModifiedTime'>, b: Pick<T, 'name' | 'creationTime' | 'lastModifiedTime'>) => sign * (timeOf(a) - timeOf(b) || cmp(a.name, b.name));
  out.sort(order);
  const a = q.after;
  if (a && q.sortBy !== 'name' && a.time === undefined) throw new TypeError(`A position in an order by ${q.sortBy} needs its time.`);
  const from = a ? out.filter((r) => order(r, { name: a.name, creationTime: a.time ?? 0, lastModifiedTime: a.time ?? 0 }) > 0) : out;
  return from.slice(q.offset, q.offset + q.limit).map(clone);
}

export class MemorySageMakerEntities implements Entities {
  readonly #components = new Map<string, TrialComponentRecord>();
  readonly #trials = new Map<string, TrialRecord>();
  /** trial name → component names */
  readonly #links = new Map<string, Set<string>>();

  constructor(private readonly run: (runId: string) => MemRunData | undefined) {}

  async metricSummaries(runId: string): Promise<MetricSummaryRecord[]> {
    const r = this.run(runId);
    if (!r) return [];
    const byKey = new Map<string, MetricPoint[]>();
    for (const p of r.history) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
    return [...byKey].sort(([a], [b]) => cmp(a, b)).map(([key, points]) => {
      const vals = points.map((p) => p.value).filter((v) => !Number.isNaN(v));
      const n = vals.length;
      const last = r.latest.get(key) as MetricPoint;
      const base = { key, count: points.length, last: last.value, lastTimestamp: last.timestamp };
      if (!n) return base;
      const min = Math.min(...vals);
      const max = Math.max(...vals);
      if (!Number.isFinite(min) || !Number.isFinite(max)) return { ...base, min, max };
      if (min === max) return { ...base, min, max, avg: min, stdDev: 0 };
      // Two passes over w = (v - min) / (max - min), halved first: nothing overflows, and values far from zero keep their spread.
      const h = max * 0.5 - min * 0.5;
      const ws = vals.map((v) => (v * 0.5 - min * 0.5) / h);
      const mean = ws.reduce((s, w) => s + w, 0) / n;
      const sq = ws.reduce((s, w) => s + (w - mean) ** 2, 0);
      return { ...base, min, max, avg: min + 2 * h * mean, stdDev: n > 1 ? 2 * h * Math.sqrt(sq / (n - 1)) : 0 };
    });
  }

  async createTrialComponent(c: TrialComponentRecord): Promise<void> {
    storableText.trialComponent(c);
    if (this.#componentNamed(c.name) || [...this.#components.values()].some((x) => x.runId === c.runId)) {
      throw new ResourceInUseError(`Trial component '${c.name}' already exists, or run ${c.runId} is already a trial component.`);
    }
    this.#components.set(c.name, clone({ ...c, numberParams: [...new Set(c.numberParams)].sort() }));
  }

  /** SageMaker's names are case-insensitive: unique in ASCII letter case, as the SQL stores' lower(name). */
  #componentNamed(name: string): TrialComponentRecord | undefined {
    return [...this.#components.values()].find((c) => asciiLower(c.name) === asciiLower(name));
  }

  async getTrialComponent(name: string): Promise<TrialComponentRecord | undefined> {
    return clone(this.#componentNamed(name));
  }

  async trialComponentOfRun(runId: string): Promise<TrialComponentRecord | undefined> {
    return clone([...this.#components.values()].find((c) => c.runId === runId));
  }

  async updateTrialComponent(name: string, patch: TrialComponentPatch | ((current: TrialComponentRecord) => TrialComponentPatch)): Promise<boolean> {
        if (typeof patch !== 'function') storableText.trialComponentPatch(patch);
    const c = this.#components.get(name);
    if (!c) return false;
    // No await from the read to the write: one step, as the SQL store's locked transaction.
    const p = typeof patch === 'function' ? patch(clone(c) as TrialComponentRecord) : patch;
    if (typeof patch === 'function') storableText.trialComponentPatch(p);
    const next: Record<string, unknown> = { ...c, lastModifiedTime: p.lastModifiedTime };
    if (p.displayName !== undefined) next['displayName'] = p.displayName;
    if (p.statusMessage === null) delete next['statusMessage'];
    else if (p.statusMessage !== undefined) next['statusMessage'] = p.statusMessage;
    if (p.numberParams !== undefined) next['numberParams'] = [...new Set(p.numberParams)].sort();
    if (p.inputArtifacts !== undefined) next['inputArtifacts'] = clone(p.inputArtifacts);
    if (p.outputArtifacts !== undefined) next['outputArtifacts'] = clone(p.outputArtifacts);
    this.#components.set(name, next as unknown as TrialComponentRecord);
    const r = this.run(c.runId);
    for (const k of p.removeParams ?? []) r?.params.delete(k);
    for (const kv of p.setParams ?? []) r?.params.set(kv.key, kv.value);
    return true;
  }

  async deleteTrialComponent(name: string, options?: { readonly unlessInTrial?: boolean }): Promise<'deleted' | 'in-trial' | 'absent'> {
    if (!this.#components.has(name)) return 'absent';
    if (options?.unlessInTrial && [...this.#links.values()].some((set) => set.has(name))) return 'in-trial';
    this.#components.delete(name);
    for (const set of this.#links.values()) set.delete(name);
    return 'deleted';
  }

  async listTrialComponents(q: Parameters<ExperimentStore['listTrialComponents']>[0]): Promise<TrialComponentRecord[]> {
    const inExperiment = (name: string) => [...this.#links].some(([t, set]) => set.has(name) && this.#trials.get(t)?.experimentId === q.experimentId);
    const rows = [...this.#components.values()].filter((c) => (q.trialName === undefined || (this.#links.get(q.trialName)?.has(c.name) ?? false))
      && (q.experimentId === undefined || inExperiment(c.name)) && (q.sourceArn === undefined || c.sourceArn === q.sourceArn) && this.#runHas(c, q.runHas));
    return page(rows, q);
  }

  #runHas(c: TrialComponentRecord, keys: ComponentRunKeys | undefined): boolean {
    const run = this.run(c.runId);
    const ofJob = c.sourceType !== undefined && (keys?.paramsAlsoOfSourceTypes ?? []).includes(c.sourceType);
    return (keys?.params ?? []).every((k) => ofJob || (run?.params.has(k) ?? false)) && (keys?.metrics ?? []).every((k) => run?.latest.has(k) ?? false);
  }

  async createTrial(t: TrialRecord): Promise<void> {
    storableText.trial(t);
    if ([...this.#trials.keys()].some((n) => asciiLower(n) === asciiLower(t.name))) throw new ResourceInUseError(`Trial '${t.name}' already exists.`);
    this.#trials.set(t.name, clone(t));
  }

  async getTrial(name: string): Promise<TrialRecord | undefined> {
    return clone([...this.#trials.values()].find((t) => asciiLower(t.name) === asciiLower(name)));
  }

  async updateTrial(name: string, p: { readonly displayName?: string; readonly lastModifiedTime: number }): Promise<void> {
    checkStorableText('Trial display name', p.displayName);
    const t = this.#trials.get(name);
    if (t) this.#trials.set(name, { ...t, lastModifiedTime: p.lastModifiedTime, ...(p.displayName !== undefined ? { displayName: p.displayName } : {}) });
  }

  async deleteTrial(name: string, options?: { readonly unlessHoldingComponent?: boolean }): Promise<'deleted' | 'holds-component' | 'absent'> {
    if (!this.#trials.has(name)) return 'absent';
    const held = [...(this.#links.get(name) ?? [])].some((c) => this.run(this.#components.get(c)?.runId ?? '')?.info.lifecycleStage === 'active');
    if (options?.unlessHoldingComponent && held) return 'holds-component';
    this.#trials.delete(name);
    this.#links.delete(name);
    return 'deleted';
  }

  async listTrials(q: Parameters<ExperimentStore['listTrials']>[0]): Promise<TrialRecord[]> {
    const rows = [...this.#trials.values()].filter((t) => (q.experimentId === undefined || t.experimentId === q.experimentId)
      && (q.componentName === undefined || (this.#links.get(t.name)?.has(q.componentName) ?? false)));
    return page(rows, q);
  }

  async associateTrialComponent(trialName: string, componentName: string, _time: number): Promise<boolean> {
    storableText.association(trialName, componentName);
    if (!this.#components.has(componentName) || !this.#trials.has(trialName)) return false;
    let set = this.#links.get(trialName);
    if (!set) this.#links.set(trialName, (set = new Set()));
    set.add(componentName);
    return true;
  }

  async disassociateTrialComponent(trialName: string, componentName: string): Promise<boolean> {
    return this.#links.get(trialName)?.delete(componentName) ?? false;
  }
}
