import { formatNumber, timeAgo } from '../../schema/format.js';

/** What a model artifact came from, to tell artifacts apart: `<job> · <metric> <value> · <when>`. */
export function artifactLabel(job: { TrainingJobName: string; TrainingEndTime?: number | undefined; FinalMetricDataList?: readonly { MetricName?: string | undefined; Value?: number | undefined }[] | undefined }, nowMs = Date.now()): string {
  const metrics = (job.FinalMetricDataList ?? []).filter((m): m is { MetricName: string; Value: number } => typeof m.MetricName === 'string' && typeof m.Value === 'number');
  // A tuning trial's objective is a validation metric; show those first, then the rest, two at most.
  const shown = [...metrics.filter((m) => m.MetricName.startsWith('validation')), ...metrics.filter((m) => !m.MetricName.startsWith('validation'))].slice(0, 2);
  return [job.TrainingJobName, ...shown.map((m) => `${m.MetricName} ${formatNumber(m.Value)}`), ...(job.TrainingEndTime ? [`trained ${timeAgo(job.TrainingEndTime, nowMs)}`] : [])].join(' · ');
}
