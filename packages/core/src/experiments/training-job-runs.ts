import type { Principal } from '../kernel/context.js';
import type { JobKind } from '../jobs/job.collections.js';
import type { LineageStore } from '../ports/metadata-store.js';
import type { MetricPoint, RunRecord, RunStatus } from '../ports/experiment-store.js';
import { resourceArn, type Partition } from '../kernel/names.js';
import { MAX_ENTITY_KEY_LENGTH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_PARAM_VAL_LENGTH } from './tracking-rules.js';
import type { TrackingService } from './tracking.service.js';
import { parseS3Uri } from '../ports/artifact-store.js';
import { exposeTrainingJobComponent } from './sagemaker/training-job-components.js';

/** Tags that tie a run to the training job that produced it. */
export const JOB_ARN_TAG = 'loam.training_job_arn';
export const JOB_NAME_TAG = 'loam.training_job_name';
export const MODEL_ARTIFACT_TAG = 'loam.model_artifact_uri';

/** What the jobs service knows about a training job, as the experiment run should show it. */
export interface TrainingJobRunInput {
  /** Training (the default), or a processing or transform job with ExperimentConfig: its component's name and source follow it. */
  readonly kind?: JobKind;
  readonly jobName: string;
  readonly jobArn: string;
  /** ExperimentConfig.ExperimentName or MlflowConfig.MlflowExperimentName; the Default experiment when absent. */
  readonly experimentName?: string;
  /** MlflowConfig.MlflowRunName or ExperimentConfig.RunName; the job name when absent. */
  readonly runName?: string;
  /** ExperimentConfig.TrialName: the trial the job's trial component joins (one is made when absent). */
  readonly trialName?: string;
  /** ExperimentConfig.TrialComponentDisplayName. */
  readonly trialComponentDisplayName?: string;
  readonly hyperparameters: Readonly<Record<string, string>>;
  /** SageMaker's TrainingJobStatus: InProgress, Completed, Failed, Stopping, Stopped. */
  readonly status: string;
  /** Epoch ms. */
  readonly startTime: number;
  readonly endTime?: number;
  /** `s3://…/model.tar.gz`, copied into the run's artifacts (under `model/`) once the job completed. */
  readonly modelArtifactUri?: string;
  readonly userName: string;
}

const STATUS: Record<string, RunStatus> = { InProgress: 'RUNNING', Completed: 'FINISHED', Failed: 'FAILED', Stopping: 'RUNNING', Stopped: 'KILLED' };
const clean = (k: string) => k.replace(/[^/\w.\- :]/gu, '_').slice(0, MAX_ENTITY_KEY_LENGTH);
/**
 * A hyperparameter value as a param: SageMaker takes any text, but the experiment store refuses U+0000
 * (PostgreSQL cannot hold it) and unpaired surrogates, so each becomes U+FFFD — else the job's run could
 * never be recorded, and the sync, which follows jobs in order, would stop at it.
 */
const paramValue = (v: unknown) => String(v).slice(0, MAX_PARAM_VAL_LENGTH).replace(/\u0000|[\uD800-\uDFFF]/gu, '\uFFFD');

/**
 * Training jobs as experiment runs, without code in the user's script: the job's hyperparameters
 * become params, its parsed metrics become metric points, its model artifact a run artifact, and the
 * job and the run link both ways (run tags name the job; a lineage edge goes job → run).
 *
 * The jobs service (or the TrainingJobRunSync follower) calls `recordTrainingJobRun` whenever the job
 * changes and `appendMetrics` with new points; both are idempotent per job.
 */
export class TrainingJobRuns {
  readonly #runs = new Map<string, string>();
  /** Jobs whose run is exposed as their trial component already (this process). */
  readonly #exposed = new Set<string>();
  /** Jobs whose job → run lineage edge is recorded already (this process). */
  readonly #linked = new Set<string>();

  /**
   * `checkExperiment`: refuses (throws) unless the job's creator may log its run in the experiment it
   * names — checked when the run is first recorded, since the name may resolve to another experiment than
   * when the job was created (one created or renamed to it since). The sync then skips the job.
   */
  constructor(
    private readonly tracking: TrackingService,
    private readonly partition: Partition,
    private readonly lineage?: LineageStore,
    private readonly checkExperiment?: (job: TrainingJobRunInput & { readonly experimentName: string }) => Promise<void>,
  ) {}

  /** The run of this job, if it has one. */
  async findRun(jobArn: string, experimentName?: string): Promise<RunRecord | undefined> {
    const cached = this.#runs.get(jobArn);
    if (cached) return this.tracking.store.getRun(cached);
    const exp = experimentName ? await this.tracking.store.getExperimentByNameInAnyCase(experimentName) : await this.tracking.getExperiment('0');
    if (!exp) return undefined;
    const [run] = await this.tracking.store.searchRuns({ experimentIds: [exp.experimentId], view: 'ALL', filter: [{ kind: 'tag', key: JOB_ARN_TAG, op: '=', value: jobArn }], orderBy: [], offset: 0, limit: 1 });
    if (run) this.#runs.set(jobArn, run.info.runId);
    return run;
  }

  /** Creates or updates the job's run: status, times, params, tags, and the model artifact once complete. */
  async recordTrainingJobRun(job: TrainingJobRunInput): Promise<{ runId: string; experimentId: string }> {
    await this.tracking.init();
    let run = await this.findRun(job.jobArn, job.experimentName);
    if (!run) {
      let experimentId = '0';
      if (job.experimentName) {
        await this.checkExperiment?.({ ...job, experimentName: job.experimentName });
        // SageMaker's names are case-insensitive: the experiment of this name in another case is the one named (ADR 0009).
        const exp = await this.tracking.store.getExperimentByNameInAnyCase(job.experimentName);
        experimentId = exp ? exp.experimentId : await this.tracking.createExperiment({ name: job.experimentName });
      }
      const principal: Principal = { userName: job.userName, userId: job.userName, arn: '', via: 'system' };
      run = await this.tracking.createRun({
        experimentId, runName: job.runName ?? job.jobName, startTime: job.startTime,
        tags: [{ key: JOB_ARN_TAG, value: job.jobArn }, { key: JOB_NAME_TAG, value: job.jobName }, { key: 'mlflow.source.type', value: 'JOB' }, { key: 'mlflow.source.name', value: job.jobArn }, { key: 'mlflow.user', value: job.userName }],
      }, principal);
      this.#runs.set(job.jobArn, run.info.runId);
    }
    const runId = run.info.runId;
    // Whenever the run was found rather than made too (once per process): the edge is written after the
    // run, outside any transaction, and a run whose edge failed was found by the next call and never linked.
    if (this.lineage && !this.#linked.has(job.jobArn)) {
      await this.lineage.add({ sourceArn: job.jobArn, destinationArn: resourceArn(this.partition, 'mlflow-run', runId), associationType: 'Produced', createdAt: this.tracking.clock.now() });
      this.#linked.add(job.jobArn);
    }
    if (!this.#exposed.has(job.jobArn)) {
      await exposeTrainingJobComponent(this.tracking.store, job, run.info, this.tracking.clock.now());
      this.#exposed.add(job.jobArn);
    }
    const logged = new Set(run.params.map((p) => p.key));
    const params = Object.entries(job.hyperparameters).map(([k, v]) => ({ key: clean(k), value: paramValue(v) })).filter((p) => p.key !== '' && !logged.has(p.key));
    for (let i = 0; i < params.length; i += MAX_PARAMS_TAGS_PER_BATCH) await this.tracking.store.logBatch(runId, { params: params.slice(i, i + MAX_PARAMS_TAGS_PER_BATCH) });
    const status = STATUS[job.status] ?? 'RUNNING';
    if (status !== run.info.status || (job.endTime !== undefined && job.endTime !== run.info.endTime)) {
      await this.tracking.store.updateRunInfo(runId, { status, ...(job.endTime !== undefined && status !== 'RUNNING' ? { endTime: job.endTime } : {}) });
    }
    if (status === 'FINISHED' && job.modelArtifactUri && !run.tags.some((t) => t.key === MODEL_ARTIFACT_TAG)) await this.#copyModel(run, job.modelArtifactUri);
    return { runId, experimentId: run.info.experimentId };
  }

  /** Appends metric points (name, value, epoch-ms timestamp, step) to the job's run. */
  async appendMetrics(jobArn: string, points: readonly MetricPoint[], experimentName?: string): Promise<void> {
    const run = await this.findRun(jobArn, experimentName);
    if (!run || points.length === 0) return;
    const metrics = points.map((p) => ({ ...p, key: clean(p.key) }));
    for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_BATCH) await this.tracking.store.logBatch(run.info.runId, { metrics: metrics.slice(i, i + MAX_METRICS_PER_BATCH) });
  }

  async #copyModel(run: RunRecord, uri: string): Promise<void> {
    const from = parseS3Uri(uri);
    if (!from || from.key === '') return;
    const art = this.tracking.artifacts;
    const name = from.key.split('/').pop() as string;
    const { body } = await art.get(from);
    await art.put(art.refFor(run.info.artifactUri, `model/${name}`), body, 'application/octet-stream');
    await this.tracking.store.logBatch(run.info.runId, { tags: [{ key: MODEL_ARTIFACT_TAG, value: uri }] });
  }
}
