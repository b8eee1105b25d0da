import type { InputOf, OutputOf, operations } from '@loam/contracts';
import type { RequestContext } from '../kernel/context.js';
import type { ExperimentRecord, KeyValue, MetricPoint, RunInfoRecord, RunRecord } from '../ports/experiment-store.js';
import type { TrackingService } from './tracking.service.js';

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

/** Loam's native experiment operations (REST, SDK, CLI, Studio), over the same TrackingService MLflow clients reach. */
export class ExperimentsService {
  constructor(private readonly t: TrackingService) {}

  async CreateMlflowExperiment(i: In<'CreateMlflowExperiment'>): Out<'CreateMlflowExperiment'> {
    return { ExperimentId: await this.t.createExperiment({ name: i.Name, ...opt('artifactLocation', i.ArtifactLocation), tags: (i.Tags ?? []).map(kv) }) };
  }
  async GetMlflowExperiment(i: In<'GetMlflowExperiment'>): Out<'GetMlflowExperiment'> {
    return { Experiment: experiment(await this.t.getExperiment(i.ExperimentId)) };
  }
  async ListMlflowExperiments(i: In<'ListMlflowExperiments'>): Out<'ListMlflowExperiments'> {
    const r = await this.t.searchExperiments({ ...opt('filter', i.Filter), ...opt('orderBy', i.OrderBy), ...opt('viewType', i.ViewType), ...opt('maxResults', i.MaxResults ?? 100), ...opt('pageToken', i.NextToken) });
    return { Experiments: r.experiments.map(experiment), ...opt('NextToken', r.nextPageToken) };
  }
  async UpdateMlflowExperiment(i: In<'UpdateMlflowExperiment'>): Out<'UpdateMlflowExperiment'> {
    await this.t.updateExperiment(i.ExperimentId, i.NewName);
    return {};
  }
  async DeleteMlflowExperiment(i: In<'DeleteMlflowExperiment'>): Out<'DeleteMlflowExperiment'> {
    await this.t.deleteExperiment(i.ExperimentId);
    return {};
  }
  async RestoreMlflowExperiment(i: In<'RestoreMlflowExperiment'>): Out<'RestoreMlflowExperiment'> {
    await this.t.restoreExperiment(i.ExperimentId);
    return {};
  }
  async SetMlflowExperimentTag(i: In<'SetMlflowExperimentTag'>): Out<'SetMlflowExperimentTag'> {
    await this.t.setExperimentTag(i.ExperimentId, i.Key, i.Value);
    return {};
  }
  async CreateMlflowRun(i: In<'CreateMlflowRun'>, ctx: RequestContext): Out<'CreateMlflowRun'> {
    const r = await this.t.createRun({ ...opt('experimentId', i.ExperimentId), ...opt('runName', i.RunName), ...opt('startTime', i.StartTime), tags: (i.Tags ?? []).map(kv) }, ctx.principal);
    return { Run: run(r) };
  }
  async GetMlflowRun(i: In<'GetMlflowRun'>): Out<'GetMlflowRun'> {
    return { Run: run(await this.t.getRun(i.RunId)) };
  }
  async ListMlflowRuns(i: In<'ListMlflowRuns'>): Out<'ListMlflowRuns'> {
    const r = await this.t.searchRuns({ experimentIds: i.ExperimentIds, ...opt('filter', i.Filter), ...opt('orderBy', i.OrderBy), ...opt('viewType', i.ViewType), ...opt('maxResults', i.MaxResults ?? 100), ...opt('pageToken', i.NextToken) });
    return { Runs: r.runs.map(run), ...opt('NextToken', r.nextPageToken) };
  }
  async UpdateMlflowRun(i: In<'UpdateMlflowRun'>): Out<'UpdateMlflowRun'> {
    return { RunInfo: runInfo(await this.t.updateRun(i.RunId, { ...opt('status', i.Status), ...opt('endTime', i.EndTime), ...opt('runName', i.RunName) })) };
  }
  async DeleteMlflowRun(i: In<'DeleteMlflowRun'>): Out<'DeleteMlflowRun'> {
    await this.t.deleteRun(i.RunId);
    return {};
  }
  async RestoreMlflowRun(i: In<'RestoreMlflowRun'>): Out<'RestoreMlflowRun'> {
    await this.t.restoreRun(i.RunId);
    return {};
  }
  async LogMlflowBatch(i: In<'LogMlflowBatch'>): Out<'LogMlflowBatch'> {
    await this.t.logBatch(i.RunId, {
      metrics: (i.Metrics ?? []).map((m) => ({ key: m.Key, value: m.Value, ...opt('timestamp', m.Timestamp), ...opt('step', m.Step) })),
      params: (i.Params ?? []).map((p) => ({ key: p.Key, value: p.Value })),
      tags: (i.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    });
    return {};
  }
  async SetMlflowRunTag(i: In<'SetMlflowRunTag'>): Out<'SetMlflowRunTag'> {
    await this.t.setTag(i.RunId, i.Key, i.Value);
    return {};
  }
  async DeleteMlflowRunTag(i: In<'DeleteMlflowRunTag'>): Out<'DeleteMlflowRunTag'> {
    await this.t.deleteTag(i.RunId, i.Key);
    return {};
  }
  async GetMlflowMetricHistory(i: In<'GetMlflowMetricHistory'>): Out<'GetMlflowMetricHistory'> {
    const r = await this.t.metricHistory(i.RunId, i.MetricKey, { ...opt('maxResults', i.MaxResults), ...opt('pageToken', i.NextToken) });
    return { Metrics: r.metrics.map(metric), ...opt('NextToken', r.nextPageToken) };
  }
  async ListMlflowArtifacts(i: In<'ListMlflowArtifacts'>): Out<'ListMlflowArtifacts'> {
    const r = await this.t.listRunArtifacts(i.RunId, i.Path ?? '');
    return { RootUri: r.rootUri, Files: r.files.map((f) => ({ Path: f.path, IsDir: f.isDir, ...opt('FileSize', f.fileSize) })) };
  }
}
