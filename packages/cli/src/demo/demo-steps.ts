import { readFileSync } from 'node:fs';
import { LoamApiError, type LoamClient } from '@loam/sdk';
import { demoFlowDefinition, SKEWED } from './demo-flow.js';

/** What every step can use: the client, the server URL, names for this run, and values earlier steps found. */
export interface DemoContext {
  readonly client: LoamClient;
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly names: DemoNames;
  readonly datasetFile: string;
  readonly note: (text: string) => void;
  readonly state: Record<string, string>;
}

/** A step's result: the object it created and a one-line summary. */
export interface StepResult {
  readonly objectType: string;
  readonly objectName: string;
  readonly studioPath: string;
  readonly detail?: string;
}

export interface DemoStep {
  readonly id: string;
  readonly title: string;
  run(ctx: DemoContext): Promise<StepResult>;
}

/** Names of everything one demo run creates; `suffix` keeps reruns on the same data dir apart. */
export interface DemoNames {
  readonly dataset: string;
  readonly flow: string;
  readonly training: string;
  readonly tuning: string;
  readonly group: string;
  readonly model: string;
  readonly endpointConfig: string;
  readonly endpoint: string;
  readonly transform: string;
  readonly prefix: string;
}

export function demoNames(suffix: string): DemoNames {
  const s = suffix ? `-${suffix}` : '';
  return {
    dataset: `breast-cancer${s}`, flow: `breast-cancer-prep${s}`, training: `breast-cancer-xgb${s}`,
    tuning: `bc-tune${s}`, group: 'breast-cancer-classifier', model: `breast-cancer-model${s}`,
    endpointConfig: `breast-cancer-config${s}`, endpoint: `breast-cancer${s}`, transform: `breast-cancer-batch${s}`,
    prefix: `s3://loam-demo/breast-cancer${s}`,
  };
}

export const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::000000000000:role/LoamDemo';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The demo reads a few fields of many response shapes; typing each one would dwarf the tour itself.
type Any = any;

/** Polls `describe` until `done` says so; fails on a terminal failure status or after `timeoutMs`. */
async function waitFor<T>(what: string, describe: () => Promise<T>, status: (d: T) => string, ctx: DemoContext, ok: string[], timeoutMs = 150_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const d = await describe();
    const s = status(d);
    ctx.note(`${what}: ${s}`);
    if (ok.includes(s)) return d;
    if (['Failed', 'Stopped'].includes(s)) throw new Error(`${what} ended ${s}: ${(d as Any).FailureReason ?? 'no reason given'}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} still ${s} after ${timeoutMs / 1000}s`);
    await sleep(300);
  }
}

function channels(prefix: string) {
  return ['train', 'validation'].map((c) => ({
    ChannelName: c, ContentType: 'text/csv',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `${prefix}/${c}/`, S3DataDistributionType: 'FullyReplicated' } },
  }));
}
const staticHp = { objective: 'binary:logistic', eval_metric: 'auc', num_round: '60' };
const resources = { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 };

/** The demo, in order: each step creates one object and says where Studio shows it. */
export const demoSteps: DemoStep[] = [
  {
    id: 'dataset', title: 'Import and profile the breast-cancer dataset',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateDataset({ DatasetName: ctx.names.dataset, Description: 'Wisconsin diagnostic breast cancer (569 rows, 30 features), shipped with Loam.' });
      const res = await fetch(`${ctx.endpoint.replace(/\/+$/, '')}/api/v1/datasets/${ctx.names.dataset}/upload?FileName=breast_cancer.csv`, {
        method: 'POST', body: readFileSync(ctx.datasetFile),
        headers: { 'content-type': 'text/csv', ...(ctx.token ? { authorization: `Bearer ${ctx.token}` } : {}) },
      });
      if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      const v = (await res.json()) as Any;
      ctx.note('profiling');
      const p = (await c.GetDatasetProfile({ DatasetName: ctx.names.dataset, TargetColumn: 'target' })).Profile as Any;
      const cols = Array.isArray(p?.Columns) ? p.Columns.length : (v.Schema?.length ?? '?');
      return { objectType: 'dataset', objectName: ctx.names.dataset, studioPath: `/datasets/${ctx.names.dataset}`, detail: `${v.RowCount ?? p?.RowCount ?? '?'} rows, ${cols} columns profiled` };
    },
  },
  {
    id: 'flow', title: 'Prepare it with a Data Wrangler flow',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateFlow({ FlowName: ctx.names.flow, Description: 'dedupe, clip and log the area columns, stratified split, CSV for XGBoost', Definition: demoFlowDefinition(ctx.names.dataset, ctx.names.prefix) });
      const started = await c.StartFlowRun({ FlowName: ctx.names.flow });
      const run = await waitFor('flow run', () => c.DescribeFlowRun({ FlowRunId: started.FlowRunId }), (d: Any) => d.Status, ctx, ['Completed']);
      const rows = (run.Outputs as Any[]).map((o) => `${o.NodeId.replace(/_out$/, '')} ${o.RowCount ?? '?'}`).join(', ');
      return { objectType: 'flow', objectName: ctx.names.flow, studioPath: `/flows/${ctx.names.flow}`, detail: `rows: ${rows}` };
    },
  },
  {
    id: 'training', title: 'Train the built-in XGBoost (GBDT)',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateTrainingJob({
        TrainingJobName: ctx.names.training, RoleArn: ROLE,
        AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
        HyperParameters: { ...staticHp, max_depth: '3', eta: '0.2' }, InputDataConfig: channels(ctx.names.prefix),
        OutputDataConfig: { S3OutputPath: `${ctx.names.prefix}/models` }, ResourceConfig: resources, StoppingCondition: { MaxRuntimeInSeconds: 600 },
      });
      const d = await waitFor('training', () => c.DescribeTrainingJob({ TrainingJobName: ctx.names.training }), (x: Any) => x.TrainingJobStatus, ctx, ['Completed']);
      const auc = (d.FinalMetricDataList as Any[] | undefined)?.find((m) => m.MetricName === 'validation:auc')?.Value;
      return { objectType: 'training job', objectName: ctx.names.training, studioPath: `/training-jobs/${ctx.names.training}`, detail: auc === undefined ? 'completed' : `validation AUC ${Number(auc).toFixed(4)}` };
    },
  },
  {
    id: 'tuning', title: 'Tune it (4 trials, 2 in parallel)',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateHyperParameterTuningJob({
        HyperParameterTuningJobName: ctx.names.tuning,
        HyperParameterTuningJobConfig: {
          Strategy: 'Random', HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
          ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
          ParameterRanges: { IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '2', MaxValue: '5' }], ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.05', MaxValue: '0.4' }] },
        },
        TrainingJobDefinition: {
          StaticHyperParameters: staticHp, AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' }, RoleArn: ROLE,
          InputDataConfig: channels(ctx.names.prefix), OutputDataConfig: { S3OutputPath: `${ctx.names.prefix}/tuning` }, ResourceConfig: resources, StoppingCondition: { MaxRuntimeInSeconds: 600 },
        },
      });
      const d = await waitFor('tuning', () => c.DescribeHyperParameterTuningJob({ HyperParameterTuningJobName: ctx.names.tuning }),
        (x: Any) => `${x.HyperParameterTuningJobStatus}${x.TrainingJobStatusCounters ? ` (${x.TrainingJobStatusCounters.Completed ?? 0} of 4 trials done)` : ''}`.replace(/^Completed.*/, 'Completed'), ctx, ['Completed'], 240_000);
      const best = d.BestTrainingJob as Any;
      if (!best?.TrainingJobName) throw new Error('the tuning job found no best training job');
      ctx.state['bestJob'] = best.TrainingJobName;
      const value = best.FinalHyperParameterTuningJobObjectiveMetric?.Value;
      return { objectType: 'tuning job', objectName: ctx.names.tuning, studioPath: `/tuning-jobs/${ctx.names.tuning}`, detail: `best trial ${best.TrainingJobName}${value === undefined ? '' : `, validation AUC ${Number(value).toFixed(4)}`}` };
    },
  },
  {
    id: 'registry', title: 'Register the best model and approve it',
    async run(ctx) {
      const c = ctx.client as Any;
      const job = await c.DescribeTrainingJob({ TrainingJobName: ctx.state['bestJob'] });
      try {
        await c.CreateModelPackageGroup({ ModelPackageGroupName: ctx.names.group, ModelPackageGroupDescription: 'Breast-cancer classifiers from loam demo' });
      } catch (e) {
        if (!(e instanceof LoamApiError) || !/ResourceInUse|Conflict/.test(e.code)) throw e;
      }
      const pkg = await c.CreateModelPackage({
        ModelPackageGroupName: ctx.names.group, ModelPackageDescription: `best trial of ${ctx.names.tuning}`, ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: { Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: job.ModelArtifacts.S3ModelArtifacts }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      });
      await c.UpdateModelPackage({ ModelPackageArn: pkg.ModelPackageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'approved by loam demo' });
      ctx.state['packageArn'] = pkg.ModelPackageArn;
      const version = String(pkg.ModelPackageArn).split('/').pop() ?? '';
      return { objectType: 'model package', objectName: `${ctx.names.group}/${version}`, studioPath: `/model-registry/${ctx.names.group}`, detail: 'Approved' };
    },
  },
  {
    id: 'endpoint', title: 'Deploy it to a real-time endpoint',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateModel({ ModelName: ctx.names.model, ExecutionRoleArn: ROLE, PrimaryContainer: { ModelPackageName: ctx.state['packageArn'] } });
      await c.CreateEndpointConfig({ EndpointConfigName: ctx.names.endpointConfig, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: ctx.names.model, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] });
      await c.CreateEndpoint({ EndpointName: ctx.names.endpoint, EndpointConfigName: ctx.names.endpointConfig });
      await waitFor('endpoint', () => c.DescribeEndpoint({ EndpointName: ctx.names.endpoint }), (x: Any) => x.EndpointStatus, ctx, ['InService']);
      return { objectType: 'endpoint', objectName: ctx.names.endpoint, studioPath: `/endpoints/${ctx.names.endpoint}`, detail: `model ${ctx.names.model}` };
    },
  },
  {
    id: 'invoke', title: 'Invoke the endpoint',
    async run(ctx) {
      // The first row of the shipped file, with the flow's log1p on the area columns (it is within the clip).
      const [header, first] = readFileSync(ctx.datasetFile, 'utf8').split('\n');
      const names = header!.split(',');
      const row = first!.split(',').map((v, i) => (SKEWED.includes(names[i]!) ? String(Math.log(Number(v) + 1)) : v)).slice(1);
      const res = await fetch(`${ctx.endpoint.replace(/\/+$/, '')}/endpoints/${encodeURIComponent(ctx.names.endpoint)}/invocations`, {
        method: 'POST', body: row.join(','), headers: { 'content-type': 'text/csv', accept: 'text/csv', ...(ctx.token ? { authorization: `Bearer ${ctx.token}` } : {}) },
      });
      const text = (await res.text()).trim();
      if (!res.ok) throw new Error(`invocation failed: ${res.status} ${text}`);
      return { objectType: 'endpoint', objectName: ctx.names.endpoint, studioPath: `/endpoints/${ctx.names.endpoint}`, detail: `P(benign) for the first row (label 0) = ${text}` };
    },
  },
  {
    id: 'transform', title: 'Score the held-out file with batch transform',
    async run(ctx) {
      const c = ctx.client as Any;
      await c.CreateTransformJob({
        TransformJobName: ctx.names.transform, ModelName: ctx.names.model, BatchStrategy: 'MultiRecord',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `${ctx.names.prefix}/batch/` } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: `${ctx.names.prefix}/predictions`, AssembleWith: 'Line', Accept: 'text/csv' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      });
      await waitFor('transform', () => c.DescribeTransformJob({ TransformJobName: ctx.names.transform }), (x: Any) => x.TransformJobStatus, ctx, ['Completed']);
      return { objectType: 'transform job', objectName: ctx.names.transform, studioPath: `/batch-transform/${ctx.names.transform}`, detail: `predictions in ${ctx.names.prefix}/predictions/` };
    },
  },
];
