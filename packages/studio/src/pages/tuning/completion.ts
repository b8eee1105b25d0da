/** A tuning job's `TuningJobCompletionCriteria`, as Create took it (the fields we read). */
export interface CompletionCriteria {
  readonly TargetObjectiveMetricValue?: number | undefined;
  readonly BestObjectiveNotImproving?: { readonly MaxNumberOfTrainingJobsNotImproving?: number | undefined } | undefined;
  readonly ConvergenceDetected?: { readonly CompleteOnConvergence?: string | undefined } | undefined;
}

/** `TuningJobCompletionDetails` as Describe returns it. */
export interface CompletionDetails {
  readonly NumberOfTrainingJobsObjectiveNotImproving?: number | undefined;
  readonly ConvergenceDetectedTime?: number | undefined;
}

/** One line per completion criterion the job was given, each with where it stands now. */
export function completionLines(metric: string, criteria: CompletionCriteria | undefined, details: CompletionDetails | undefined): string[] {
  const out: string[] = [];
  if (criteria?.TargetObjectiveMetricValue !== undefined) out.push(`Ends when ${metric} reaches ${criteria.TargetObjectiveMetricValue}.`);
  const limit = criteria?.BestObjectiveNotImproving?.MaxNumberOfTrainingJobsNotImproving;
  if (criteria?.BestObjectiveNotImproving) {
    const seen = details?.NumberOfTrainingJobsObjectiveNotImproving;
    out.push(`Ends after ${limit ?? 10} trials in a row do not beat the best${seen !== undefined ? `: ${seen} so far.` : '.'}`);
  }
  if (criteria?.ConvergenceDetected) {
    const ends = criteria.ConvergenceDetected.CompleteOnConvergence === 'Enabled';
    const at = details?.ConvergenceDetectedTime;
    const when = at !== undefined ? `converged at ${new Date(at * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC` : 'not converged yet';
    out.push(`${ends ? 'Ends on convergence' : 'Convergence is reported, the job does not end on it'} (no trial expected to beat the best by more than 1 %): ${when}.`);
  }
  return out;
}
