import type { InputOf, OutputOf, operations } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../../kernel/authorizer.js';
import type { RequestContext } from '../../kernel/context.js';
import { NotFoundError, ValidationError } from '../../kernel/errors.js';
import { resourceArn, type Partition } from '../../kernel/names.js';
import type { ExperimentRecord, TrialRecord } from '../../ports/experiment-store.js';
import type { TagStore } from '../../ports/metadata-store.js';
import { validateTags } from '../../tags/tag-rules.js';
import type { TrackingService } from '../tracking.service.js';
import { decodeEntityPageToken, encodeEntityPageToken, entityPosition, type EntityOrder } from './entity-page-token.js';
import { fillVisiblePage } from './visible-page.js';
import { LIST_DEFAULT, allowedOnMlflowExperiment, checkOnMlflowExperimentOrHide, guardedExperimentOf, metadataIn, millis, seconds } from './sagemaker-rules.js';

type Ops = typeof operations;
type In<K extends keyof Ops> = InputOf<Ops[K]>;
type Out<K extends keyof Ops> = Promise<OutputOf<Ops[K]>>;

/**
 * SageMaker's trials (ADR 0009): a named group of trial components in one experiment, kept in the
 * experiment store beside the runs; a component may be in several trials, of any experiment.
 */
export class TrialsService {
  constructor(
    private readonly t: TrackingService,
    private readonly authorize: ActionAuthorizer,
    private readonly partition: Partition,
    /** The shared tag table: Tags given at creation are the trial's (ListTags, AddTags). */
    private readonly tags?: TagStore,
  ) {}

  /** For the tag service: whether the trial an ARN names exists, to the caller as DescribeTrial shows it (its MLflow experiment). */
  readonly exists = async (arn: string, ctx?: RequestContext): Promise<boolean> => {
    const t = await this.t.store.getTrial(arn.slice(arn.indexOf(':experiment-trial/') + ':experiment-trial/'.length));
    // Only the ARN Loam gives it names it (see SageMakerExperimentsService.exists).
    if (!t || this.arn(t.name) !== arn || !(await this.#experimentActive(t.experimentId))) return false;
    return !ctx || allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrial', t.experimentId);
  };

  arn(name: string): string {
    return resourceArn(this.partition, 'experiment-trial', name);
  }

  #componentArn(name: string): string {
    return resourceArn(this.partition, 'experiment-trial-component', name);
  }

  /** The active experiment of that name, in any ASCII letter case (see SageMakerExperimentsService.experiment). */
  async #experiment(name: string): Promise<ExperimentRecord> {
    await this.t.init();
    const e = await this.t.store.getExperimentByNameInAnyCase(name);
    if (!e || e.lifecycleStage !== 'active') throw new NotFoundError('Experiment', resourceArn(this.partition, 'experiment', name));
    return e;
  }

  /** Whether the trial's experiment is active: the trials of one MLflow deleted are gone with it (until MLflow restores it). */
  async #experimentActive(experimentId: string): Promise<boolean> {
    return (await this.t.store.getExperiment(experimentId))?.lifecycleStage === 'active';
  }

  async #trial(name: string): Promise<TrialRecord> {
    const t = await this.t.store.getTrial(name);
    if (!t || !(await this.#experimentActive(t.experimentId))) throw new NotFoundError('Trial', this.arn(name));
    return t;
  }

  /** The component's name as stored (names are case-insensitive) and the experiment guarding its run (guardedExperimentOf). */
  async #component(name: string): Promise<{ name: string; experimentId: string | undefined }> {
    const c = await this.t.store.getTrialComponent(name);
    const run = c && (await this.t.store.getRunInfo(c.runId));
    if (!c || !run || run.lifecycleStage !== 'active') throw new NotFoundError('TrialComponent', this.#componentArn(name));
    return { name: c.name, experimentId: guardedExperimentOf(c, run.experimentId) };
  }

  /**
   * The action on the trial's MLflow experiment; refused to a caller who may not describe the trial there either,
   * or on its ARN, the trial is hidden from them and answered as a missing one (`given`) is: ResourceNotFound, not AccessDenied.
   */
  #onTrial(ctx: RequestContext, action: string, t: TrialRecord, given: string): Promise<void> {
    return checkOnMlflowExperimentOrHide(this.authorize, this.partition, ctx.principal, action, 'sagemaker:DescribeTrial', t.experimentId, () => new NotFoundError('Trial', this.arn(given)), this.arn(t.name));
  }

  /** {@link #onTrial} for the component: on the MLflow experiment guarding its run, hidden without DescribeTrialComponent there or on its ARN. */
  #onComponent(ctx: RequestContext, action: string, experimentId: string | undefined, given: string): Promise<void> {
    return checkOnMlflowExperimentOrHide(this.authorize, this.partition, ctx.principal, action, 'sagemaker:DescribeTrialComponent', experimentId, () => new NotFoundError('TrialComponent', this.#componentArn(given)), this.#componentArn(given));
  }

  async CreateTrial(i: In<'CreateTrial'>, ctx: RequestContext): Out<'CreateTrial'> {
    validateTags(i.Tags ?? []);
    const e = await this.#experiment(i.ExperimentName);
    // An experiment hidden from the caller (no DescribeExperiment on its MLflow experiment either) answers as a missing one.
    await checkOnMlflowExperimentOrHide(this.authorize, this.partition, ctx.principal, 'sagemaker:CreateTrial', 'sagemaker:DescribeExperiment', e.experimentId, () => new NotFoundError('Experiment', resourceArn(this.partition, 'experiment', i.ExperimentName)), resourceArn(this.partition, 'experiment', e.name));
    const now = this.t.clock.now();
    const metadata = metadataIn(i.MetadataProperties);
    await this.t.store.createTrial({
      name: i.TrialName, experimentId: e.experimentId, ...(i.DisplayName === undefined ? {} : { displayName: i.DisplayName }), ...(metadata ? { metadata } : {}),
      creationTime: now, lastModifiedTime: now,
    });
    await this.tags?.clear(this.arn(i.TrialName));
    if (i.Tags?.length) await this.tags?.put(this.arn(i.TrialName), i.Tags);
    return { TrialArn: this.arn(i.TrialName) };
  }

  async DescribeTrial(i: In<'DescribeTrial'>, ctx: RequestContext): Out<'DescribeTrial'> {
    const t = await this.#trial(i.TrialName);
    await this.#onTrial(ctx, 'sagemaker:DescribeTrial', t, i.TrialName);
    const e = await this.t.store.getExperiment(t.experimentId);
    return {
      TrialName: t.name, TrialArn: this.arn(t.name), DisplayName: t.displayName ?? t.name, ExperimentName: e?.name ?? '',
      ...(t.sourceArn ? { Source: { SourceArn: t.sourceArn, ...(t.sourceType ? { SourceType: t.sourceType } : {}) } } : {}),
      CreationTime: seconds(t.creationTime), LastModifiedTime: seconds(t.lastModifiedTime), ...(t.metadata ? { MetadataProperties: t.metadata } : {}),
    };
  }

  async ListTrials(i: In<'ListTrials'>, ctx: RequestContext): Out<'ListTrials'> {
    const experimentId = i.ExperimentName === undefined ? undefined : (await this.#experiment(i.ExperimentName)).experimentId;
    // An experiment the caller may not describe (on its ARN or its MLflow experiment) is hidden: answered as a missing one is.
    if (experimentId !== undefined) {
      const arn = resourceArn(this.partition, 'experiment', i.ExperimentName as string);
      if (!(await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeExperiment', arn)) || !(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeExperiment', experimentId))) {
        throw new NotFoundError('Experiment', arn);
      }
    }
    const component = i.TrialComponentName === undefined ? undefined : await this.#component(i.TrialComponentName);
    // Which trials hold a component is its run's experiment's to show (checkOnMlflowExperiment); one hidden (there or by its ARN) answers as a missing one.
    if (component) {
      const arn = this.#componentArn(i.TrialComponentName as string);
      if (!(await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeTrialComponent', arn)) || !(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrialComponent', component.experimentId))) {
        throw new NotFoundError('TrialComponent', arn);
      }
    }
    const limit = i.MaxResults ?? LIST_DEFAULT;
    const order: EntityOrder = { sortBy: i.SortBy === 'Name' ? 'name' : 'creationTime', ascending: i.SortOrder === 'Ascending' };
    const start = decodeEntityPageToken(i.NextToken, order, 'ListTrials');
    const filters = {
      ...(experimentId === undefined ? {} : { experimentId }), ...(component === undefined ? {} : { componentName: component.name }),
      ...(i.CreatedAfter === undefined ? {} : { createdAfter: millis(i.CreatedAfter) }), ...(i.CreatedBefore === undefined ? {} : { createdBefore: millis(i.CreatedBefore) }),
    };
    // Read on past trials the caller may not see, so a page is short only when it is the last (fillVisiblePage).
    // The next page starts after this page's last trial (a keyset): a trial deleted meanwhile moves none past it.
    const page = await fillVisiblePage(start, limit, (from, n) => this.t.store.listTrials({ ...filters, ...order, ...from, limit: n }), async (rows) => {
      const out = [];
      for (const t of rows) out.push(await this.#summary(t, ctx));
      return out;
    }, (t) => entityPosition(order, t));
    return { TrialSummaries: page.items, ...(page.next ? { NextToken: encodeEntityPageToken(order, page.next) } : {}) };
  }

  /** The trial's summary, when the caller may see it (its experiment active; DescribeTrial on it and on its MLflow experiment). */
  async #summary(t: TrialRecord, ctx: RequestContext) {
    if (!(await this.#experimentActive(t.experimentId))) return undefined;
    if (!(await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeTrial', this.arn(t.name)))) return undefined;
    if (!(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrial', t.experimentId))) return undefined;
    return {
      TrialArn: this.arn(t.name), TrialName: t.name, DisplayName: t.displayName ?? t.name,
      ...(t.sourceArn ? { TrialSource: { SourceArn: t.sourceArn, ...(t.sourceType ? { SourceType: t.sourceType } : {}) } } : {}),
      CreationTime: seconds(t.creationTime), LastModifiedTime: seconds(t.lastModifiedTime),
    };
  }

  async UpdateTrial(i: In<'UpdateTrial'>, ctx: RequestContext): Out<'UpdateTrial'> {
    const t = await this.#trial(i.TrialName);
    await this.#onTrial(ctx, 'sagemaker:UpdateTrial', t, i.TrialName);
    await this.t.store.updateTrial(t.name, { ...(i.DisplayName === undefined ? {} : { displayName: i.DisplayName }), lastModifiedTime: this.t.clock.now() });
    return { TrialArn: this.arn(t.name) };
  }

  async DeleteTrial(i: In<'DeleteTrial'>, ctx: RequestContext): Out<'DeleteTrial'> {
    const t = await this.#trial(i.TrialName);
    await this.#onTrial(ctx, 'sagemaker:DeleteTrial', t, i.TrialName);
    // Checked and deleted in one step: an AssociateTrialComponent at the same time either comes first (and
    // this fails) or finds the trial gone (and fails).
    const deleted = await this.t.store.deleteTrial(t.name, { unlessHoldingComponent: true });
    if (deleted === 'holds-component') throw new ValidationError(`Trial '${this.arn(t.name)}' has trial components associated with it; disassociate them (DisassociateTrialComponent) before deleting the trial.`);
    if (deleted === 'absent') throw new NotFoundError('Trial', this.arn(i.TrialName));
    await this.tags?.clear(this.arn(t.name));
    return { TrialArn: this.arn(t.name) };
  }

  async AssociateTrialComponent(i: In<'AssociateTrialComponent'>, ctx: RequestContext): Out<'AssociateTrialComponent'> {
    // Each end judged as soon as it is found, so a hidden component answers as a missing one whatever the trial is.
    const c = await this.#component(i.TrialComponentName);
    await this.#onComponent(ctx, 'sagemaker:AssociateTrialComponent', c.experimentId, i.TrialComponentName);
    const t = await this.#trial(i.TrialName);
    await this.#onTrial(ctx, 'sagemaker:AssociateTrialComponent', t, i.TrialName);
    // Checked and linked in one step: a DeleteTrialComponent or DeleteTrial since the reads above leaves nothing linked.
    if (!(await this.t.store.associateTrialComponent(t.name, c.name, this.t.clock.now()))) {
      if (!(await this.t.store.getTrialComponent(c.name))) throw new NotFoundError('TrialComponent', this.#componentArn(c.name));
      throw new NotFoundError('Trial', this.arn(t.name));
    }
    return { TrialComponentArn: this.#componentArn(c.name), TrialArn: this.arn(t.name) };
  }

  async DisassociateTrialComponent(i: In<'DisassociateTrialComponent'>, ctx: RequestContext): Out<'DisassociateTrialComponent'> {
    const c = await this.t.store.getTrialComponent(i.TrialComponentName);
    if (!c) throw new NotFoundError('TrialComponent', this.#componentArn(i.TrialComponentName));
    const run = await this.t.store.getRunInfo(c.runId);
    if (run) await this.#onComponent(ctx, 'sagemaker:DisassociateTrialComponent', guardedExperimentOf(c, run.experimentId), i.TrialComponentName);
    const t = await this.#trial(i.TrialName);
    await this.#onTrial(ctx, 'sagemaker:DisassociateTrialComponent', t, i.TrialName);
    // Taking out a component the trial does not hold changes nothing and is no error (a retried request).
    await this.t.store.disassociateTrialComponent(t.name, c.name);
    return { TrialComponentArn: this.#componentArn(c.name), TrialArn: this.arn(t.name) };
  }
}
