import { decodeNextToken, encodeNextToken } from '../kernel/pagination.js';
import { ValidationError } from '../kernel/errors.js';
import type { JobRecord } from './job.collections.js';

/** One stored point of a training job's metric series, as GetTrainingJobMetrics returns it. */
export interface TrainingMetricPoint {
  readonly MetricName: string;
  readonly Value: number;
  readonly Timestamp: number;
  readonly Step: number;
}

/**
 * A page of a job's metric points, sorted by name then step. The token is the last point returned
 * (name, step), so a page stays correct while the job keeps reporting: new points only ever append.
 */
export function metricPage(r: JobRecord, q: { MetricName?: string; NextToken?: string; MaxResults?: number }): { Metrics: TrainingMetricPoint[]; NextToken?: string } {
  const max = q.MaxResults ?? 1000;
  const cursor = decodeNextToken(q.NextToken);
  if (cursor && typeof cursor.after !== 'number') throw new ValidationError('NextToken is not a token GetTrainingJobMetrics issued.', [{ path: '/NextToken', message: 'invalid token' }]);
  const names = Object.keys(r.metricSeries).filter((n) => q.MetricName === undefined || n === q.MetricName).sort();
  const out: TrainingMetricPoint[] = [];
  let more = false;
  for (const name of names) {
    if (cursor && name < cursor.name) continue;
    const points = r.metricSeries[name]?.points ?? [];
    for (let i = 0; i < points.length; i++) {
      const [time, value, step = i] = points[i] as readonly [number, number, number?];
      if (cursor && name === cursor.name && step <= (cursor.after as number)) continue;
      if (out.length === max) {
        more = true;
        break;
      }
      out.push({ MetricName: name, Value: value, Timestamp: time, Step: step });
    }
    if (more) break;
  }
  const last = out[out.length - 1];
  return { Metrics: out, ...(more && last ? { NextToken: encodeNextToken({ after: last.Step, name: last.MetricName }) } : {}) };
}
