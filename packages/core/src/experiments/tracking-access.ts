import { isAllowed, type ActionAuthorizer } from '../kernel/authorizer.js';
import type { Principal } from '../kernel/context.js';
import { AccessDeniedError } from '../kernel/errors.js';
import { parseArn, resourceArn, type Partition } from '../kernel/names.js';
import type { ExperimentRecord, RunRecord } from '../ports/experiment-store.js';
import type { TrackingService } from './tracking.service.js';
import { noExperimentNamed, noRun } from './tracking-errors.js';

/** The describe actions: what answers holding an experiment's or a run's details are checked as. */
const GET_EXPERIMENT = 'sagemaker:GetMlflowExperiment';
const GET_RUN = 'sagemaker:GetMlflowRun';

/**
 * Who may see and change which experiments and runs, for the MLflow API and Loam's REST operations
 * alike. A run belongs to its experiment, so an action on a run is checked on both: on
 * `mlflow-run/<id>` by the transport before the handler (the request names the run), and on the run's
 * `mlflow-experiment/<id>` here, once the run is found. Searches answer only what the caller may
 * describe: an experiment needs `GetMlflowExperiment` on it, a run `GetMlflowRun` on the run and on its
 * experiment (what `experiments/get` and `runs/get` need).
 */
export class TrackingAccess {
  constructor(
    private readonly tracking: TrackingService,
    private readonly authorize: ActionAuthorizer,
    private readonly partition: Partition,
  ) {}

  experimentArn(experimentId: string): string {
    return resourceArn(this.partition, 'mlflow-experiment', experimentId);
  }

  runArn(runId: string): string {
    return resourceArn(this.partition, 'mlflow-run', runId);
  }

  /** Refuses (AccessDeniedException) unless the caller may `action` on the experiment. */
  async checkExperiment(principal: Principal, action: string, experimentId: string): Promise<void> {
    await this.authorize(principal, action, this.experimentArn(experimentId));
  }

  /**
   * Deleting an experiment deletes its active runs, and restoring it restores its deleted ones (as
   * MLflow does): when there is such a run, the caller must also be allowed `DeleteMlflowRun`
   * (`RestoreMlflowRun`) on the experiment, the check each of those runs would get on its own.
   * Otherwise a caller refused `runs/delete` deleted every run of an experiment in one request. An
   * unknown experiment is ResourceNotFound, as the handler would answer.
   * @throws AccessDeniedException naming the run action.
   */
  async checkRunsFollowing(principal: Principal, change: 'delete' | 'restore', experimentId: string | undefined): Promise<void> {
    const e = await this.tracking.getExperiment(experimentId);
    const affected = await this.tracking.searchRuns({ experimentIds: [e.experimentId], viewType: change === 'delete' ? 'ACTIVE_ONLY' : 'DELETED_ONLY', maxResults: 1 });
    if (affected.runs.length === 0) return;
    const action = change === 'delete' ? 'sagemaker:DeleteMlflowRun' : 'sagemaker:RestoreMlflowRun';
    try {
      await this.checkExperiment(principal, action, e.experimentId);
    } catch (err) {
      if ((err as { code?: string }).code !== 'AccessDeniedException') throw err;
      throw new AccessDeniedError(`${(err as Error).message} ${change === 'delete' ? 'Deleting' : 'Restoring'} experiment ${e.experimentId} ${change === 'delete' ? 'deletes its runs' : 'restores its deleted runs'} too.`);
    }
  }

  /**
   * Refuses unless the caller may `action` on the run's experiment; an unknown run is ResourceNotFound,
   * as the handler would answer. The run's own ARN is the transport's check. A run hidden from the caller
   * (who may not describe it: `GetMlflowRun` on the run and on its experiment, as `runs/get` and searches
   * need) answers as an unknown one does, MLflow's RESOURCE_DOES_NOT_EXIST with its message, whatever the
   * action — a caller may not change a run they may not see (MLflow's EDIT includes READ), and the answer
   * does not say it exists; one they may describe and not `action` is refused (AccessDeniedException).
   */
  async checkRunExperiment(principal: Principal, action: string, runId: string | undefined): Promise<void> {
    const info = await this.tracking.runInfo(runId);
    const visible = (await isAllowed(this.authorize, principal, GET_RUN, this.experimentArn(info.experimentId))) && (await isAllowed(this.authorize, principal, GET_RUN, this.runArn(info.runId)));
    if (!visible) throw noRun(info.runId);
    if (action !== GET_RUN) await this.checkExperiment(principal, action, info.experimentId);
  }

  /**
   * The experiment a name resolves to (`experiments/get-by-name`: the name is resolved before any ARN is
   * known), when the caller may describe it (`GetMlflowExperiment` on it); one they may not is answered as
   * an unknown name is (RESOURCE_DOES_NOT_EXIST, MLflow's message), so the answer does not say it exists.
   */
  async experimentByName(principal: Principal, name: string | undefined): Promise<ExperimentRecord> {
    const e = await this.tracking.getExperimentByName(name);
    if (!(await isAllowed(this.authorize, principal, GET_EXPERIMENT, this.experimentArn(e.experimentId)))) throw noExperimentNamed(name as string);
    return e;
  }

  /**
   * For a lineage vertex: whether the caller may describe the run `arn` names (as `runs/get`: the run
   * and its experiment), undefined for an ARN that is not an MLflow run's. A run no longer stored has
   * no experiment to check; its own ARN decides.
   */
  runArnVisible(principal: Principal, arn: string): Promise<boolean> | undefined {
    const a = parseArn(arn);
    if (a?.kind !== 'mlflow-run' || arn !== this.runArn(a.name)) return undefined;
    return (async () => {
      const runVisible = () => isAllowed(this.authorize, principal, GET_RUN, arn);
      const info = await this.tracking.runInfo(a.name).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'ResourceNotFound') return undefined;
        throw e;
      });
      if (info === undefined) return runVisible();
      return (await isAllowed(this.authorize, principal, GET_RUN, this.experimentArn(info.experimentId))) && runVisible();
    })();
  }

  /** The experiments the caller may describe, in their order. */
  async visibleExperiments(principal: Principal, experiments: readonly ExperimentRecord[]): Promise<ExperimentRecord[]> {
    const out: ExperimentRecord[] = [];
    for (const e of experiments) if (await isAllowed(this.authorize, principal, GET_EXPERIMENT, this.experimentArn(e.experimentId))) out.push(e);
    return out;
  }

  /** The runs the caller may describe (the run and its experiment), in their order. */
  async visibleRuns(principal: Principal, runs: readonly RunRecord[]): Promise<RunRecord[]> {
    const experiments = new Map<string, Promise<boolean>>();
    const experimentVisible = (id: string) => {
      let p = experiments.get(id);
      if (!p) experiments.set(id, (p = isAllowed(this.authorize, principal, GET_RUN, this.experimentArn(id))));
      return p;
    };
    const out: RunRecord[] = [];
    for (const r of runs) {
      if ((await experimentVisible(r.info.experimentId)) && (await isAllowed(this.authorize, principal, GET_RUN, this.runArn(r.info.runId)))) out.push(r);
    }
    return out;
  }
}
