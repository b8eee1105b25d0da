import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import type { ExperimentRecord, KeyValue, MetricPoint, RunInfoRecord, RunRecord } from '../ports/experiment-store.js';
import type { TrackingAccess } from './tracking-access.js';
import type { TrackingService } from './tracking.service.js';
import { refuseNextToken } from './keyset-page-token.js';

type Ops = typeof operations;
type In<K extends keyof Ops> = InputOf<Ops[K]>;
type Out<K extends keyof Ops> = Promise<OutputOf<Ops[K]>>;

const tag = (t: KeyValue) => ({ Key: t.key, Value: t.value });
const kv = (t: { Key: string; Value: string }): KeyValue => ({ key: t.Key, value: t.Value });
/** JSON has no NaN or Infinity: they travel as MLflow's strings. */
const wireValue = (v: number): number | 'NaN' | 'Infinity' | '-Infinity' => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);

function experiment(e: ExperimentRecord) {
  return { ExperimentId: e.experimentId, Name: e.name, ArtifactLocation: e.artifactLocation, LifecycleStage: e.lifecycleStage, CreationTime: e.creationTime, LastUpdateTime: e.lastUpdateTime, Tags: e.tags.map(tag) };
}
function runInfo(i: RunInfoRecord) {
  return {
    RunId: i.runId, RunName: i.runName, ExperimentId: i.experimentId, UserId: i.userId, Status: i.status, StartTime: i.startTime,
    ...(i.endTime === undefined ? {} : { EndTime: i.endTime }), LifecycleStage: i.lifecycleStage, ArtifactUri: i.artifactUri,
  };
}
const metric = (m: MetricPoint) => ({ Key: m.key, Value: wireValue(m.value), Timestamp: m.timestamp, Step: m.step });
function run(r: RunRecord) {
  return {
    Info: runInfo(r.info), Metrics: r.metrics.map(metric), Params: r.params.map(tag), Tags: r.tags.map(tag),
    Inputs: r.inputs.map((i) => ({
      Dataset: { Name: i.dataset.name, Digest: i.dataset.digest, SourceType: i.dataset.sourceType, Source: i.dataset.source, ...(i.dataset.schema === undefined ? {} : { Schema: i.dataset.schema }), ...(i.dataset.profile === undefined ? {} : { Profile: i.dataset.profile }) },
      Tags: i.tags.map(tag),
    })),
  };
}
const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

/**
 * Loam's native experiment operations (REST, SDK, CLI, Studio), over the same TrackingService MLflow
 * clients reach. The dispatcher checks each operation's action on the resource its input names; a run's
 * operations are also checked on the run's experiment, and lists hold only what the caller may describe
 * (`access`, shared with the MLflow transport).
 */
export class ExperimentsService {
  constructor(
    private readonly t: TrackingService,
    private readonly access: TrackingAccess,
  ) {}

  /** The operation's action on the run's experiment (the run's ARN was the dispatcher's check). */
  private onRun(action: string, runId: string, ctx: RequestContext): Promise<void> {
    return this.access.checkRunExperiment(ctx.principal, `sagemaker:${action}`, runId);
  }

  async CreateMlflowExperiment(i: In<'CreateMlflowExperiment'>): Out<'CreateMlflowExperiment'> {
    return { ExperimentId: await this.t.createExperiment({ name: i.Name, ...opt('artifactLocation', i.ArtifactLocation), tags: (i.Tags ?? []).map(kv) }) };
  }
  async GetMlflowExperiment(i: In<'GetMlflowExperiment'>): Out<'GetMlflowExperiment'> {
    return { Experiment: experiment(await this.t.getExperiment(i.ExperimentId)) };
  }
  async ListMlflowExperiments(i: In<'ListMlflowExperiments'>, ctx: RequestContext): Out<'ListMlflowExperiments'> {
    const r = await this.t.searchExperiments({ ...opt('filter', i.Filter), ...opt('orderBy', i.OrderBy), ...opt('viewType', i.ViewType), ...opt('maxResults', i.MaxResults ?? 100), ...opt('pageToken', i.NextToken), refuseToken: refuseNextToken(i.NextToken ?? '', 'ListMlflowExperiments', ['OrderBy']), visible: (rows) => this.access.visibleExperiments(ctx.principal, rows) });
    // Only experiments the caller may describe, the page filled past the rest (TrackingService's `visible`).
    return { Experiments: r.experiments.map(experiment), ...opt('NextToken', r.nextPageToken) };
  }
  async UpdateMlflowExperiment(i: In<'UpdateMlflowExperiment'>): Out<'UpdateMlflowExperiment'> {
    await this.t.updateExperiment(i.ExperimentId, i.NewName);
    return {};
  }
  async DeleteMlflowExperiment(i: In<'DeleteMlflowExperiment'>, ctx: RequestContext): Out<'DeleteMlflowExperiment'> {
    await this.access.checkRunsFollowing(ctx.principal, 'delete', i.ExperimentId);
    await this.t.deleteExperiment(i.ExperimentId);
    return {};
  }
  async RestoreMlflowExperiment(i: In<'RestoreMlflowExperiment'>, ctx: RequestContext): Out<'RestoreMlflowExperiment'> {
    await this.access.checkRunsFollowing(ctx.principal, 'restore', i.ExperimentId);
    await this.t.restoreExperiment(i.ExperimentId);
    return {};
  }
  async SetMlflowExperimentTag(i: In<'SetMlflowExperimentTag'>): Out<'SetMlflowExperimentTag'> {
    await this.t.setExperimentTag(i.ExperimentId, i.Key, i.Value);
    return {};
  }
  async CreateMlflowRun(i: In<'CreateMlflowRun'>, ctx: RequestContext): Out<'CreateMlflowRun'> {
    // Without an ExperimentId the run goes to the Default experiment, which the dispatcher checked as `*`.
    if (!i.ExperimentId) await this.access.checkExperiment(ctx.principal, 'sagemaker:CreateMlflowRun', '0');
    const r = await this.t.createRun({ ...opt('experimentId', i.ExperimentId), ...opt('runName', i.RunName), ...opt('startTime', i.StartTime), tags: (i.Tags ?? []).map(kv) }, ctx.principal);
    return { Run: run(r) };
  }
  async GetMlflowRun(i: In<'GetMlflowRun'>, ctx: RequestContext): Out<'GetMlflowRun'> {
    await this.onRun('GetMlflowRun', i.RunId, ctx);
    return { Run: run(await this.t.getRun(i.RunId)) };
  }
  async ListMlflowRuns(i: In<'ListMlflowRuns'>, ctx: RequestContext): Out<'ListMlflowRuns'> {
    const r = await this.t.searchRuns({ experimentIds: i.ExperimentIds, ...opt('filter', i.Filter), ...opt('orderBy', i.OrderBy), ...opt('viewType', i.ViewType), ...opt('maxResults', i.MaxResults ?? 100), ...opt('pageToken', i.NextToken), refuseToken: refuseNextToken(i.NextToken ?? '', 'ListMlflowRuns', ['OrderBy']), visible: (rows) => this.access.visibleRuns(ctx.principal, rows) });
    // Only runs the caller may describe, the page filled past the rest (TrackingService's `visible`).
    return { Runs: r.runs.map(run), ...opt('NextToken', r.nextPageToken) };
  }
  async UpdateMlflowRun(i: In<'UpdateMlflowRun'>, ctx: RequestContext): Out<'UpdateMlflowRun'> {
    await this.onRun('UpdateMlflowRun', i.RunId, ctx);
    return { RunInfo: runInfo(await this.t.updateRun(i.RunId, { ...opt('status', i.Status), ...opt('endTime', i.EndTime), ...opt('runName', i.RunName) })) };
  }
  async DeleteMlflowRun(i: In<'DeleteMlflowRun'>, ctx: RequestContext): Out<'DeleteMlflowRun'> {
    await this.onRun('DeleteMlflowRun', i.RunId, ctx);
    await this.t.deleteRun(i.RunId);
    return {};
  }
  async RestoreMlflowRun(i: In<'RestoreMlflowRun'>, ctx: RequestContext): Out<'RestoreMlflowRun'> {
    await this.onRun('RestoreMlflowRun', i.RunId, ctx);
    await this.t.restoreRun(i.RunId);
    return {};
  }
  async LogMlflowBatch(i: In<'LogMlflowBatch'>, ctx: RequestContext): Out<'LogMlflowBatch'> {
    await this.onRun('LogMlflowBatch', i.RunId, ctx);
    await this.t.logBatch(i.RunId, {
      metrics: (i.Metrics ?? []).map((m) => ({ key: m.Key, value: m.Value, ...opt('timestamp', m.Timestamp), ...opt('step', m.Step) })),
      params: (i.Params ?? []).map((p) => ({ key: p.Key, value: p.Value })),
      tags: (i.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    });
    return {};
  }
  async SetMlflowRunTag(i: In<'SetMlflowRunTag'>, ctx: RequestContext): Out<'SetMlflowRunTag'> {
    await this.onRun('SetMlflowRunTag', i.RunId, ctx);
    await this.t.setTag(i.RunId, i.Key, i.Value);
    return {};
  }
  async DeleteMlflowRunTag(i: In<'DeleteMlflowRunTag'>, ctx: RequestContext): Out<'DeleteMlflowRunTag'> {
    await this.onRun('DeleteMlflowRunTag', i.RunId, ctx);
    await this.t.deleteTag(i.RunId, i.Key);
    return {};
  }
  async GetMlflowMetricHistory(i: In<'GetMlflowMetricHistory'>, ctx: RequestContext): Out<'GetMlflowMetricHistory'> {
    await this.onRun('GetMlflowMetricHistory', i.RunId, ctx);
    const r = await this.t.metricHistory(i.RunId, i.MetricKey, { ...opt('maxResults', i.MaxResults), ...opt('pageToken', i.NextToken), refuseToken: refuseNextToken(i.NextToken ?? '', 'GetMlflowMetricHistory', []) });
    return { Metrics: r.metrics.map(metric), ...opt('NextToken', r.nextPageToken) };
  }
  async ListMlflowArtifacts(i: In<'ListMlflowArtifacts'>, ctx: RequestContext): Out<'ListMlflowArtifacts'> {
    await this.onRun('ListMlflowArtifacts', i.RunId, ctx);
    const r = await this.t.listRunArtifacts(i.RunId, i.Path ?? '');
    return { RootUri: r.rootUri, Files: r.files.map((f) => ({ Path: f.path, IsDir: f.isDir, ...opt('FileSize', f.fileSize) })) };
  }
}
