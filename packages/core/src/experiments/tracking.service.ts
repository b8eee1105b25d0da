import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import type { Principal } from '../kernel/context.js';
import { echo } from '../kernel/echo.js';
import { LoamError, ResourceInUseError } from '../kernel/errors.js';
import type {
  DatasetInputRecord, ExperimentRecord, ExperimentStore, KeyValue, MetricPoint, RunInfoRecord, RunRecord, RunStatus, ViewType,
} from '../ports/experiment-store.js';
import { parseExperimentFilter, parseExperimentOrderBy, parseRunFilter, parseRunOrderBy } from './search-filter.js';
import { missing, noExperiment, noExperimentNamed, noRun, notActive } from './tracking-errors.js';
import { checkBatch, checkDatasetInputs, checkExperimentTag, checkMetric, checkParam, checkTag } from './tracking-input.js';
import {
  HISTORY_MAX_RESULTS, MAX_TAG_VAL_LENGTH, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD, checkExperimentName, checkMaxResults, decodePageToken, encodePageToken, invalid,
} from './tracking-rules.js';
import { randomRunName } from './run-names.js';
import type { ArtifactFile, TrackingArtifacts } from './tracking-artifacts.js';
import { runsHolding } from './artifact-proxy-access.js';
import { decodeExperimentPageToken, encodeExperimentPageToken, experimentPosition } from './experiment-page-token.js';
import { decodeRunPageToken, encodeRunPageToken, runPosition } from './run-page-token.js';
import { fillVisiblePage } from './sagemaker/visible-page.js';
import type { TokenRefusal } from './keyset-page-token.js';

export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export interface TrackingServiceOptions {
  readonly store: ExperimentStore;
  readonly clock: Clock;
  /** Where experiments without an artifact location keep artifacts; `<root>/<experiment id>`. Default `mlflow-artifacts:`. */
  readonly artifactRoot?: string;
  /** Run artifacts in the artifact store. */
  readonly artifacts: TrackingArtifacts;
}

/**
 * Told of experiment names as they are given, for what is keyed by a name outside the experiment store
 * (SageMaker's tags, under the ARN that holds the name: ADR 0009). Nothing spans the two stores, so a
 * follower must leave things right whichever step a crash stops after.
 */
export interface ExperimentNameFollower {
  /** The experiment was created with this name. */
  created(name: string): Promise<void>;
  /** `e` is about to be renamed to `to` (the rename may still be refused). */
  renaming(e: ExperimentRecord, to: string): Promise<void>;
  /** The experiment that was named `from` is named `to`. */
  renamed(from: string, to: string): Promise<void>;
}

export interface SearchPage {
  readonly maxResults?: number;
  readonly pageToken?: string;
  /** How a token the search did not issue is refused (a SageMaker-shaped operation names NextToken); MLflow's page_token by default. */
  readonly refuseToken?: (why: TokenRefusal) => never;
}

/**
 * Which of a batch of rows the caller may see (in their order). A search given one fills its page past the rest
 * (fillVisiblePage: read on until `maxResults` visible rows or the end, within its read cap), and its token follows
 * the page's last visible row only, so a short or empty page with a token tells nothing hidden is there.
 */
export type VisibleRows<R> = (rows: readonly R[]) => Promise<readonly R[]>;

const shownOf = <R>(visible: VisibleRows<R>) => async (rows: R[]): Promise<(R | undefined)[]> => {
  const seen = new Set(await visible(rows));
  return rows.map((r) => (seen.has(r) ? r : undefined));
};

/** A run's name is its `mlflow.runName` tag, so it is held to a tag value's limit (set-tag refuses a longer one). */
function checkRunName(name: string): string {
  if (name.length > MAX_TAG_VAL_LENGTH) throw invalid(`Invalid value for parameter 'run_name': its length ${name.length} exceeds the limit of ${MAX_TAG_VAL_LENGTH} (a run's name is its 'mlflow.runName' tag).`, '/run_name');
  return name;
}

/** A search's view type; `field` is its name in the request (SearchExperiments' view_type, SearchRuns' run_view_type). */
function view(v: string | undefined, field: 'view_type' | 'run_view_type'): ViewType {
  if (v === undefined || v === '') return 'ACTIVE_ONLY';
  if (!(VIEW_TYPES as readonly string[]).includes(v)) throw invalid(`Invalid ${field} '${echo(v)}'; expected one of ${VIEW_TYPES.join(', ')}.`, `/${field}`);
  return v as ViewType;
}

/**
 * Experiment tracking with MLflow's semantics: what the MLflow transport, the native operations and
 * the training-job logger all call. Throws LoamErrors: ResourceNotFound for unknown ids,
 * ValidationException for bad input or inactive resources, ResourceInUse for duplicate names.
 */
export class TrackingService {
  readonly store: ExperimentStore;
  /** The clock every record of experiments is stamped by (runs, trials and trial components alike). */
  readonly clock: Clock;
  readonly artifactRoot: string;
  readonly artifacts: TrackingArtifacts;
  #ready: Promise<void> | undefined;
  readonly #followers: ExperimentNameFollower[] = [];

  constructor(o: TrackingServiceOptions) {
    this.store = o.store;
    this.clock = o.clock;
    this.artifactRoot = o.artifactRoot ?? 'mlflow-artifacts:';
    this.artifacts = o.artifacts;
  }

  /** Tells `f` of every experiment created or renamed from now on, through any door (MLflow, native, SageMaker's API). */
  followNames(f: ExperimentNameFollower): void {
    this.#followers.push(f);
  }

  /**
   * Makes the Default experiment (id 0) unless it exists: a write. The server calls it at its start; every
   * write that may need Default (a run created in experiment 0, …) calls it too, for a start that could not
   * (a full disk). Reads never call it: a read must answer on a disk that refuses writes. A failure is not
   * kept, so the next call tries again once the store takes writes.
   */
  init(): Promise<void> {
    return (this.#ready ??= this.store.ensureDefaultExperiment(this.artifactRoot, this.clock.now()).catch((e: unknown) => {
      this.#ready = undefined;
      throw e;
    }));
  }

  async createExperiment(input: { name?: string; artifactLocation?: string; tags?: readonly KeyValue[] }): Promise<string> {
    await this.init();
    const name = checkExperimentName(input.name);
    const tags = (input.tags ?? []).map((t) => checkExperimentTag(t.key, t.value));
    if (input.artifactLocation?.startsWith('runs:')) throw invalid(`Artifact location cannot be a runs:/ URI. Given: '${input.artifactLocation}'`, '/artifact_location');
    if (input.artifactLocation) await this.#checkLocation(input.artifactLocation);
    const id = await this.store.createExperiment({
      name, artifactRoot: this.artifactRoot, tags, time: this.clock.now(), ...(input.artifactLocation ? { artifactLocation: input.artifactLocation } : {}),
    });
    for (const f of this.#followers) await f.created(name);
    return id;
  }

  /**
   * A location Loam serves, and not inside a run's folder: the experiment's runs (and a training job's
   * model) would be written into that run's artifacts, which the run's own permissions guard.
   */
  async #checkLocation(location: string): Promise<void> {
    this.artifacts.checkLocation(location);
    const [run] = await runsHolding(this.store, this.artifacts, this.artifacts.refFor(location));
    if (run) throw invalid(`Artifact location '${location}' lies inside the folder of run ${run.runId} (experiment ${run.experimentId}); an experiment's location cannot be inside a run's artifacts.`, '/artifact_location');
  }

  async getExperiment(id: string | undefined): Promise<ExperimentRecord> {
    if (id === undefined || id === '') throw missing('experiment_id');
    const e = await this.store.getExperiment(id);
    if (!e) throw noExperiment(id);
    return e;
  }

  async getExperimentByName(name: string | undefined): Promise<ExperimentRecord> {
    if (name === undefined || name === '') throw missing('experiment_name');
    // Names are stored in NFC (older ones as they were sent).
    const e = (await this.store.getExperimentByName(name.normalize('NFC'))) ?? (await this.store.getExperimentByName(name));
    if (!e) throw noExperimentNamed(name);
    return e;
  }

  /**
   * MLflow's search_experiments, paged by a keyset (experiment-page-token.ts).
   */
  async searchExperiments(q: SearchPage & { viewType?: string; filter?: string; orderBy?: readonly string[]; visible?: VisibleRows<ExperimentRecord> }): Promise<{ experiments: ExperimentRecord[]; nextPageToken?: string }> {
    const limit = checkMaxResults(q.maxResults, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
    const filter = parseExperimentFilter(q.filter ?? '');
    const orderBy = (q.orderBy?.length ? q.orderBy : ['creation_time DESC']).map(parseExperimentOrderBy);
    const start = decodeExperimentPageToken(q.pageToken, orderBy, q.refuseToken);
    const v = view(q.viewType, 'view_type');
    if (q.visible) {
      const filled = await fillVisiblePage(start, limit, (from, n) => this.store.searchExperiments({ view: v, filter, orderBy, ...from, limit: n }), shownOf(q.visible), (e) => experimentPosition(orderBy, e));
      return { experiments: filled.items, ...(filled.next ? { nextPageToken: encodeExperimentPageToken(orderBy, filled.next) } : {}) };
    }
    const rows = await this.store.searchExperiments({ view: v, filter, orderBy, ...start, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { experiments: page, ...(rows.length > limit && last ? { nextPageToken: encodeExperimentPageToken(orderBy, last) } : {}) };
  }

  async updateExperiment(id: string | undefined, newName: string | undefined): Promise<void> {
    await this.init();
    const e = await this.getExperiment(id);
    if (e.lifecycleStage !== 'active') throw notActive('experiment', e.experimentId, e.lifecycleStage);
    const name = checkExperimentName(newName);
    if (name === e.name) return;
    for (const f of this.#followers) await f.renaming(e, name);
    await this.store.renameExperiment(e.experimentId, name, this.clock.now());
    for (const f of this.#followers) await f.renamed(e.name, name);
  }

  async deleteExperiment(id: string | undefined): Promise<void> {
    await this.init();
    const e = await this.getExperiment(id);
    if (e.experimentId === '0') throw invalid("Cannot delete the default experiment '0'. This is an internally reserved experiment.", '/experiment_id');
    if (e.lifecycleStage !== 'active') throw notActive('experiment', e.experimentId, e.lifecycleStage);
    await this.store.setExperimentLifecycle(e.experimentId, 'deleted', this.clock.now());
  }

  async restoreExperiment(id: string | undefined): Promise<void> {
    await this.init();
    const e = await this.getExperiment(id);
    if (e.lifecycleStage !== 'deleted') throw invalid(`Cannot restore an active experiment. Experiment ${e.experimentId} is active.`, '/experiment_id');
    // A restored experiment takes its name back; another experiment may have taken it meanwhile.
    const other = await this.store.getExperimentByName(e.name);
    if (other && other.experimentId !== e.experimentId) throw new ResourceInUseError(`Experiment(name=${e.name}) already exists.`);
    await this.store.setExperimentLifecycle(e.experimentId, 'active', this.clock.now());
  }

  async setExperimentTag(id: string | undefined, key: string | undefined, value: string | undefined): Promise<void> {
    await this.init();
    const tag = checkExperimentTag(key, value);
    const e = await this.getExperiment(id);
    if (e.lifecycleStage !== 'active') throw notActive('experiment', e.experimentId, e.lifecycleStage);
    await this.store.setExperimentTags(e.experimentId, [tag], this.clock.now());
  }

  async createRun(
    input: { experimentId?: string; runName?: string; startTime?: number; tags?: readonly KeyValue[]; userId?: string },
    principal: Principal,
  ): Promise<RunRecord> {
    await this.init();
    const e = await this.getExperiment(input.experimentId === undefined || input.experimentId === '' ? '0' : input.experimentId);
    if (e.lifecycleStage !== 'active') throw notActive('experiment', e.experimentId, e.lifecycleStage);
    const tags = (input.tags ?? []).map((t) => checkTag(t.key, t.value));
    const tagName = tags.find((t) => t.key === 'mlflow.runName')?.value;
    if (input.runName && tagName && input.runName !== tagName) {
      throw invalid(`Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`, '/run_name');
    }
    const runName = checkRunName(input.runName || tagName || randomRunName());
    const runId = randomBytes(16).toString('hex');
    const info: RunInfoRecord = {
      runId, experimentId: e.experimentId, runName, userId: input.userId || principal.userName, status: 'RUNNING',
      startTime: input.startTime ?? this.clock.now(), lifecycleStage: 'active', artifactUri: `${e.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
    };
    await this.store.createRun({ info, tags: [...tags.filter((t) => t.key !== 'mlflow.runName'), { key: 'mlflow.runName', value: runName }] });
    return (await this.store.getRun(runId)) as RunRecord;
  }

  async getRun(runId: string | undefined): Promise<RunRecord> {
    if (runId === undefined || runId === '') throw missing('run_id');
    const r = await this.store.getRun(runId);
    if (!r) throw noRun(runId);
    return r;
  }

  /** A run's info (its experiment, lifecycle, artifact root) without its metrics, params and tags. */
  runInfo(runId: string | undefined): Promise<RunInfoRecord> {
    return this.#info(runId);
  }

  async #info(runId: string | undefined): Promise<RunInfoRecord> {
    if (runId === undefined || runId === '') throw missing('run_id');
    const r = await this.store.getRunInfo(runId);
    if (!r) throw noRun(runId);
    return r;
  }

  async #activeRun(runId: string | undefined): Promise<RunInfoRecord> {
    const r = await this.#info(runId);
    if (r.lifecycleStage !== 'active') throw notActive('run', r.runId, r.lifecycleStage);
    return r;
  }

  async updateRun(runId: string | undefined, patch: { status?: string; endTime?: number; runName?: string }): Promise<RunInfoRecord> {
    const r = await this.#activeRun(runId);
    if (patch.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(patch.status)) {
      throw invalid(`Invalid run status '${patch.status}'; expected one of ${RUN_STATUSES.join(', ')}.`, '/status');
    }
    if (patch.endTime !== undefined && (!Number.isSafeInteger(patch.endTime) || patch.endTime < 0)) throw invalid(`Invalid end_time ${patch.endTime}; expected epoch milliseconds.`, '/end_time');
    if (patch.runName) checkRunName(patch.runName);
    await this.store.updateRunInfo(r.runId, {
      ...(patch.status ? { status: patch.status as RunStatus } : {}),
      ...(patch.endTime !== undefined ? { endTime: patch.endTime } : {}),
      ...(patch.runName ? { runName: patch.runName } : {}),
    });
    return (await this.store.getRunInfo(r.runId)) as RunInfoRecord;
  }

  async deleteRun(runId: string | undefined): Promise<void> {
    const r = await this.#info(runId);
    await this.store.updateRunInfo(r.runId, { lifecycleStage: 'deleted', deletedTime: this.clock.now() });
  }

  async restoreRun(runId: string | undefined): Promise<void> {
    const r = await this.#info(runId);
    await this.store.updateRunInfo(r.runId, { lifecycleStage: 'active', clearDeletedTime: true });
  }

  async logMetric(runId: string | undefined, m: { key?: string; value?: unknown; timestamp?: unknown; step?: unknown }): Promise<void> {
    const metric = checkMetric(m, this.clock.now());
    const r = await this.#activeRun(runId);
    await this.store.logBatch(r.runId, { metrics: [metric] });
  }

  async logParam(runId: string | undefined, key: string | undefined, value: string | undefined): Promise<void> {
    const p = checkParam(key, value);
    const r = await this.#activeRun(runId);
    await this.store.logBatch(r.runId, { params: [p] });
  }

  async setTag(runId: string | undefined, key: string | undefined, value: string | undefined): Promise<void> {
    const t = checkTag(key, value);
    const r = await this.#activeRun(runId);
    await this.store.logBatch(r.runId, { tags: [t] });
  }

  async deleteTag(runId: string | undefined, key: string | undefined): Promise<void> {
    const r = await this.#activeRun(runId);
    if (key === undefined || key === '') throw missing('key');
    if (!(await this.store.deleteRunTag(r.runId, key))) throw noTag(key, r.runId);
  }

  /** MLflow's log-batch: every item is checked before anything is written; then one transaction. */
  async logBatch(runId: string | undefined, batch: { metrics?: readonly unknown[]; params?: readonly unknown[]; tags?: readonly unknown[] }): Promise<void> {
    const checked = checkBatch(batch, this.clock.now());
    const r = await this.#activeRun(runId);
    await this.store.logBatch(r.runId, checked);
  }

  async logInputs(runId: string | undefined, datasets: readonly unknown[] | undefined): Promise<void> {
    const inputs: DatasetInputRecord[] = checkDatasetInputs(datasets ?? []);
    const r = await this.#activeRun(runId);
    if (inputs.length) await this.store.logInputs(r.runId, inputs);
  }

  async metricHistory(runId: string | undefined, key: string | undefined, page: SearchPage = {}): Promise<{ metrics: MetricPoint[]; nextPageToken?: string }> {
    const r = await this.#info(runId);
    if (key === undefined || key === '') throw missing('metric_key');
    const limit = checkMaxResults(page.maxResults, HISTORY_MAX_RESULTS, HISTORY_MAX_RESULTS);
    const offset = decodePageToken(page.pageToken, page.refuseToken);
    const rows = await this.store.metricHistory(r.runId, key, { offset, limit: limit + 1 });
    const more = rows.length > limit;
    return { metrics: rows.slice(0, limit), ...(more ? { nextPageToken: encodePageToken(offset + limit) } : {}) };
  }

  /**
   * Every point of a run's metric, read in pages of {@link HISTORY_MAX_RESULTS}: MLflow's get-history
   * without `max_results` or `page_token` answers all of them at once, and clients that do not page rely on it.
   */
  async metricHistoryAll(runId: string | undefined, key: string | undefined): Promise<{ metrics: MetricPoint[]; nextPageToken?: string }> {
    const r = await this.#info(runId);
    if (key === undefined || key === '') throw missing('metric_key');
    const metrics: MetricPoint[] = [];
    for (;;) {
      const rows = await this.store.metricHistory(r.runId, key, { offset: metrics.length, limit: HISTORY_MAX_RESULTS });
      for (const row of rows) metrics.push(row);
      if (rows.length < HISTORY_MAX_RESULTS) return { metrics };
    }
  }

  async searchRuns(q: SearchPage & { experimentIds?: readonly string[]; filter?: string; viewType?: string; orderBy?: readonly string[]; visible?: VisibleRows<RunRecord> }): Promise<{ runs: RunRecord[]; nextPageToken?: string }> {
    const limit = checkMaxResults(q.maxResults, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD);
    const filter = parseRunFilter(q.filter ?? '');
    const orderBy = (q.orderBy ?? []).map(parseRunOrderBy);
    const start = decodeRunPageToken(q.pageToken, orderBy, q.refuseToken);
    const query = { experimentIds: q.experimentIds ?? [], view: view(q.viewType, 'run_view_type'), filter, orderBy };
    if (q.visible) {
      const filled = await fillVisiblePage(start, limit, (from, n) => this.store.searchRuns({ ...query, ...from, limit: n }), shownOf(q.visible), (r) => runPosition(orderBy, r));
      return { runs: filled.items, ...(filled.next ? { nextPageToken: encodeRunPageToken(orderBy, filled.next) } : {}) };
    }
    const runs = await this.store.searchRuns({ ...query, ...start, limit: limit + 1 });
    // The next page starts after this page's last run (a keyset, run-page-token.ts): a run deleted meanwhile moves none past it.
    const page = runs.slice(0, limit);
    const last = page[page.length - 1];
    return { runs: page, ...(runs.length > limit && last ? { nextPageToken: encodeRunPageToken(orderBy, last) } : {}) };
  }

  /** Lists one folder of a run's artifacts (`path` relative to the run's artifact root). */
  async listRunArtifacts(runId: string | undefined, path = ''): Promise<{ rootUri: string; files: ArtifactFile[] }> {
    const run = await this.getRun(runId);
    const rel = path.replace(/^\/+|\/+$/g, '');
    return { rootUri: run.info.artifactUri, files: await this.artifacts.list(this.artifacts.refFor(run.info.artifactUri, rel), rel) };
  }
}

function noTag(key: string, runId: string): LoamError {
  return new LoamError('ResourceNotFound', `No tag with name: ${key} in run with id ${runId}`);
}
