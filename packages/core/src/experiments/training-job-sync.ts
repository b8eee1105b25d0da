import { ConflictError, ServiceUnavailableError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { LoopFailureLog } from '../kernel/loop-failure-log.js';
import { FollowedVersions, nextTurn } from '../kernel/followed-versions.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { MetricPoint } from '../ports/experiment-store.js';
import { jobsCollection, type JobRecord } from '../jobs/job.collections.js';
import type { TrainingJobRunInput, TrainingJobRuns } from './training-job-runs.js';

export interface TrainingJobRunSyncOptions {
  readonly store: MetadataStore;
  readonly runs: TrainingJobRuns;
  readonly logger: Logger;
  /** How often changed jobs are looked for. Default 1 s. */
  readonly intervalMs?: number;
  /** Passes in a row a job's sync may fail (other than with the store unavailable) before it is skipped. Default 5. */
  readonly maxAttempts?: number;
}

/**
 * The tag on a training job whose run could not be recorded (its value is the reason): the sync skips
 * it from then on, after this server and after a restart, instead of stopping at it.
 */
export const RUN_SYNC_SKIPPED_TAG = 'loam:experiment-run-sync-skipped';

/** Training jobs read per page. */
const PAGE = 100;
/**
 * The event loop takes a turn between two pages, and within a page once its jobs took this long (ms):
 * on SQLite the pass's awaits never yield by themselves, and every start reads every job again.
 */
export const RUN_SYNC_TURN_MS = 50;
/**
 * How far before its watermark each pass reads again (s): a job whose `lastModifiedTime` was taken
 * before another's but whose write committed after it (two concurrent updates, or two servers on one
 * database) was already behind the watermark when it became visible. Jobs read again at a version
 * already recorded are passed over; recording one again is harmless (its run, params, status and model
 * are found as they are, its metric points already logged are not sent again).
 */
export const RUN_SYNC_LAG_S = 600;

/** A store that cannot serve now (or a write that raced another) may on the next pass: retried, never skipped. */
const transient = (e: unknown) => e instanceof ServiceUnavailableError || e instanceof ConflictError;

/** A tag value: SageMaker's tag characters, at most 256. */
const tagText = (s: string) => s.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, ' ').slice(0, 256);

/** A training job record as its run's input: ExperimentConfig / MlflowConfig pick the experiment and run name. */
export function trainingJobRunInput(r: JobRecord): TrainingJobRunInput {
  const req = r.request as { HyperParameters?: Record<string, string>; ExperimentConfig?: { ExperimentName?: string; RunName?: string; TrialName?: string; TrialComponentDisplayName?: string }; MlflowConfig?: { MlflowExperimentName?: string; MlflowRunName?: string } };
  const experimentName = req.MlflowConfig?.MlflowExperimentName ?? req.ExperimentConfig?.ExperimentName;
  const runName = req.MlflowConfig?.MlflowRunName ?? req.ExperimentConfig?.RunName ?? req.ExperimentConfig?.TrialComponentDisplayName;
  return {
    kind: r.kind, jobName: r.name, jobArn: r.arn, hyperparameters: req.HyperParameters ?? {}, status: r.status,
    startTime: Math.round((r.startTime ?? r.creationTime) * 1000), userName: r.createdBy ?? 'loam-system',
    ...(experimentName ? { experimentName } : {}), ...(runName ? { runName } : {}),
    ...(req.ExperimentConfig?.TrialName ? { trialName: req.ExperimentConfig.TrialName } : {}),
    ...(req.ExperimentConfig?.TrialComponentDisplayName ? { trialComponentDisplayName: req.ExperimentConfig.TrialComponentDisplayName } : {}),
    ...(r.endTime !== undefined ? { endTime: Math.round(r.endTime * 1000) } : {}),
    ...(r.modelArtifacts ? { modelArtifactUri: r.modelArtifacts } : {}),
  };
}

/** The job kinds the sync follows: every training job, and processing and transform jobs with ExperimentConfig. */
const FOLLOWED_KINDS = ['training-job', 'processing-job', 'transform-job'] as const;

/**
 * Whether a job has a run and trial component: every training job (its run goes to the Default experiment
 * without ExperimentConfig); a processing or transform job only when its ExperimentConfig names an experiment
 * or a trial (SageMaker's CreateProcessingJob/CreateTransformJob ExperimentConfig).
 */
export function jobHasRun(r: JobRecord): boolean {
  if (r.kind === 'training-job') return true;
  const c = (r.request as { ExperimentConfig?: { ExperimentName?: string; TrialName?: string } }).ExperimentConfig;
  return Boolean(c?.ExperimentName || c?.TrialName);
}

/**
 * Follows training jobs (and processing and transform jobs with ExperimentConfig: jobHasRun) into experiment runs: every interval it reads the training jobs changed since
 * the last pass (an indexed `lastModifiedTime` query) and records each one's run and new metric points.
 * It needs nothing from the jobs service but its records, so a user's script logs nothing itself.
 * Steps count the points of each metric in arrival order, continuing from the run's latest step.
 *
 * Each pass reads from the watermark less {@link RUN_SYNC_LAG_S}, so a write that committed late is not
 * missed; a job read again at the version it was recorded at is passed over.
 *
 * The watermark is this process's only: a start reads every training job again (their runs and points
 * are found and left as they are). The pass gives the event loop a turn between pages and every
 * {@link RUN_SYNC_TURN_MS}, so requests are served meanwhile. The watermark is not stored: the runs it
 * stands for live in the experiment store, which may be another database, so it could not commit with
 * them, and a stored one would outlive an experiment store that was reset or replaced.
 */
export class TrainingJobRunSync {
  #watermark = 0;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<number> | undefined;
  /** Per job ARN and metric: the time (epoch s) and step of the last point already logged. */
  readonly #synced = new Map<string, Map<string, { time: number; step: number }>>();
  /** Per job ARN: passes in a row its sync failed. */
  readonly #failures = new Map<string, number>();
  /** Per job ARN within the lag: the version (and its `lastModifiedTime`) last recorded or skipped. */
  readonly #seen = new FollowedVersions();

  constructor(private readonly o: TrainingJobRunSyncOptions) {}

  start(): void {
    const failures = new LoopFailureLog(this.o.logger, 'training job run sync failed');
    this.#timer ??= setInterval(() => void this.syncOnce().then(() => failures.succeeded(), (err: unknown) => failures.failed(err)), this.o.intervalMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pass?.catch(() => undefined);
  }

  /** One pass; returns how many jobs it recorded. Passes never overlap. */
  syncOnce(): Promise<number> {
    this.#pass ??= this.#sync().finally(() => (this.#pass = undefined));
    return this.#pass;
  }

  async #sync(): Promise<number> {
    const jobs = this.o.store.collection(jobsCollection);
    let n = 0;
    let nextToken: string | undefined;
    const since = this.#watermark - RUN_SYNC_LAG_S;
    let turn = performance.now();
    do {
      const page = await jobs.list({
        filters: [{ field: 'kind', op: 'in', value: [...FOLLOWED_KINDS] }, { field: 'lastModifiedTime', op: 'gte', value: since }],
        sortBy: 'lastModifiedTime', sortOrder: 'Ascending', maxResults: PAGE, ...(nextToken ? { nextToken } : {}),
      });
      for (const { value: job, version } of page.items) {
        if (this.#seen.recorded(job.arn, version)) continue;
        if (jobHasRun(job) && (await this.#recordOrSkip(job))) n++;
        this.#seen.note(job.arn, version, job.lastModifiedTime);
        this.#watermark = Math.max(this.#watermark, job.lastModifiedTime);
        if (performance.now() - turn >= RUN_SYNC_TURN_MS) {
          await nextTurn();
          turn = performance.now();
        }
      }
      nextToken = page.nextToken;
      if (nextToken) {
        await nextTurn();
        turn = performance.now();
      }
    } while (nextToken);
    // Jobs the next pass no longer reads need no version kept.
    this.#seen.forgetBefore(this.#watermark - RUN_SYNC_LAG_S);
    return n;
  }

  /**
   * Records the job's run; true when it did. A failure with the store unavailable stops the pass (the
   * next one retries from this job). Any other failure is retried on the next passes, and after
   * `maxAttempts` in a row the job is skipped: logged once at error level and tagged with the reason,
   * so later jobs get their runs and no server retries it again (a job already tagged is skipped at its
   * first failure).
   */
  async #recordOrSkip(job: JobRecord): Promise<boolean> {
    try {
      await this.#record(job);
      this.#failures.delete(job.arn);
      return true;
    } catch (e) {
      if (transient(e)) throw e;
      const tags = this.o.store.tags;
      if ((await tags.list(job.arn)).some((t) => t.Key === RUN_SYNC_SKIPPED_TAG)) return false;
      const failures = (this.#failures.get(job.arn) ?? 0) + 1;
      if (failures < (this.o.maxAttempts ?? 5)) {
        this.#failures.set(job.arn, failures);
        throw e;
      }
      const reason = e instanceof Error ? e.message : String(e);
      await tags.put(job.arn, [{ Key: RUN_SYNC_SKIPPED_TAG, Value: tagText(reason) }]);
      this.#failures.delete(job.arn);
      this.o.logger.error({ trainingJobName: job.name, reason, attempts: failures }, 'training job run sync skipped a job: its run cannot be recorded');
      return false;
    }
  }

  async #record(job: JobRecord): Promise<void> {
    const input = trainingJobRunInput(job);
    const { runId } = await this.o.runs.recordTrainingJobRun(input);
    let seen = this.#synced.get(job.arn);
    if (!seen) {
      // After a restart, continue from what the run already holds.
      const run = await this.o.runs.findRun(job.arn, input.experimentName);
      seen = new Map((run?.metrics ?? []).map((m) => [m.key, { time: m.timestamp / 1000, step: m.step }]));
      this.#synced.set(job.arn, seen);
    }
    const points: MetricPoint[] = [];
    const next = new Map<string, { time: number; step: number }>();
    for (const [name, series] of Object.entries(job.metricSeries)) {
      const last = seen.get(name) ?? { time: -Infinity, step: -1 };
      let { step } = last;
      let time = last.time;
      for (const [t, value] of series.points) {
        if (t <= last.time) continue;
        points.push({ key: name, value, timestamp: Math.round(t * 1000), step: ++step });
        time = t;
      }
      next.set(name, { time, step });
    }
    if (points.length) await this.o.runs.appendMetrics(job.arn, points, input.experimentName);
    // Only once they are stored: when the append fails (even after some of its batches) the next pass
    // sends the same points again, with the same steps, and the store keeps each point once.
    for (const [name, mark] of next) seen.set(name, mark);
    void runId;
  }
}
