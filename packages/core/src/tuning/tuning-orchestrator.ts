import { errorStatus, type InputOf, type operations } from '@loam/contracts';
import type { Clock } from '../kernel/clock.js';
import { systemPrincipal, type RequestContext } from '../kernel/context.js';
import { isLoamError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { JobRecord } from '../jobs/job.collections.js';
import type { TrainingJobService } from '../jobs/training-job.service.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { childJobName, definitionOf, formatTuned, objectiveHyperparameter, planTuningJob, type TuningPlan } from './tuning-plan.js';
import type { HyperbandDecider, TrialHistoryEntry, TunedConfig, TuningEngine } from './tuning-engine.js';
import { bestTrial } from './tuning-summaries.js';
import { tuningJobsCollection, type TrialRecord, type TuningJobRecord } from './tuning.collections.js';

type CreateInput = InputOf<(typeof operations)['CreateHyperParameterTuningJob']>;
type TrainingInput = InputOf<(typeof operations)['CreateTrainingJob']>;

export interface TuningOrchestratorOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly training: TrainingJobService;
  readonly engine: TuningEngine;
  readonly logger: Logger;
}

const ctx: RequestContext = { principal: systemPrincipal, requestId: 'tuning-orchestrator' };
const ended = (s: string): s is 'Completed' | 'Failed' | 'Stopped' => s === 'Completed' || s === 'Failed' || s === 'Stopped';

/**
 * Moves tuning jobs forward, one pass at a time ({@link advanceAll}): settles finished trials, applies
 * early stopping (median rule or Hyperband) to running ones, checks completion criteria, and starts new
 * training jobs with the strategy's suggestions while parallel slots are free. Everything it needs is
 * in the tuning-job record and the training jobs' records, so any server can run a pass after a restart.
 */
export class TuningOrchestrator {
  private running: Promise<void> | undefined;
  private again = false;
  /** Children CreateTrainingJob refused, with its message, until the next pass records them Failed. */
  private readonly refused = new Map<string, string>();

  constructor(private readonly o: TuningOrchestratorOptions) {}

  /** Runs a pass over every active tuning job (passes never overlap; a call during one queues another). */
  advanceAll(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const page = await this.o.store.collection(tuningJobsCollection).list({ filters: [{ field: 'status', op: 'in', value: ['InProgress', 'Stopping'] }], maxResults: 1000 });
        for (const r of page.items) {
          try {
            await this.advance(r.value.id);
          } catch (e) {
            if (isLoamError(e) && e.code === 'ConflictException') this.again = true;
            else this.o.logger.error({ err: e, tuningJob: r.value.name }, 'tuning pass failed');
          }
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async advance(id: string): Promise<void> {
    const col = this.o.store.collection(tuningJobsCollection);
    const got = await col.get(id);
    if (!got) return;
    const job = got.value;
    const plan = planTuningJob(job.request as unknown as CreateInput, this.o.engine);
    // Each trial reports the objective metric of the definition it runs.
    const metricOf = (index: number): string => plan.definitions[definitionOf(plan, index)]!.objective.metricName;
    const hb = plan.hyperband ? this.o.engine.hyperband(plan.hyperband) : undefined;
    const now = this.o.clock.now() / 1000;
    const trials = job.trials.map((t) => ({ ...t }) as { -readonly [K in keyof TrialRecord]: TrialRecord[K] });
    const live = new Map<string, JobRecord>();
    const toStop: string[] = [];

    // Trials recorded by a pass whose CreateTrainingJob never came (the server stopped in between): created now.
    const unlaunched: TrialRecord[] = [];
    for (const t of trials) {
      if (t.final) continue;
      const child = await this.o.training.jobs.get(t.trainingJobName).catch(() => undefined);
      if (!child) {
        const refused = this.refused.get(t.trainingJobName);
        if (refused === undefined && job.status === 'InProgress') {
          unlaunched.push(t);
          continue;
        }
        t.final = { status: refused === undefined ? 'Stopped' : 'Failed', ...(refused ? { refused } : {}) };
        continue;
      }
      const metric = metricOf(t.index);
      const series = child.metricSeries[metric]?.points.map((p) => p[1]) ?? [];
      if (ended(child.status)) {
        const objective = child.finalMetrics[metric]?.value;
        t.final = { status: child.status, series, ...(objective !== undefined ? { objective } : {}), ...(child.endTime !== undefined ? { endTime: child.endTime } : {}) };
      } else {
        live.set(t.trainingJobName, child);
      }
    }
    const seriesOf = (t: TrialRecord): readonly number[] => t.final?.series ?? live.get(t.trainingJobName)?.metricSeries[metricOf(t.index)]?.points.map((p) => p[1]) ?? [];

    // Early stopping of running trials.
    if (job.status === 'InProgress') {
      for (const t of trials) {
        const child = live.get(t.trainingJobName);
        if (!child || child.status !== 'InProgress' || child.stopRequested || t.earlyStopped) continue;
        const current = seriesOf(t);
        if (current.length === 0) continue;
        if (plan.hyperband && current.length >= plan.hyperband.maxResource) {
          // SageMaker: "Once a job reaches the MaxResource value, it is stopped." A full-length trial, not an early stop.
          toStop.push(t.trainingJobName);
          continue;
        }
        let stop = false;
        if (plan.earlyStopping === 'Auto') {
          // Only trials of the same definition report the same metric.
          const previous = trials.filter((p) => p.index < t.index && definitionOf(plan, p.index) === definitionOf(plan, t.index)).map(seriesOf);
          stop = this.o.engine.medianStop({ current, previous, direction: plan.objective.type });
        } else if (hb && t.bracket !== undefined) {
          const judged = new Set(t.judgedRungs ?? []);
          for (const rung of hb.rungs(t.bracket)) {
            if (rung > current.length || judged.has(rung)) continue;
            judged.add(rung);
            const peers = trials.filter((p) => p !== t && p.bracket === t.bracket).map(seriesOf).filter((s) => s.length >= rung).map((s) => s[rung - 1] as number);
            if (hb.shouldStop(t.bracket, rung, current[rung - 1] as number, peers, plan.objective.type)) stop = true;
          }
          t.judgedRungs = [...judged].sort((a, b) => a - b);
        }
        if (stop) {
          t.earlyStopped = true;
          toStop.push(t.trainingJobName);
        }
      }
    }

    // Completion criteria.
    let exhausted = job.exhausted ?? false;
    let notImproving = job.notImproving;
    const best = bestTrial(trials, plan.objective.type);
    const bestValue = best?.final?.objective;
    if (plan.targetValue !== undefined && bestValue !== undefined && (plan.objective.type === 'Maximize' ? bestValue >= plan.targetValue : bestValue <= plan.targetValue)) exhausted = true;
    if (plan.maxNotImproving !== undefined) {
      notImproving = countNotImproving(trials, plan.objective.type);
      if (notImproving >= plan.maxNotImproving) exhausted = true;
    }
    let convergence = job.convergence;
    if (plan.convergence !== undefined && convergence?.detectedTime === undefined) {
      const judgement = this.judgeConvergence(plan, trials, convergence, now);
      convergence = judgement.convergence;
      if (judgement.more) this.again = true;
    }
    if (convergence?.detectedTime !== undefined && plan.convergence === 'Enabled') exhausted = true;
    if (plan.maxRuntimeSeconds !== undefined && now - job.creationTime > plan.maxRuntimeSeconds) exhausted = true;
    if (trials.length >= plan.maxJobs) exhausted = true;
    const stopping = job.status === 'Stopping';
    if (stopping || (exhausted && trials.length < plan.maxJobs)) {
      // A stop, or a criterion met early: running trials end now.
      for (const name of live.keys()) if (!toStop.includes(name)) toStop.push(name);
    }

    // New trials for free slots.
    const created: TrialRecord[] = [];
    if (!stopping && !exhausted) {
      const running = trials.filter((t) => !t.final).length;
      const count = Math.min(plan.maxParallel - running, plan.maxJobs - trials.length);
      if (count > 0) {
        // Trials take the definitions in turn; each definition has its own search over its own ranges,
        // fed with its own trials (and, for a single definition, the warm-start parents').
        const indices = Array.from({ length: count }, (_, i) => trials.length + i);
        const proposals = new Map<number, TunedConfig[]>();
        const historyOf = (d: number): TrialHistoryEntry[] => [
          ...(d === 0 ? job.parents.map((p) => ({ config: p.config, state: p.value !== undefined ? ('complete' as const) : ('failed' as const), ...(p.value !== undefined ? { value: p.value } : {}) })) : []),
          ...trials.filter((t) => definitionOf(plan, t.index) === d)
            .map((t) => ({ config: t.config, state: !t.final ? ('pending' as const) : t.final.objective !== undefined ? ('complete' as const) : ('failed' as const), ...(t.final?.objective !== undefined ? { value: t.final.objective } : {}) })),
        ];
        for (const d of new Set(indices.map((i) => definitionOf(plan, i)))) {
          const def = plan.definitions[d]!;
          const search = this.o.engine.createSearch(plan.strategy, { ranges: def.ranges, objective: plan.objective.type, seed: definitionSeed(plan.seed, d) });
          proposals.set(d, search.suggest({ history: historyOf(d), count: indices.filter((i) => definitionOf(plan, i) === d).length }));
        }
        for (const index of indices) {
          // A definition whose (categorical) space ran out ends the alternation: no later trial index is skipped.
          const config = proposals.get(definitionOf(plan, index))!.shift();
          if (!config) break;
          const tuned = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, formatTuned(v)]));
          const t: TrialRecord = { index, trainingJobName: childJobName(job.name, index, job.arn), config, tuned, ...(hb ? { bracket: hb.bracketOf(index) } : {}) };
          trials.push(t);
          created.push(t);
        }
        if (created.length === 0 && running === 0) exhausted = true;
      }
    }

    const allDone = trials.every((t) => t.final);
    let status = job.status;
    let failureReason = job.failureReason;
    if (allDone && created.length === 0 && (stopping || exhausted || trials.length >= plan.maxJobs)) {
      if (stopping) status = 'Stopped';
      else if (trials.some((t) => t.final?.objective !== undefined)) status = 'Completed';
      else {
        status = 'Failed';
        const metrics = [...new Set(plan.definitions.map((d) => `'${d.objective.metricName}'`))].join(' or ');
        const refused = trials.find((t) => t.final?.refused)?.final?.refused;
        failureReason = refused
          ? `None of the ${trials.length} training jobs reported the objective metric ${metrics}; CreateTrainingJob refused a request: ${refused}`.slice(0, 1024)
          : `None of the ${trials.length} training jobs reported the objective metric ${metrics}.`;
      }
    }
    const next: TuningJobRecord = {
      ...job, trials, status, lastModifiedTime: now, exhausted, ...(notImproving !== undefined ? { notImproving } : {}), ...(convergence ? { convergence } : {}),
      ...(status !== job.status && ended(status) ? { endTime: now } : {}),
      ...(failureReason ? { failureReason } : {}),
    };
    await col.update(id, got.version, next);
    for (const t of trials) if (t.final?.refused) this.refused.delete(t.trainingJobName); // recorded now

    for (const name of toStop) {
      await this.o.training.jobs.stop(name).catch(() => undefined); // already ended: nothing to stop
    }
    const failed: string[] = [];
    for (const t of [...unlaunched, ...created]) {
      try {
        // The manifests the tuning job's request named stay held to the prefixes checked then (ADR 0019).
        const checked = job.checkedManifests ? { ...ctx, checkedManifests: new Map(Object.entries(job.checkedManifests)) } : ctx;
        await this.o.training.CreateTrainingJob(childRequest(plan, t), checked, { tuningJobArn: job.arn, ...(job.createdBy ? { createdBy: job.createdBy } : {}) });
      } catch (e) {
        if (isLoamError(e) && e.code === 'ResourceInUse') continue; // created by an interrupted earlier pass
        this.o.logger.warn({ err: e, tuningJob: job.name, trainingJob: t.trainingJobName }, 'tuning: training job refused');
        failed.push(t.trainingJobName);
        // A request the service refused (4xx) says why; anything else is not the user's to read.
        const clientError = isLoamError(e) && errorStatus[e.code] < 500;
        this.refused.set(t.trainingJobName, clientError ? (e as Error).message.slice(0, 900) : 'an internal error (see the server log)');
      }
    }
    if (failed.length > 0) this.again = true; // the next pass finds them missing and marks them Failed
  }

  /**
   * `ConvergenceDetected`: judges each newly completed full-length trial (Completed, not early-stopped,
   * a finite objective; the job's own trials, not warm-start parents) in order of ending, on the trials
   * judged before it and itself, at most 20 per pass. Converged: for every definition, the model of its
   * trials expects no configuration to beat the job's best by more than 1 % of it, in two judgements in
   * a row. The judged order is stored, so a restart replays the same judgements.
   */
  private judgeConvergence(plan: TuningPlan, trials: readonly TrialRecord[], state: TuningJobRecord['convergence'], now: number): { convergence: NonNullable<TuningJobRecord['convergence']>; more: boolean } {
    const judged = [...(state?.judged ?? [])];
    let streak = state?.streak ?? 0;
    const done = new Set(judged);
    const fresh = trials
      .filter((t) => !done.has(t.index) && t.final?.status === 'Completed' && !t.earlyStopped && Number.isFinite(t.final.objective))
      .sort((a, b) => (a.final!.endTime ?? 0) - (b.final!.endTime ?? 0) || a.index - b.index);
    const byIndex = new Map(trials.map((t) => [t.index, t]));
    const direction = plan.objective.type;
    for (const t of fresh.slice(0, 20)) {
      judged.push(t.index);
      const seen = judged.map((i) => byIndex.get(i)!);
      const values = seen.map((s) => s.final!.objective!);
      const incumbent = direction === 'Maximize' ? Math.max(...values) : Math.min(...values);
      const below = plan.definitions.every((def, d) => {
        const history = seen.filter((s) => definitionOf(plan, s.index) === d).map((s) => ({ config: s.config, state: 'complete' as const, value: s.final!.objective! }));
        const e = this.o.engine.expectedImprovement({ ranges: def.ranges, objective: direction, seed: definitionSeed(plan.seed, d), history, incumbent });
        return e !== undefined && e.improvement <= 0.01 * Math.abs(incumbent);
      });
      streak = below ? streak + 1 : 0;
      if (streak >= 2) return { convergence: { judged, streak, detectedTime: now }, more: false };
    }
    return { convergence: { judged, streak }, more: fresh.length > 20 };
  }
}

/** Trials finished since the best objective last improved, in order of ending. */
function countNotImproving(trials: readonly TrialRecord[], direction: 'Minimize' | 'Maximize'): number {
  const done = trials.filter((t) => Number.isFinite(t.final?.objective)).sort((a, b) => (a.final!.endTime ?? 0) - (b.final!.endTime ?? 0));
  let best: number | undefined;
  let since = 0;
  for (const t of done) {
    const v = t.final!.objective!;
    if (best === undefined || (direction === 'Maximize' ? v > best : v < best)) {
      best = v;
      since = 0;
    } else {
      since++;
    }
  }
  return since;
}

/** The seed of definition `d`'s search: the job's seed for the first, a mix of it for the others. */
export function definitionSeed(seed: number, d: number): number {
  return d === 0 ? seed : (Math.imul(seed ^ 0x5bd1e995, 0x01000193) + Math.imul(d, 0x9e3779b1)) >>> 0;
}

/** The CreateTrainingJob request for a trial: its definition, static plus tuned hyperparameters, and the objective's name. */
export function childRequest(plan: TuningPlan, t: TrialRecord): TrainingInput {
  const def = plan.definitions[definitionOf(plan, t.index)]!;
  const d = def.definition;
  const a = d.AlgorithmSpecification;
  const req: Record<string, unknown> = {
    TrainingJobName: t.trainingJobName,
    HyperParameters: { ...def.staticHyperParameters, ...t.tuned, [objectiveHyperparameter]: def.objective.metricName },
    AlgorithmSpecification: { TrainingInputMode: a.TrainingInputMode, ...(a.TrainingImage ? { TrainingImage: a.TrainingImage } : {}), ...(a.AlgorithmName ? { AlgorithmName: a.AlgorithmName } : {}), ...(a.MetricDefinitions ? { MetricDefinitions: a.MetricDefinitions } : {}) },
    RoleArn: d.RoleArn,
    OutputDataConfig: d.OutputDataConfig,
    ResourceConfig: d.ResourceConfig ?? { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: d.StoppingCondition,
  };
  for (const k of ['InputDataConfig', 'VpcConfig', 'EnableNetworkIsolation', 'EnableInterContainerTrafficEncryption', 'EnableManagedSpotTraining', 'CheckpointConfig', 'RetryStrategy', 'Environment'] as const) {
    if (d[k] !== undefined) req[k] = d[k];
  }
  return req as TrainingInput;
}

export type { HyperbandDecider };
