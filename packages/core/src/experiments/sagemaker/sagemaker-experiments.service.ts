import type { InputOf, OutputOf, operations } from '@loam/contracts';
import { isAllowed, type ActionAuthorizer } from '../../kernel/authorizer.js';
import type { RequestContext } from '../../kernel/context.js';
import { NotFoundError, ResourceInUseError, ValidationError } from '../../kernel/errors.js';
import { resourceArn, type Partition } from '../../kernel/names.js';
import type { ExperimentRecord, KeyValue } from '../../ports/experiment-store.js';
import type { TagStore } from '../../ports/metadata-store.js';
import { validateTags } from '../../tags/tag-rules.js';
import { allowedOnMlflowExperiment, checkOnMlflowExperimentOrHide } from './sagemaker-rules.js';
import type { TrackingAccess } from '../tracking-access.js';
import type { TrackingService } from '../tracking.service.js';
import { refuseNextToken } from '../keyset-page-token.js';

type Ops = typeof operations;
type In<K extends keyof Ops> = InputOf<Ops[K]>;
type Out<K extends keyof Ops> = Promise<OutputOf<Ops[K]>>;

/** Where SageMaker's experiment fields live among an MLflow experiment's tags (MLflow's UI shows the note as the description). */
export const DESCRIPTION_TAG = 'mlflow.note.content';
export const DISPLAY_NAME_TAG = 'sagemaker.display_name';

const LIST_DEFAULT = 10;
const seconds = (ms: number) => ms / 1000;
const tagValue = (e: ExperimentRecord, key: string) => e.tags.find((t) => t.key === key)?.value;

/**
 * SageMaker's Experiments API on the experiment store MLflow clients reach (ADR 0009): a SageMaker
 * experiment is the active MLflow experiment of the same name, so one made either way is seen both ways.
 */
export class SageMakerExperimentsService {
  constructor(
    private readonly t: TrackingService,
    private readonly access: TrackingAccess,
    private readonly authorize: ActionAuthorizer,
    private readonly partition: Partition,
    /** The shared tag table: Tags given at creation are the resource's (ListTags, AddTags), as for every resource. */
    private readonly tags?: TagStore,
  ) {}

  /**
   * For the tag service: whether the experiment an ARN names exists, to the caller as DescribeExperiment
   * shows it (its MLflow experiment). Only the ARN Loam gives it (the lower-cased name, this region and
   * account) names it, as every resource's: tags are kept under that ARN, so another spelling would read
   * none and write tags nothing shows.
   */
  readonly exists = async (arn: string, ctx?: RequestContext): Promise<boolean> => {
    const name = arn.slice(arn.indexOf(':experiment/') + ':experiment/'.length);
    const e = await this.t.store.getExperimentByNameInAnyCase(name);
    if (e?.lifecycleStage !== 'active' || this.experimentArn(e.name) !== arn) return false;
    return !ctx || allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeExperiment', e.experimentId);
  };

  experimentArn(name: string): string {
    return resourceArn(this.partition, 'experiment', name);
  }

  /**
   * The active experiment of that name in any ASCII letter case (SageMaker's names are case-insensitive, and
   * held unique so: `getExperimentByNameInAnyCase`); a deleted one is gone, as in SageMaker.
   */
  async experiment(name: string): Promise<ExperimentRecord> {
    await this.t.init();
    const e = await this.t.store.getExperimentByNameInAnyCase(name);
    if (!e || e.lifecycleStage !== 'active') throw new NotFoundError('Experiment', this.experimentArn(name));
    return e;
  }

  /**
   * The action on the experiment's MLflow experiment; refused to a caller who may not describe it either,
   * on its ARN or there, the experiment is hidden from them and answered as a missing one is (ResourceNotFound naming the name given).
   */
  #onMlflow(ctx: RequestContext, action: string, e: ExperimentRecord, given: string): Promise<void> {
    return checkOnMlflowExperimentOrHide(this.authorize, this.partition, ctx.principal, action, 'sagemaker:DescribeExperiment', e.experimentId, () => new NotFoundError('Experiment', this.experimentArn(given)), this.experimentArn(e.name));
  }

  /** The name of the experiment's first trial (by name) the caller may describe, if any. */
  async #firstVisibleTrial(ctx: RequestContext, experimentId: string): Promise<string | undefined> {
    if (!(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeTrial', experimentId))) return undefined;
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await this.t.store.listTrials({ experimentId, sortBy: 'name', ascending: true, offset, limit });
      for (const t of page) if (await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeTrial', resourceArn(this.partition, 'experiment-trial', t.name))) return t.name;
      if (page.length < limit) return undefined;
    }
  }

  async CreateExperiment(i: In<'CreateExperiment'>): Out<'CreateExperiment'> {
    validateTags(i.Tags ?? []);
    const tags: KeyValue[] = [];
    if (i.DisplayName !== undefined) tags.push({ key: DISPLAY_NAME_TAG, value: i.DisplayName });
    if (i.Description !== undefined) tags.push({ key: DESCRIPTION_TAG, value: i.Description });
    const held = await this.t.store.getExperimentByName(i.ExperimentName);
    if (held?.lifecycleStage === 'deleted') {
      throw new ResourceInUseError(`Experiment '${i.ExperimentName}' was deleted and still holds its name: restore it through MLflow (experiment id ${held.experimentId}) or choose another name.`);
    }
    // SageMaker's names are case-insensitive, and the ARN (IAM's resource, the tags' key) is the lower-cased name.
    const other = held ? undefined : await this.t.store.getExperimentByNameInAnyCase(i.ExperimentName);
    if (other) throw new ResourceInUseError(`Experiment '${other.name}' holds the name '${i.ExperimentName}' (SageMaker's names are case-insensitive)${other.lifecycleStage === 'deleted' ? `; it was deleted: restore it through MLflow (experiment id ${other.experimentId}) or choose another name` : ''}.`);
    await this.t.createExperiment({ name: i.ExperimentName, tags });
    // A second write (the tag table is the metadata store's): tags an earlier experiment of the name left are replaced.
    await this.tags?.clear(this.experimentArn(i.ExperimentName));
    if (i.Tags?.length) await this.tags?.put(this.experimentArn(i.ExperimentName), i.Tags);
    return { ExperimentArn: this.experimentArn(i.ExperimentName) };
  }

  async DescribeExperiment(i: In<'DescribeExperiment'>, ctx: RequestContext): Out<'DescribeExperiment'> {
    const e = await this.experiment(i.ExperimentName);
    await this.#onMlflow(ctx, 'sagemaker:DescribeExperiment', e, i.ExperimentName);
    const description = tagValue(e, DESCRIPTION_TAG);
    return {
      ExperimentName: e.name, ExperimentArn: this.experimentArn(e.name), DisplayName: tagValue(e, DISPLAY_NAME_TAG) ?? e.name,
      ...(description === undefined ? {} : { Description: description }),
      CreationTime: seconds(e.creationTime), LastModifiedTime: seconds(e.lastUpdateTime),
    };
  }

  async ListExperiments(i: In<'ListExperiments'>, ctx: RequestContext): Out<'ListExperiments'> {
    const filter = [
      ...(i.CreatedAfter === undefined ? [] : [`creation_time > ${Math.floor(i.CreatedAfter * 1000)}`]),
      ...(i.CreatedBefore === undefined ? [] : [`creation_time < ${Math.ceil(i.CreatedBefore * 1000)}`]),
    ].join(' AND ');
    const order = `${i.SortBy === 'Name' ? 'name' : 'creation_time'} ${i.SortOrder === 'Ascending' ? 'ASC' : 'DESC'}`;
    // Only experiments the caller may describe (by ARN and on the MLflow experiment), the page filled past the rest
    // (fillVisiblePage, through searchExperiments' `visible`): a short page with a NextToken tells nothing hidden is there.
    const visible = async (rows: readonly ExperimentRecord[]) => {
      const out: ExperimentRecord[] = [];
      for (const e of rows) {
        if (!(await isAllowed(this.authorize, ctx.principal, 'sagemaker:DescribeExperiment', this.experimentArn(e.name)))) continue;
        if (!(await allowedOnMlflowExperiment(this.authorize, this.partition, ctx.principal, 'sagemaker:DescribeExperiment', e.experimentId))) continue;
        out.push(e);
      }
      return out;
    };
    const page = await this.t.searchExperiments({ filter, orderBy: [order], viewType: 'ACTIVE_ONLY', maxResults: i.MaxResults ?? LIST_DEFAULT, ...(i.NextToken ? { pageToken: i.NextToken } : {}), refuseToken: refuseNextToken(i.NextToken ?? '', 'ListExperiments'), visible });
    const summaries = page.experiments.map((e) => ({ ExperimentArn: this.experimentArn(e.name), ExperimentName: e.name, DisplayName: tagValue(e, DISPLAY_NAME_TAG) ?? e.name, CreationTime: seconds(e.creationTime), LastModifiedTime: seconds(e.lastUpdateTime) }));
    return { ExperimentSummaries: summaries, ...(page.nextPageToken ? { NextToken: page.nextPageToken } : {}) };
  }

  async UpdateExperiment(i: In<'UpdateExperiment'>, ctx: RequestContext): Out<'UpdateExperiment'> {
    const e = await this.experiment(i.ExperimentName);
    await this.#onMlflow(ctx, 'sagemaker:UpdateExperiment', e, i.ExperimentName);
    if (i.DisplayName !== undefined) await this.t.setExperimentTag(e.experimentId, DISPLAY_NAME_TAG, i.DisplayName);
    if (i.Description !== undefined) await this.t.setExperimentTag(e.experimentId, DESCRIPTION_TAG, i.Description);
    return { ExperimentArn: this.experimentArn(e.name) };
  }

  async DeleteExperiment(i: In<'DeleteExperiment'>, ctx: RequestContext): Out<'DeleteExperiment'> {
    const e = await this.experiment(i.ExperimentName);
    if (e.experimentId === '0') throw new ValidationError(`Experiment '${e.name}' is MLflow's Default experiment, which cannot be deleted.`);
    await this.#onMlflow(ctx, 'sagemaker:DeleteExperiment', e, i.ExperimentName);
    // As SageMaker: its trials are deleted first.
    const trials = await this.t.store.listTrials({ experimentId: e.experimentId, sortBy: 'name', ascending: true, offset: 0, limit: 1 });
    if (trials.length) {
      // Named only if the caller may see it (DescribeTrial on it and on its MLflow experiment); none named when none is.
      const shown = await this.#firstVisibleTrial(ctx, e.experimentId);
      throw new ValidationError(`Experiment '${this.experimentArn(e.name)}' has trials${shown === undefined ? '' : ` (${shown})`}; delete them (DeleteTrial) before deleting the experiment.`);
    }
    await this.access.checkRunsFollowing(ctx.principal, 'delete', e.experimentId);
    await this.t.deleteExperiment(e.experimentId);
    await this.tags?.clear(this.experimentArn(e.name));
    return { ExperimentArn: this.experimentArn(e.name) };
  }
}
