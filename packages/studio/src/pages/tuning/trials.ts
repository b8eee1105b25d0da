/** One trial of a tuning job as `ListTrainingJobsForHyperParameterTuningJob` returns it (the fields we read). */
export interface Trial {
  readonly TrainingJobName: string;
  readonly CreationTime: number;
  readonly TrainingJobStatus: string;
  readonly TunedHyperParameters: Readonly<Record<string, string>>;
  /** Which of the job's `TrainingJobDefinitions` the trial ran (absent for a single definition). */
  readonly TrainingJobDefinitionName?: string | undefined;
  readonly FinalHyperParameterTuningJobObjectiveMetric?: { readonly MetricName: string; readonly Value: number } | undefined;
}

export interface TrialPoint {
  readonly trial: number;
  readonly name: string;
  readonly objective?: number;
  readonly best?: number;
}

/**
 * Trials in launch order with the objective each reached and the best objective so far (lower is better
 * when minimizing); trials without an objective keep the previous best.
 */
export function bestSoFar(trials: readonly Trial[], minimize: boolean): TrialPoint[] {
  const ordered = [...trials].sort((a, b) => a.CreationTime - b.CreationTime || a.TrainingJobName.localeCompare(b.TrainingJobName));
  let best: number | undefined;
  return ordered.map((t, i) => {
    const v = t.FinalHyperParameterTuningJobObjectiveMetric?.Value;
    if (v !== undefined && Number.isFinite(v) && (best === undefined || (minimize ? v < best : v > best))) best = v;
    return { trial: i + 1, name: t.TrainingJobName, ...(v !== undefined ? { objective: v } : {}), ...(best !== undefined ? { best } : {}) };
  });
}

/** Trials ordered best first by the objective; trials without one go last. */
export function byObjective(trials: readonly Trial[], minimize: boolean, descending = !minimize): Trial[] {
  const v = (t: Trial) => t.FinalHyperParameterTuningJobObjectiveMetric?.Value;
  return [...trials].sort((a, b) => {
    const x = v(a);
    const y = v(b);
    if (x === undefined) return y === undefined ? 0 : 1;
    if (y === undefined) return -1;
    return descending ? y - x : x - y;
  });
}
