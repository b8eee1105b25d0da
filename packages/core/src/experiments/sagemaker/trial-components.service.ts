import type { InputOf, OutputOf, operations } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../../kernel/authorizer.js';
import type { RequestContext } from '../../kernel/context.js';
import { NotFoundError, ResourceInUseError, ValidationError } from '../../kernel/errors.js';
import { resourceArn, type Partition } from '../../kernel/names.js';
import { checkStorableKeyValues, checkStorableText, type RunInfoRecord, type RunRecord, type TrialComponentRecord } from '../../ports/experiment-store.js';
import type { TagStore } from '../../ports/metadata-store.js';
import { validateTags } from '../../tags/tag-rules.js';
import type { TrackingService } from '../tracking.service.js';
import { jobComponentDetails, jobKindOfSourceType, type TrainingJobLookup } from './training-job-components.js';
import { decodeEntityPageToken, encodeEntityPageToken, entityPosition, type EntityOrder } from './entity-page-token.js';
import { fillVisiblePage } from './visible-page.js';
import {
  LIST_DEFAULT, PRIMARY_STATUS, RUN_STATUS, allowedOnMlflowExperiment, checkOnMlflowExperimentOrHide, checkParameters, guardedExperimentOf, componentNameOf, storedArnOf, fromArtifacts, metadataIn, millis, seconds, toArtifacts, type PrimaryStatus,
} from './sagemaker-rules.js';

type Ops = typeof operations;
type In<K extends keyof Ops> = InputOf<Ops[K]>;
type Out<K extends keyof Ops> = Promise<OutputOf<Ops[K]>>;

/**
 * The tag on the run CreateTrialComponent makes, naming the component the run is (names never change), so a
 * client (Studio) finds a component's run exactly. A run made before Loam tagged them, or one whose tag was
 * removed through MLflow, has none; a training job's run is found by its job ARN tag instead.
 */
export const TRIAL_COMPONENT_NAME_TAG = 'loam.trial_component_name';

const finite = (k: string, v: number | undefined) => (v === undefined || !Number.isFinite(v) ? {} : { [k]: v });

/**
 * SageMaker's trial components as MLflow runs (ADR 0009). A component made here is a run of the Default
 * experiment (a component belongs to no experiment until a trial holds it); a training job's run is the
 * job's component. Parameters are the run's params, Metrics summarize its metric points, Status, StartTime
 * and EndTime are its status and times.
 */
export class TrialComponentsService {
  constructor(
    private readonly t: TrackingService,
    private readonly authorize: ActionAuthorizer,
    private readonly partition: Partition,
    /** The shared tag table: Tags given at creation are the component's (ListTags, AddTags). */
    private readonly tags?: TagStore,
    /** Where a training job's component reads its job's artifacts and image from (trainingJobComponentDetails). */
    private readonly trainingJobs?: TrainingJobLookup,
  ) {}

  /** For the tag service: whether the trial component an ARN names exists, to the caller as DescribeTrialComponent shows it (its run's MLflow experiment). */
  readonly exists = async (arn: string, ctx?: RequestContext): Promise<boolean> => {
    const c = await this.t.store.getTrialComponent(arn.slice(arn.indexOf(':experiment-trial-component/') + ':experiment-trial-component/'.length));
    const info = c && (await this.t.store.getRunInfo(c.runId));
    // Only the ARN Loam gives it names it (see SageMakerExperimentsService.exists).
    if (!c || info?.lifecycleStage !== 'active' || this.arn(c.name) !== arn) return false;
    return !ctx || allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrialComponent', guardedExperimentOf(c, info.experimentId));
  };

  arn(name: string): string {
    return resourceArn(this.partition, 'experiment-trial-component', name);
  }

  /**
   * The component with its run; one whose run was deleted (through MLflow) is gone. With `check`, the
   * action is checked on the run's MLflow experiment too (the component's ARN was the dispatcher's check),
   * and a component that refusal hides from the caller (no DescribeTrialComponent there either) answers as
   * a missing one does (ResourceNotFound), so the answer does not say it exists.
   */
  async component(name: string, check?: { ctx: RequestContext; action: string }): Promise<{ c: TrialComponentRecord; run: RunRecord }> {
    const c = await this.t.store.getTrialComponent(name);
    const run = c && (await this.t.store.getRun(c.runId));
    if (!c || !run || run.info.lifecycleStage !== 'active') throw new NotFoundError('TrialComponent', this.arn(name));
    if (check) await this.#onMlflow(check.ctx, check.action, guardedExperimentOf(c, run.info.experimentId), name);
    return { c, run };
  }

  /** The action on the MLflow experiment guarding the component's run; hidden (refused without DescribeTrialComponent there or on its ARN) is missing. */
  #onMlflow(ctx: RequestContext, action: string, experimentId: string | undefined, given: string): Promise<void> {
    return checkOnMlflowExperimentOrHide(this.authorize, this.partition, ctx.principal, action, 'sagemaker:DescribeTrialComponent', experimentId, () => new NotFoundError('TrialComponent', this.arn(given)), this.arn(given));
  }

  async CreateTrialComponent(i: In<'CreateTrialComponent'>, ctx: RequestContext): Out<'CreateTrialComponent'> {
    validateTags(i.Tags ?? []);
    const params = checkParameters('Parameters', i.Parameters);
    checkStorableText('Status message', i.Status?.Message);
    checkStorableKeyValues('Parameter', params.values);
    for (const a of [i.InputArtifacts, i.OutputArtifacts]) checkStorableKeyValues('Artifact', Object.entries(a ?? {}).flatMap(([key, v]) => [{ key, value: v.Value }, { key, value: v.MediaType ?? '' }]));
    checkStorableKeyValues('Metadata property', Object.entries(i.MetadataProperties ?? {}).map(([key, value]) => ({ key, value: value ?? '' })));
    if (await this.t.store.getTrialComponent(i.TrialComponentName)) throw new ResourceInUseError(`TrialComponent '${this.arn(i.TrialComponentName)}' already exists.`);
    const now = this.t.clock.now();
    const run = await this.t.createRun({ experimentId: '0', runName: i.DisplayName ?? i.TrialComponentName, ...(i.StartTime === undefined ? {} : { startTime: millis(i.StartTime) }), tags: [{ key: TRIAL_COMPONENT_NAME_TAG, value: i.TrialComponentName }] }, ctx.principal);
    const runId = run.info.runId;
    try {
      if (params.values.length) await this.t.store.logBatch(runId, { params: params.values });
      await this.#status(runId, i.Status?.PrimaryStatus, i.EndTime);
      const metadata = metadataIn(i.MetadataProperties);
      await this.t.store.createTrialComponent({
        name: i.TrialComponentName, runId, ...(i.DisplayName === undefined ? {} : { displayName: i.DisplayName }), ...(i.Status?.Message === undefined ? {} : { statusMessage: i.Status.Message }),
        numberParams: params.numbers, inputArtifacts: toArtifacts(i.InputArtifacts), outputArtifacts: toArtifacts(i.OutputArtifacts), ...(metadata ? { metadata } : {}),
        creationTime: now, lastModifiedTime: now,
      });
    } catch (err) {
      // Nothing half-made stays active: the run made for it is marked deleted (another request took the name meanwhile).
      await this.t.store.updateRunInfo(runId, { lifecycleStage: 'deleted', deletedTime: this.t.clock.now() });
      throw err;
    }
    await this.tags?.clear(this.arn(i.TrialComponentName));
    if (i.Tags?.length) await this.tags?.put(this.arn(i.TrialComponentName), i.Tags);
    return { TrialComponentArn: this.arn(i.TrialComponentName) };
  }

  async #status(runId: string, status: PrimaryStatus | undefined, endTime: number | undefined): Promise<void> {
    if (status === undefined && endTime === undefined) return;
    await this.t.store.updateRunInfo(runId, { ...(status ? { status: RUN_STATUS[status] } : {}), ...(endTime === undefined ? {} : { endTime: millis(endTime) }) });
  }

  async DescribeTrialComponent(i: In<'DescribeTrialComponent'>, ctx: RequestContext): Out<'DescribeTrialComponent'> {
    const { c, run } = await this.component(componentNameOf(i.TrialComponentName, this.partition), { ctx, action: 'sagemaker:DescribeTrialComponent' });
    const numbers = new Set(c.numberParams);
    const parameters: Record<string, { StringValue?: string; NumberValue?: number }> = {};
    for (const p of run.params) parameters[p.key] = numbers.has(p.key) && Number.isFinite(Number(p.value)) ? { NumberValue: Number(p.value) } : { StringValue: p.value };
    const metrics = (await this.t.store.metricSummaries(run.info.runId)).map((m) => ({
      MetricName: m.key, ...(c.sourceArn ? { SourceArn: c.sourceArn } : {}), TimeStamp: seconds(m.lastTimestamp),
      ...finite('Max', m.max), ...finite('Min', m.min), ...finite('Last', m.last), Count: m.count, ...finite('Avg', m.avg), ...finite('StdDev', m.stdDev),
    }));
    // A job's component shows its job's inputs, outputs, image and resources as SageMaker does, read from the job now.
    const kind = jobKindOfSourceType(c.sourceType);
    const job = kind && c.sourceArn ? await this.trainingJobs?.(c.sourceArn) : undefined;
    const fromJob = job && job.kind === kind ? jobComponentDetails(job) : { inputArtifacts: {}, outputArtifacts: {}, parameters: {} };
    return {
      ...this.#summary(c, run.info),
      Parameters: { ...fromJob.parameters, ...parameters },
      InputArtifacts: { ...fromJob.inputArtifacts, ...fromArtifacts(c.inputArtifacts) }, OutputArtifacts: { ...fromJob.outputArtifacts, ...fromArtifacts(c.outputArtifacts) },
      ...(c.metadata ? { MetadataProperties: c.metadata } : {}), Metrics: metrics,
    };
  }

  #summary(c: TrialComponentRecord, info: RunInfoRecord) {
    return {
      TrialComponentName: c.name, TrialComponentArn: this.arn(c.name), DisplayName: c.displayName ?? c.name,
      ...(c.sourceArn ? { Source: { SourceArn: c.sourceArn, ...(c.sourceType ? { SourceType: c.sourceType } : {}) } } : {}),
      Status: { PrimaryStatus: PRIMARY_STATUS[info.status], ...(c.statusMessage === undefined ? {} : { Message: c.statusMessage }) },
      StartTime: seconds(info.startTime), ...(info.endTime === undefined ? {} : { EndTime: seconds(info.endTime) }),
      CreationTime: seconds(c.creationTime), LastModifiedTime: seconds(c.lastModifiedTime),
    };
  }

  async ListTrialComponents(i: In<'ListTrialComponents'>, ctx: RequestContext): Out<'ListTrialComponents'> {
    // As SageMaker: ExperimentName, TrialName and SourceArn filter alone.
    if ([i.ExperimentName, i.TrialName, i.SourceArn].filter((v) => v !== undefined).length > 1) {
      throw new ValidationError('Give at most one of ExperimentName, TrialName and SourceArn.', [{ path: '/TrialName', message: 'only one filter' }]);
    }
    // SourceArn as Loam stores a job's ARN (its name lower-cased); another account's names no source here.
    const sourceArn = i.SourceArn === undefined ? undefined : storedArnOf(i.SourceArn, this.partition);
    if (i.SourceArn !== undefined && sourceArn === undefined) return { TrialComponentSummaries: [] };
    let experimentId: string | undefined;
    if (i.ExperimentName !== undefined) {
      // In any ASCII letter case, as every SageMaker name (SageMakerExperimentsService.experiment).
      const e = await this.t.store.getExperimentByNameInAnyCase(i.ExperimentName);
      if (!e || e.lifecycleStage !== 'active') throw new NotFoundError('Experiment', resourceArn(this.partition, 'experiment', i.ExperimentName));
      experimentId = e.experimentId;
    }
    const trial = i.TrialName === undefined ? undefined : await this.t.store.getTrial(i.TrialName);
    // A trial of an experiment MLflow deleted is gone with it, as DescribeTrial answers.
    if (i.TrialName !== undefined && (!trial || (await this.t.store.getExperiment(trial.experimentId))?.lifecycleStage !== 'active')) throw new NotFoundError('Trial', resourceArn(this.partition, 'experiment-trial', i.TrialName));
    // What an experiment's trials hold is the experiment's to show, whichever experiment holds each component's run.
    // An experiment or trial the caller may not describe (on its ARN or its MLflow experiment) is hidden: answered as a missing one is.
    const holder = experimentId ?? trial?.experimentId;
    if (holder !== undefined) {
      const [kind, action, arn] = trial
        ? ['Trial', 'sagemaker:DescribeTrial', resourceArn(this.partition, 'experiment-trial', i.TrialName as string)]
        : ['Experiment', 'sagemaker:DescribeExperiment', resourceArn(this.partition, 'experiment', i.ExperimentName as string)];
      if (!(await isAllowed(this.authorize, ctx.principal, action, arn)) || !(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, action, holder))) throw new NotFoundError(kind, arn);
    }
    const limit = i.MaxResults ?? LIST_DEFAULT;
    const order: EntityOrder = { sortBy: i.SortBy === 'Name' ? 'name' : 'creationTime', ascending: i.SortOrder === 'Ascending' };
    const start = decodeEntityPageToken(i.NextToken, order, 'ListTrialComponents');
    const filters = {
      ...(experimentId === undefined ? {} : { experimentId }), ...(trial === undefined ? {} : { trialName: trial.name }), ...(sourceArn === undefined ? {} : { sourceArn }),
      ...(i.CreatedAfter === undefined ? {} : { createdAfter: millis(i.CreatedAfter) }), ...(i.CreatedBefore === undefined ? {} : { createdBefore: millis(i.CreatedBefore) }),
    };
    // Read on past components the caller may not see, so a page is short only when it is the last (fillVisiblePage).
    const page = await fillVisiblePage(start, limit, (from, n) => this.t.store.listTrialComponents({ ...filters, ...order, ...from, limit: n }), async (rows) => {
      // A batch's run infos in one read.
      const infos = new Map((await this.t.store.getRunInfos(rows.map((c) => c.runId))).map((x) => [x.runId, x]));
      const out = [];
      for (const c of rows) out.push(await this.#listed(c, infos.get(c.runId), ctx));
      return out;
    }, (c) => entityPosition(order, c));
    return { TrialComponentSummaries: page.items, ...(page.next ? { NextToken: encodeEntityPageToken(order, page.next) } : {}) };
  }

  /** The component's list summary, when the caller may see it (its run active; DescribeTrialComponent on it and on its run's MLflow experiment). */
  async #listed(c: TrialComponentRecord, info: RunInfoRecord | undefined, ctx: RequestContext) {
    if (!info || info.lifecycleStage !== 'active') return undefined;
    if (!(await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeTrialComponent', this.arn(c.name)))) return undefined;
    if (!(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrialComponent', guardedExperimentOf(c, info.experimentId)))) return undefined;
    const s = this.#summary(c, info);
    const { Source, ...rest } = s as typeof s & { Source?: { SourceArn: string; SourceType?: string } };
    return { ...rest, ...(Source ? { TrialComponentSource: Source } : {}) };
  }

  async UpdateTrialComponent(i: In<'UpdateTrialComponent'>, ctx: RequestContext): Out<'UpdateTrialComponent'> {
    const { c, run } = await this.component(i.TrialComponentName, { ctx, action: 'sagemaker:UpdateTrialComponent' });
    const params = checkParameters('Parameters', i.Parameters);
    const both = (given: Record<string, unknown> | undefined, removed: readonly string[] | undefined, field: string) => {
      const clash = (removed ?? []).find((k) => given !== undefined && Object.hasOwn(given, k));
      if (clash !== undefined) throw new ValidationError(`'${clash}' is both in ${field} and in ${field}ToRemove.`, [{ path: `/${field}ToRemove`, message: `also in ${field}` }]);
    };
    both(i.Parameters, i.ParametersToRemove, 'Parameters');
    both(i.InputArtifacts, i.InputArtifactsToRemove, 'InputArtifacts');
    both(i.OutputArtifacts, i.OutputArtifactsToRemove, 'OutputArtifacts');
    const merge = (old: TrialComponentRecord['inputArtifacts'], given: In<'UpdateTrialComponent'>['InputArtifacts'], removed: readonly string[] | undefined) => {
      if (given === undefined && removed === undefined) return undefined;
      const out = { ...old, ...toArtifacts(given) };
      for (const k of removed ?? []) delete out[k];
      if (Object.keys(out).length > 60) throw new ValidationError('A trial component holds at most 60 input and 60 output artifacts.');
      return out;
    };
    const removed = new Set([...(i.ParametersToRemove ?? []), ...params.strings]);
    const changesParams = params.values.length > 0 || (i.ParametersToRemove?.length ?? 0) > 0;
    // Merged into the component as stored when the store writes it, not as read above: an update made
    // meanwhile keeps its additions, and the 60-artifact limit counts them.
    const updated = await this.t.store.updateTrialComponent(c.name, (now) => {
      const inputArtifacts = merge(now.inputArtifacts, i.InputArtifacts, i.InputArtifactsToRemove);
      const outputArtifacts = merge(now.outputArtifacts, i.OutputArtifacts, i.OutputArtifactsToRemove);
      const numberParams = [...now.numberParams.filter((k) => !removed.has(k)), ...params.numbers];
      return {
        ...(i.DisplayName === undefined ? {} : { displayName: i.DisplayName }), ...(i.Status?.Message === undefined ? {} : { statusMessage: i.Status.Message }),
        ...(changesParams ? { numberParams, setParams: params.values, removeParams: i.ParametersToRemove ?? [] } : {}),
        ...(inputArtifacts ? { inputArtifacts } : {}), ...(outputArtifacts ? { outputArtifacts } : {}), lastModifiedTime: this.t.clock.now(),
      };
    });
    // Deleted since the read above (DeleteTrialComponent): nothing was changed, and its run is left as the delete left it.
    if (!updated) throw new NotFoundError('TrialComponent', this.arn(i.TrialComponentName));
    await this.#status(run.info.runId, i.Status?.PrimaryStatus, i.EndTime);
    if (i.StartTime !== undefined || i.DisplayName !== undefined) {
      await this.t.store.updateRunInfo(run.info.runId, { ...(i.StartTime === undefined ? {} : { startTime: millis(i.StartTime) }), ...(i.DisplayName === undefined ? {} : { runName: i.DisplayName }) });
    }
    return { TrialComponentArn: this.arn(c.name) };
  }

  async DeleteTrialComponent(i: In<'DeleteTrialComponent'>, ctx: RequestContext): Out<'DeleteTrialComponent'> {
    const c = await this.t.store.getTrialComponent(i.TrialComponentName);
    if (!c) throw new NotFoundError('TrialComponent', this.arn(i.TrialComponentName));
    const owner = await this.t.store.getRunInfo(c.runId);
    if (owner) await this.#onMlflow(ctx, 'sagemaker:DeleteTrialComponent', guardedExperimentOf(c, owner.experimentId), i.TrialComponentName);
    // Checked and deleted in one step: an AssociateTrialComponent at the same time either comes first (and
    // this fails) or finds the component gone (and fails).
    const deleted = await this.t.store.deleteTrialComponent(c.name, { unlessInTrial: true });
    if (deleted === 'in-trial') throw new ValidationError(`TrialComponent '${this.arn(c.name)}' is linked to 1 or more trials and cannot be deleted.`);
    if (deleted === 'absent') throw new NotFoundError('TrialComponent', this.arn(i.TrialComponentName));
    await this.tags?.clear(this.arn(c.name));
    // The run goes to MLflow's deleted stage, as MLflow's own delete leaves it.
    const info = await this.t.store.getRunInfo(c.runId);
    if (info?.lifecycleStage === 'active') await this.t.store.updateRunInfo(c.runId, { lifecycleStage: 'deleted', deletedTime: this.t.clock.now() });
    return { TrialComponentArn: this.arn(c.name) };
  }
}
