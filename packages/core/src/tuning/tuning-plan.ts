import type { InputOf, operations } from '@loam/contracts';
import { builtInAlgorithms, imageRepository, own, scriptModeFrameworks } from '../jobs/image-resolver.js';
import { ValidationError } from '../kernel/errors.js';
import type { Direction, StrategyName, TunedRange, TuningEngine } from './tuning-engine.js';

type CreateInput = InputOf<(typeof operations)['CreateHyperParameterTuningJob']>;
export type TrainingJobDefinition = NonNullable<CreateInput['TrainingJobDefinition']>;

/** SageMaker's limits ([DG] automatic-model-tuning-limits). */
export const tuningLimits = { maxJobs: 750, maxJobsRandom: 10_000, maxParallel: 100, maxHyperparameters: 100 } as const;

/** Static hyperparameters SageMaker reads Hyperband's MaxResource from when it is not given, in this order. */
export const hyperbandEpochKeys = ['epochs', 'numepochs', 'n-epochs', 'n_epochs', 'num_epochs'] as const;
/** SageMaker's largest HyperbandStrategyConfig.MaxResource (epochs). */
export const hyperbandMaxResource = 20_000;

/** The hyperparameter SageMaker adds to every child job: the objective metric's name. */
export const objectiveHyperparameter = '_tuning_objective_metric';

/** One training job definition of a tuning job, checked: what its trials run and how they are scored. */
export interface DefinitionPlan {
  /** `DefinitionName` (required when there are several definitions). */
  readonly name?: string;
  readonly definition: TrainingJobDefinition;
  /** The objective its trials report (the metric may differ per definition; the direction may not). */
  readonly objective: { readonly type: Direction; readonly metricName: string };
  readonly ranges: readonly TunedRange[];
  readonly staticHyperParameters: Readonly<Record<string, string>>;
}

/** What a tuning job will do, derived (and checked) from its Create request. */
export interface TuningPlan {
  readonly strategy: StrategyName;
  /** The first definition's objective (the direction is shared by every definition). */
  readonly objective: { readonly type: Direction; readonly metricName: string };
  /** The first definition's ranges. */
  readonly ranges: readonly TunedRange[];
  /** `TrainingJobDefinition`, or the 1–10 `TrainingJobDefinitions`; trial `i` runs definition `i mod n`. */
  readonly definitions: readonly DefinitionPlan[];
  readonly maxJobs: number;
  readonly maxParallel: number;
  readonly maxRuntimeSeconds?: number;
  readonly earlyStopping: 'Off' | 'Auto';
  readonly hyperband?: { readonly minResource: number; readonly maxResource: number };
  readonly seed: number;
  readonly targetValue?: number;
  readonly maxNotImproving?: number;
  /** `ConvergenceDetected` was given: convergence is detected (and reported); `Enabled` also ends the job then. */
  readonly convergence?: 'Enabled' | 'Disabled';
}

const bad = (path: string, message: string): ValidationError => new ValidationError(message, [{ path, message }]);

/**
 * Validates a CreateHyperParameterTuningJob request beyond its schema and derives the plan.
 * @throws ValidationException naming the field (and, for ranges, the range).
 */
export function planTuningJob(input: CreateInput, engine: TuningEngine): TuningPlan {
  const cfg = input.HyperParameterTuningJobConfig;
  const defs = input.TrainingJobDefinitions ?? (input.TrainingJobDefinition ? [input.TrainingJobDefinition] : []);
  if (input.TrainingJobDefinition && input.TrainingJobDefinitions) {
    throw bad('/TrainingJobDefinitions', 'Give either TrainingJobDefinition or TrainingJobDefinitions, not both.');
  }
  if (defs.length === 0) throw bad('/TrainingJobDefinition', 'A tuning job needs a TrainingJobDefinition (or TrainingJobDefinitions).');
  if (defs.length > 10) throw bad('/TrainingJobDefinitions', `A tuning job takes at most 10 TrainingJobDefinitions; got ${defs.length}.`);
  if (input.Autotune) throw bad('/Autotune', 'Autotune is not supported: give ParameterRanges.');
  const strategy = cfg.Strategy;
  const multi = defs.length > 1;
  if (multi) {
    // SageMaker's multi-algorithm tuning: each definition brings its own name, objective metric and ranges.
    if (cfg.ParameterRanges) throw bad('/HyperParameterTuningJobConfig/ParameterRanges', 'With several TrainingJobDefinitions each definition gives its own HyperParameterRanges; remove HyperParameterTuningJobConfig.ParameterRanges.');
    if (cfg.HyperParameterTuningJobObjective) throw bad('/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective', 'With several TrainingJobDefinitions each definition gives its own TuningObjective; remove HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.');
    if (strategy === 'Grid' || strategy === 'Hyperband') throw bad('/HyperParameterTuningJobConfig/Strategy', `Loam runs several TrainingJobDefinitions with the Bayesian or Random strategy, not ${strategy}.`);
    if (input.WarmStartConfig) throw bad('/WarmStartConfig', 'Loam does not warm-start a tuning job with several TrainingJobDefinitions.');
  }
  const seenNames = new Set<string>();
  const definitions = defs.map((definition, i) => {
    const defPath = input.TrainingJobDefinitions ? `/TrainingJobDefinitions/${i}` : '/TrainingJobDefinition';
    if (multi) {
      const name = definition.DefinitionName;
      if (!name) throw bad(`${defPath}/DefinitionName`, `TrainingJobDefinitions[${i}] needs a DefinitionName when a tuning job has several definitions.`);
      if (seenNames.has(name.toLowerCase())) throw bad(`${defPath}/DefinitionName`, `DefinitionName '${name}' is used by more than one training job definition.`);
      seenNames.add(name.toLowerCase());
    }
    return planDefinition(definition, defPath, cfg, engine, multi);
  });
  const first = definitions[0]!;
  for (const [i, d] of definitions.entries()) {
    if (d.objective.type !== first.objective.type) {
      throw bad(`/TrainingJobDefinitions/${i}/TuningObjective/Type`, `Every training job definition must ${first.objective.type} its objective (trials are compared with one another); '${d.name}' asks to ${d.objective.type}.`);
    }
  }
  const defPath = input.TrainingJobDefinitions ? '/TrainingJobDefinitions/0' : '/TrainingJobDefinition';
  const ranges = first.ranges;
  const rangesPath = cfg.ParameterRanges ? '/HyperParameterTuningJobConfig/ParameterRanges' : `${defPath}/HyperParameterRanges`;

  const limits = cfg.ResourceLimits;
  let maxJobs: number;
  if (strategy === 'Grid') {
    const size = engine.gridSize(ranges);
    if (size > tuningLimits.maxJobs) throw bad(rangesPath, `The Grid has ${size} combinations; the maximum is ${tuningLimits.maxJobs} training jobs.`);
    if (limits.MaxNumberOfTrainingJobs !== undefined && limits.MaxNumberOfTrainingJobs !== size) {
      throw bad('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs', `With the Grid strategy MaxNumberOfTrainingJobs is the number of combinations (${size}); omit it or give ${size}, not ${limits.MaxNumberOfTrainingJobs}.`);
    }
    maxJobs = size;
  } else {
    const limit = strategy === 'Random' ? tuningLimits.maxJobsRandom : tuningLimits.maxJobs;
    if (limits.MaxNumberOfTrainingJobs === undefined) throw bad('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs', `MaxNumberOfTrainingJobs is required with the ${strategy} strategy.`);
    if (limits.MaxNumberOfTrainingJobs > limit) throw bad('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs', `MaxNumberOfTrainingJobs is ${limits.MaxNumberOfTrainingJobs}; the maximum with ${strategy} is ${limit}.`);
    maxJobs = limits.MaxNumberOfTrainingJobs;
  }
  if (limits.MaxParallelTrainingJobs > tuningLimits.maxParallel) {
    throw bad('/HyperParameterTuningJobConfig/ResourceLimits/MaxParallelTrainingJobs', `MaxParallelTrainingJobs is ${limits.MaxParallelTrainingJobs}; the maximum is ${tuningLimits.maxParallel}.`);
  }

  const earlyStopping = cfg.TrainingJobEarlyStoppingType ?? 'Off';
  let hyperband: TuningPlan['hyperband'];
  const hb = cfg.StrategyConfig?.HyperbandStrategyConfig;
  if (strategy === 'Hyperband') {
    if (earlyStopping !== 'Off') throw bad('/HyperParameterTuningJobConfig/TrainingJobEarlyStoppingType', 'The Hyperband strategy has its own early stopping: TrainingJobEarlyStoppingType must be Off.');
    const maxPath = '/HyperParameterTuningJobConfig/StrategyConfig/HyperbandStrategyConfig/MaxResource';
    // As SageMaker does, MaxResource defaults to the epochs a static hyperparameter names.
    const epochsKey = hyperbandEpochKeys.find((k) => first.staticHyperParameters[k] !== undefined);
    const maxResource = hb?.MaxResource ?? (epochsKey !== undefined ? Number(first.staticHyperParameters[epochsKey]!.trim()) : undefined);
    if (maxResource === undefined) {
      throw bad(maxPath, `The Hyperband strategy needs HyperbandStrategyConfig.MaxResource (the epochs a full training job runs), or a static hyperparameter it can be read from: ${hyperbandEpochKeys.join(', ')}.`);
    }
    if (hb?.MaxResource === undefined && (!Number.isInteger(maxResource) || maxResource < 1)) {
      throw bad(`${defPath}/StaticHyperParameters/${epochsKey}`, `HyperbandStrategyConfig.MaxResource is read from static hyperparameter '${epochsKey}', which must then be a positive integer; got '${first.staticHyperParameters[epochsKey!]}'.`);
    }
    hyperband = { minResource: hb?.MinResource ?? 1, maxResource };
    try {
      engine.hyperband(hyperband);
    } catch (e) {
      throw bad('/HyperParameterTuningJobConfig/StrategyConfig/HyperbandStrategyConfig', (e as Error).message);
    }
  } else if (cfg.StrategyConfig) {
    throw bad('/HyperParameterTuningJobConfig/StrategyConfig', `StrategyConfig applies to the Hyperband strategy only, not ${strategy}.`);
  }

  const crit = cfg.TuningJobCompletionCriteria;
  return {
    strategy,
    objective: first.objective,
    ranges,
    maxJobs,
    maxParallel: Math.min(limits.MaxParallelTrainingJobs, maxJobs),
    ...(limits.MaxRuntimeInSeconds !== undefined ? { maxRuntimeSeconds: limits.MaxRuntimeInSeconds } : {}),
    earlyStopping,
    ...(hyperband ? { hyperband } : {}),
    seed: cfg.RandomSeed ?? seedFromName(input.HyperParameterTuningJobName),
    definitions,
    ...(crit?.TargetObjectiveMetricValue !== undefined ? { targetValue: crit.TargetObjectiveMetricValue } : {}),
    ...(crit?.BestObjectiveNotImproving ? { maxNotImproving: crit.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving ?? 10 } : {}),
    ...(crit?.ConvergenceDetected ? { convergence: crit.ConvergenceDetected.CompleteOnConvergence ?? 'Disabled' } : {}),
  };
}

/** Checks one training job definition: its objective (own or the job's), ranges, and static hyperparameters. */
function planDefinition(definition: TrainingJobDefinition, defPath: string, cfg: CreateInput['HyperParameterTuningJobConfig'], engine: TuningEngine, multi: boolean): DefinitionPlan {
  const objectiveIn = cfg.HyperParameterTuningJobObjective ?? definition.TuningObjective;
  if (!objectiveIn) {
    if (multi) throw bad(`${defPath}/TuningObjective`, `Training job definition '${definition.DefinitionName}' needs a TuningObjective: the metric to optimise and whether to Maximize or Minimize it.`);
    throw bad('/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective', 'HyperParameterTuningJobObjective is required: the metric to optimise and whether to Maximize or Minimize it.');
  }
  const metricDefs = definition.AlgorithmSpecification.MetricDefinitions;
  if (metricDefs && metricDefs.length > 0 && !metricDefs.some((m) => m.Name === objectiveIn.MetricName)) {
    throw bad(`${defPath}/AlgorithmSpecification/MetricDefinitions`, `The objective metric '${objectiveIn.MetricName}' has no MetricDefinition; defined: ${metricDefs.map((m) => m.Name).join(', ')}.`);
  }
  const rangesIn = cfg.ParameterRanges ?? definition.HyperParameterRanges;
  const rangesPath = cfg.ParameterRanges ? '/HyperParameterTuningJobConfig/ParameterRanges' : `${defPath}/HyperParameterRanges`;
  if (!rangesIn) throw bad(rangesPath, 'ParameterRanges are required.');
  if (rangesIn.AutoParameters?.length) throw bad(`${rangesPath}/AutoParameters`, 'AutoParameters (Autotune) are not supported: give explicit ranges.');
  const parsed = engine.parseRanges(rangesIn, cfg.Strategy);
  if ('problem' in parsed) throw new ValidationError(parsed.problem.message, [{ path: `${rangesPath}/${parsed.problem.range}`, message: parsed.problem.message }]);
  const ranges = parsed.ranges;

  const staticHyperParameters = { ...(definition.StaticHyperParameters ?? {}) };
  for (const r of ranges) {
    if (r.name in staticHyperParameters) throw bad(`${defPath}/StaticHyperParameters/${r.name}`, `Hyperparameter '${r.name}' is both static and tuned; remove it from StaticHyperParameters.`);
  }
  const total = Object.keys(staticHyperParameters).filter((k) => k !== objectiveHyperparameter).length + ranges.length + 1;
  if (total > tuningLimits.maxHyperparameters) {
    throw bad(`${defPath}/StaticHyperParameters`, `Static plus tuned hyperparameters (with ${objectiveHyperparameter}) number ${total}; the maximum is ${tuningLimits.maxHyperparameters}.`);
  }
  return {
    ...(definition.DefinitionName ? { name: definition.DefinitionName } : {}),
    definition,
    objective: { type: objectiveIn.Type, metricName: objectiveIn.MetricName },
    ranges,
    staticHyperParameters,
  };
}

/**
 * Create-time checks (not re-run on stored jobs, so a job accepted before a check existed keeps
 * running): Hyperband's MaxResource is at most 20,000 epochs, as SageMaker documents; integer and
 * categorical ranges allow at least MaxNumberOfTrainingJobs combinations (Bayesian, Random, Hyperband;
 * one definition), as SageMaker requires; and what each definition's trials will run:
 * - a built-in algorithm (`sagemaker-xgboost:1.7-1` …) must accept the trials' hyperparameters: the
 *   static ones, every tuned range at its bounds and at each categorical value, and for XGBoost the
 *   objective as `_tuning_objective_metric` (SageMaker refuses untunable hyperparameters and objective
 *   metrics its algorithms do not emit at create time too);
 * - any other image (script mode, a process image) must have a MetricDefinition for the objective, as
 *   SageMaker requires ("A metric is required for this hyperparameter tuning job objective").
 * @throws ValidationException naming the hyperparameter's field (range, static value or objective).
 */
export function checkTrials(input: CreateInput, plan: TuningPlan, engine: TuningEngine): void {
  const cfg = input.HyperParameterTuningJobConfig;
  if (plan.hyperband && plan.hyperband.maxResource > hyperbandMaxResource) {
    const given = cfg.StrategyConfig?.HyperbandStrategyConfig?.MaxResource !== undefined;
    throw bad(given ? '/HyperParameterTuningJobConfig/StrategyConfig/HyperbandStrategyConfig/MaxResource' : `${input.TrainingJobDefinitions ? '/TrainingJobDefinitions/0' : '/TrainingJobDefinition'}/StaticHyperParameters`,
      `HyperbandStrategyConfig.MaxResource${given ? '' : ' (read from the static epochs hyperparameter)'} is ${plan.hyperband.maxResource}; the maximum is ${hyperbandMaxResource} epochs.`);
  }
  if (plan.strategy !== 'Grid' && plan.definitions.length === 1) {
    // SageMaker: "The total number of hyperparameter combinations for the provided ranges must be equal or
    // greater than the value of MaxNumberOfJobs" (only integer and categorical ranges have a finite number).
    const r = cfg.ParameterRanges ?? plan.definitions[0]!.definition.HyperParameterRanges ?? {};
    let combinations = (r.ContinuousParameterRanges ?? []).length > 0 ? Number.POSITIVE_INFINITY : 1;
    for (const x of r.IntegerParameterRanges ?? []) combinations *= Number(x.MaxValue) - Number(x.MinValue) + 1;
    for (const x of r.CategoricalParameterRanges ?? []) combinations *= x.Values.length;
    if (combinations < plan.maxJobs) {
      throw bad('/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs', `The ranges allow ${combinations} combinations of hyperparameter values, fewer than MaxNumberOfTrainingJobs (${plan.maxJobs}); lower MaxNumberOfTrainingJobs or widen the ranges.`);
    }
  }
  for (const [i, d] of plan.definitions.entries()) {
    const defPath = input.TrainingJobDefinitions ? `/TrainingJobDefinitions/${i}` : '/TrainingJobDefinition';
    const objectivePath = cfg.HyperParameterTuningJobObjective ? '/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective/MetricName' : `${defPath}/TuningObjective/MetricName`;
    const rangesIn = cfg.ParameterRanges ?? d.definition.HyperParameterRanges ?? {};
    const rangesPath = cfg.ParameterRanges ? '/HyperParameterTuningJobConfig/ParameterRanges' : `${defPath}/HyperParameterRanges`;
    // Each trial is a CreateTrainingJob of this definition: a channel it refuses would fail every trial.
    const channels = new Set<string>();
    for (const [j, c] of (d.definition.InputDataConfig ?? []).entries()) {
      const at = `${defPath}/InputDataConfig/${j}/ChannelName`;
      if (channels.has(c.ChannelName)) throw bad(at, `Channel '${c.ChannelName}' is given twice: channel names must be unique among channels.`);
      if (c.ChannelName === '.' || c.ChannelName === '..') throw bad(at, `Channel '${c.ChannelName}' cannot be staged on Loam: a channel is the folder /opt/ml/input/data/<ChannelName>.`);
      channels.add(c.ChannelName);
    }
    const image = d.definition.AlgorithmSpecification.TrainingImage ?? '';
    const repo = imageRepository(image);
    const scriptMode = own(scriptModeFrameworks, repo) !== undefined && ('sagemaker_program' in d.staticHyperParameters || d.ranges.some((r) => r.name === 'sagemaker_program'));
    const algorithm = scriptMode ? undefined : own(builtInAlgorithms, repo);
    if (algorithm === undefined) {
      const metric = d.objective.metricName;
      if (!(d.definition.AlgorithmSpecification.MetricDefinitions ?? []).some((m) => m.Name === metric)) {
        throw bad(`${defPath}/AlgorithmSpecification/MetricDefinitions`, `The objective metric '${metric}' needs a MetricDefinition: image '${image}' is not a built-in algorithm, so its trials report only the metrics MetricDefinitions read from their logs.`);
      }
      continue;
    }
    // One trial with every range at its first value, then each range at each other value in turn.
    const first: Record<string, string> = {};
    const others: { name: string; value: string; label: string }[] = [];
    for (const r of [...(rangesIn.IntegerParameterRanges ?? []), ...(rangesIn.ContinuousParameterRanges ?? [])]) {
      first[r.Name] = formatTuned(Number(r.MinValue));
      others.push({ name: r.Name, value: formatTuned(Number(r.MaxValue)), label: `MaxValue '${r.MaxValue}'` });
    }
    for (const r of rangesIn.CategoricalParameterRanges ?? []) {
      first[r.Name] = r.Values[0] ?? '';
      for (const v of r.Values.slice(1)) others.push({ name: r.Name, value: v, label: `value '${v}'` });
    }
    const tuned = new Set(Object.keys(first));
    const base = { ...d.staticHyperParameters, ...first, [objectiveHyperparameter]: d.objective.metricName };
    const probes = [{ hp: base, varied: undefined as string | undefined, label: '' }, ...others.map((o) => ({ hp: { ...base, [o.name]: o.value }, varied: o.name, label: o.label }))];
    for (const probe of probes) {
      const problem = engine.builtInHyperparameterProblem(algorithm, probe.hp);
      if (!problem) continue;
      const name = problem.hyperparameter;
      const who = `the built-in algorithm '${algorithm}' (${image})`;
      if (name === objectiveHyperparameter) {
        throw bad(objectivePath, `The objective metric '${d.objective.metricName}' is not one ${who} reports: ${problem.message}`);
      }
      if (name !== undefined && tuned.has(name)) {
        const at = probe.varied === name ? ` at its ${probe.label}` : '';
        throw bad(`${rangesPath}/${name}`, `Tuned hyperparameter '${name}'${at} is refused by ${who}: ${problem.message}`);
      }
      throw bad(`${defPath}/StaticHyperParameters${name !== undefined ? `/${name}` : ''}`, `Every training job of this tuning job would fail: ${who} refuses its hyperparameters: ${problem.message}`);
    }
  }
}

/** The definition a trial runs: trials take the definitions in turn. */
export function definitionOf(plan: TuningPlan, trialIndex: number): number {
  return trialIndex % plan.definitions.length;
}

/** FNV-1a of the (lower-cased) name: a default seed that is stable for a job. */
export function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of name.toLowerCase()) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** SageMaker's child-job name: `<tuning-job>-<NNN>-<8 hex>`. */
export function childJobName(tuningJobName: string, index: number, arn: string): string {
  const hash = seedFromName(`${arn}#${index}`).toString(16).padStart(8, '0');
  return `${tuningJobName}-${String(index + 1).padStart(3, '0')}-${hash}`;
}

/** A tuned value as the hyperparameter string a job receives (numbers without float noise). */
export function formatTuned(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(12)));
}
