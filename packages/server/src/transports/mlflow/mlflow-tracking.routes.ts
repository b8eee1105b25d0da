import { syncData, type DataAccess } from '@loam/contracts';
import type { Principal, TrackingAccess, TrackingService } from '@loam/core';
import { trackingRules } from '@loam/core';
import { experimentJson, fileJson, metricJson, runInfoJson, runJson, type Message } from './mlflow-wire.js';

/** One MLflow endpoint: its path under `/api/2.0/mlflow/`, the IAM action checked and its handler. */
export interface MlflowRoute {
  readonly path: string;
  readonly methods: readonly ('GET' | 'POST')[];
  /** Checked as `sagemaker:<action>` on the resource. */
  readonly action: string;
  readonly resource: (m: Message) => { kind: 'mlflow-experiment' | 'mlflow-run'; id: string | undefined } | '*';
  readonly bodyLimit?: number;
  /** S3 locations the request makes Loam read or write for the caller, checked against their own policies. */
  readonly dataAccess?: (m: Message) => readonly DataAccess[];
  readonly handle: (m: Message, principal: Principal) => Promise<unknown>;
}

const exp = (field: string) => (m: Message) => ({ kind: 'mlflow-experiment' as const, id: m.str(field) });
/** The run a request names, read the same way for the authorization and the handler (`run_id`, else the older `run_uuid`). */
const runId = (m: Message) => m.str('run_id') || m.str('run_uuid');
const run = (m: Message) => ({ kind: 'mlflow-run' as const, id: runId(m) });

/**
 * Every tracking endpoint Loam serves, in MLflow's REST API 2.0 (mlflow/protos/service.proto). A run's
 * endpoints are authorized on `mlflow-run/<id>` before the handler and, through `access`, with the same
 * action on the run's `mlflow-experiment/<id>`; searches answer only what the caller may describe.
 */
export function trackingRoutes(t: TrackingService, access: TrackingAccess): MlflowRoute[] {
  const routes: MlflowRoute[] = [
    { path: 'experiments/create', methods: ['POST'], action: 'CreateMlflowExperiment', resource: () => '*',
      // Loam lists, writes (training-job runs) and deletes the artifacts of an s3:// location for the experiment's users.
      dataAccess: (m) => (m.str('artifact_location')?.startsWith('s3://') ? syncData('/artifact_location', m.str('artifact_location') as string) : []),
      handle: async (m) => ({ experiment_id: await t.createExperiment({ name: m.str('name') as string, ...(m.str('artifact_location') ? { artifactLocation: m.str('artifact_location') as string } : {}), tags: m.keyValues('tags') ?? [] }) }) },
    { path: 'experiments/get', methods: ['GET'], action: 'GetMlflowExperiment', resource: exp('experiment_id'),
      handle: async (m) => ({ experiment: experimentJson(await t.getExperiment(m.str('experiment_id'))) }) },
    // The name is resolved first; the experiment found is then checked as experiments/get checks it, and one
    // the caller may not get answers as an unknown name does (TrackingAccess.experimentByName).
    { path: 'experiments/get-by-name', methods: ['GET'], action: 'GetMlflowExperiment', resource: () => '*',
      handle: async (m, p) => ({ experiment: experimentJson(await access.experimentByName(p, m.str('experiment_name'))) }) },
    { path: 'experiments/search', methods: ['GET', 'POST'], action: 'ListMlflowExperiments', resource: () => '*',
      handle: async (m, p) => {
        const r = await t.searchExperiments({ ...page(m), ...opt('viewType', m.str('view_type')), ...opt('filter', m.str('filter')), ...opt('orderBy', m.strings('order_by')), visible: (rows) => access.visibleExperiments(p, rows) });
        // Only experiments the caller may describe, the page filled past the rest: short (or empty) only when last or cut by the read cap.
        return { experiments: r.experiments.map(experimentJson), ...opt('next_page_token', r.nextPageToken) };
      } },
    { path: 'experiments/update', methods: ['POST'], action: 'UpdateMlflowExperiment', resource: exp('experiment_id'),
      handle: async (m) => (await t.updateExperiment(m.str('experiment_id'), m.str('new_name')), {}) },
    // Its runs are deleted (restored) with it: the run action is checked on the experiment too.
    { path: 'experiments/delete', methods: ['POST'], action: 'DeleteMlflowExperiment', resource: exp('experiment_id'),
      handle: async (m, p) => (await access.checkRunsFollowing(p, 'delete', m.str('experiment_id')), await t.deleteExperiment(m.str('experiment_id')), {}) },
    { path: 'experiments/restore', methods: ['POST'], action: 'RestoreMlflowExperiment', resource: exp('experiment_id'),
      handle: async (m, p) => (await access.checkRunsFollowing(p, 'restore', m.str('experiment_id')), await t.restoreExperiment(m.str('experiment_id')), {}) },
    { path: 'experiments/set-experiment-tag', methods: ['POST'], action: 'SetMlflowExperimentTag', resource: exp('experiment_id'),
      handle: async (m) => (await t.setExperimentTag(m.str('experiment_id'), m.str('key'), m.str('value')), {}) },
    // Without an experiment_id the run goes to the Default experiment, 0, and is checked there.
    { path: 'runs/create', methods: ['POST'], action: 'CreateMlflowRun', resource: (m) => ({ kind: 'mlflow-experiment', id: m.str('experiment_id') || '0' }),
      handle: async (m, p) => ({
        run: runJson(await t.createRun({ ...opt('experimentId', m.str('experiment_id')), ...opt('runName', m.str('run_name')), ...opt('startTime', m.long('start_time')), tags: m.keyValues('tags') ?? [] }, p)),
      }) },
    { path: 'runs/get', methods: ['GET'], action: 'GetMlflowRun', resource: run, handle: async (m) => ({ run: runJson(await t.getRun(runId(m))) }) },
    { path: 'runs/update', methods: ['POST'], action: 'UpdateMlflowRun', resource: run,
      handle: async (m) => ({ run_info: runInfoJson(await t.updateRun(runId(m), { ...opt('status', m.str('status')), ...opt('endTime', m.long('end_time')), ...opt('runName', m.str('run_name')) })) }) },
    { path: 'runs/delete', methods: ['POST'], action: 'DeleteMlflowRun', resource: run, handle: async (m) => (await t.deleteRun(runId(m)), {}) },
    { path: 'runs/restore', methods: ['POST'], action: 'RestoreMlflowRun', resource: run, handle: async (m) => (await t.restoreRun(runId(m)), {}) },
    { path: 'runs/search', methods: ['GET', 'POST'], action: 'ListMlflowRuns', resource: () => '*',
      handle: async (m, p) => {
        const r = await t.searchRuns({ ...page(m), experimentIds: m.strings('experiment_ids') ?? [], ...opt('filter', m.str('filter')), ...opt('viewType', m.str('run_view_type')), ...opt('orderBy', m.strings('order_by')), visible: (rows) => access.visibleRuns(p, rows) });
        // Only runs the caller may describe (run and experiment), the page filled past the rest: short only when last or cut by the read cap.
        return { runs: r.runs.map(runJson), ...opt('next_page_token', r.nextPageToken) };
      } },
    { path: 'runs/log-metric', methods: ['POST'], action: 'LogMlflowMetric', resource: run,
      handle: async (m) => (await t.logMetric(runId(m), { key: m.raw('key') as string, value: m.raw('value'), timestamp: m.raw('timestamp'), step: m.raw('step') }), {}) },
    { path: 'runs/log-parameter', methods: ['POST'], action: 'LogMlflowParam', resource: run,
      handle: async (m) => (await t.logParam(runId(m), m.str('key'), m.str('value')), {}) },
    { path: 'runs/log-batch', methods: ['POST'], action: 'LogMlflowBatch', resource: run, bodyLimit: trackingRules.MAX_BATCH_LOG_REQUEST_SIZE,
      handle: async (m) => (await t.logBatch(runId(m), { metrics: list(m.raw('metrics')), params: list(m.raw('params')), tags: list(m.raw('tags')) }), {}) },
    { path: 'runs/log-inputs', methods: ['POST'], action: 'LogMlflowInputs', resource: run,
      handle: async (m) => (await t.logInputs(runId(m), list(m.raw('datasets'))), {}) },
    { path: 'runs/set-tag', methods: ['POST'], action: 'SetMlflowRunTag', resource: run, handle: async (m) => (await t.setTag(runId(m), m.str('key'), m.str('value')), {}) },
    { path: 'runs/delete-tag', methods: ['POST'], action: 'DeleteMlflowRunTag', resource: run, handle: async (m) => (await t.deleteTag(runId(m), m.str('key')), {}) },
    { path: 'metrics/get-history', methods: ['GET'], action: 'GetMlflowMetricHistory', resource: run,
      handle: async (m) => {
        // Without max_results or page_token MLflow answers every point; with either, one page.
        const p = page(m);
        const r = p.maxResults === undefined && p.pageToken === undefined ? await t.metricHistoryAll(runId(m), m.str('metric_key')) : await t.metricHistory(runId(m), m.str('metric_key'), p);
        return { metrics: r.metrics.map(metricJson), ...opt('next_page_token', r.nextPageToken) };
      } },
    { path: 'artifacts/list', methods: ['GET'], action: 'ListMlflowArtifacts', resource: run,
      handle: async (m) => {
        const r = await t.listRunArtifacts(runId(m), m.str('path') ?? '');
        return { root_uri: r.rootUri, files: r.files.map(fileJson) };
      } },
  ];
  // A run's endpoint needs its action on the run's experiment too (checked before the handler acts).
  return routes.map((r) => (r.resource !== run ? r : {
    ...r,
    handle: async (m: Message, p: Principal) => {
      await access.checkRunExperiment(p, `sagemaker:${r.action}`, runId(m));
      return r.handle(m, p);
    },
  }));
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

function page(m: Message): { maxResults?: number; pageToken?: string } {
  return { ...opt('maxResults', m.long('max_results')), ...opt('pageToken', m.str('page_token')) };
}

function list(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  return v as unknown[];
}
