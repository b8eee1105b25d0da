import { ValidationError, endpointsCollection, type MetadataStore, type RequestContext } from '@loam/core';
import { endpointAlarmShapes, type InputOf, type OutputOf, type operations } from '@loam/contracts';
import type { MetricHistory } from './metric-history.js';
import type { MetricsRegistry } from './metrics-registry.js';
import { minuteOf } from './metric-aggregate.js';
import { SAGEMAKER_NAMESPACE, checkRange, checkStat, periods, seriesOf, statistic, unitOf, type PeriodAggregate } from './metric-statistics.js';

type Ops = typeof operations;
const { endpointMetricNames } = endpointAlarmShapes;
const MAX_STATISTICS_DATAPOINTS = 1440;
const LIST_PAGE = 500;
/** ListMetrics lists a metric with a datapoint in this many days ("metrics that have not had any new data points in the past two weeks do not appear"). */
const LISTED_FOR_DAYS = 14;

/** An opaque page token: the offset, bound to the request it continues. */
function token(offset: number, bound: string): string {
  return Buffer.from(JSON.stringify({ o: offset, b: bound })).toString('base64url');
}
function offsetOf(next: string | undefined, bound: string): number {
  if (next === undefined) return 0;
  try {
    const t = JSON.parse(Buffer.from(next, 'base64url').toString('utf8')) as { o?: unknown; b?: unknown };
    if (typeof t.o === 'number' && Number.isInteger(t.o) && t.o >= 0 && t.b === bound) return t.o;
  } catch {
    // refused below
  }
  throw new ValidationError('The NextToken is not valid: pass the NextToken of the previous page of the same request unchanged.', [{ path: '/NextToken', message: 'not a token of this request' }]);
}

/**
 * CloudWatch's metric reads over the endpoints' own metrics: GetMetricStatistics, GetMetricData (MetricStat
 * queries) and ListMetrics, namespace AWS/SageMaker, dimensions EndpointName and VariantName. The data is
 * what {@link MetricHistory} holds: one-minute aggregates for 15 days. CloudWatch authorizes these on `*`,
 * so they are not narrowed to the endpoints the caller may describe.
 */
export class MetricDataService {
  constructor(private readonly o: { history: MetricHistory; metrics: MetricsRegistry; store: MetadataStore }) {}

  /** The periods with traffic of a series from StartTime (aligned to its minute) before EndTime. */
  private async periodsOf(series: { endpoint: string; variant: string }, startTime: number, endTime: number, period: number): Promise<PeriodAggregate[]> {
    const start = minuteOf(startTime);
    return periods(await this.o.history.minutes(series.endpoint, series.variant, start, endTime), start, endTime, period);
  }

  /** @throws ValidationException (Period not a multiple of 60, StartTime not before EndTime, over 1,440 datapoints, no statistic or both kinds). */
  async GetMetricStatistics(input: InputOf<Ops['GetMetricStatistics']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetMetricStatistics']>> {
    checkRange(input.StartTime, input.EndTime, input.Period, '/Period');
    const stats = input.Statistics ?? [];
    const ext = input.ExtendedStatistics ?? [];
    if ((stats.length > 0) === (ext.length > 0)) {
      throw new ValidationError('GetMetricStatistics needs either Statistics or ExtendedStatistics, but not both.', [{ path: '/Statistics', message: 'give exactly one of Statistics, ExtendedStatistics' }]);
    }
    const wanted = Math.ceil((input.EndTime - minuteOf(input.StartTime)) / input.Period);
    if (wanted > MAX_STATISTICS_DATAPOINTS) {
      throw new ValidationError(
        `You have requested up to ${wanted} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
        [{ path: '/Period', message: `at most ${MAX_STATISTICS_DATAPOINTS} datapoints` }],
      );
    }
    const series = seriesOf(input.Namespace, input.MetricName, input.Dimensions);
    if (!series || (input.Unit !== undefined && input.Unit !== unitOf(series.metric))) return { Label: input.MetricName, Datapoints: [] };
    const unit = unitOf(series.metric);
    return {
      Label: input.MetricName,
      Datapoints: (await this.periodsOf(series, input.StartTime, input.EndTime, input.Period)).flatMap((p) => {
        const point: Record<string, unknown> = { Timestamp: p.start, Unit: unit };
        for (const s of stats) point[s] = statistic(series.metric, s, p);
        if (ext.length > 0) point['ExtendedStatistics'] = Object.fromEntries(ext.map((s) => [s, statistic(series.metric, s, p)]));
        return Object.values(point).some((v) => v === undefined) ? [] : [point as OutputOf<Ops['GetMetricStatistics']>['Datapoints'][number]];
      }),
    };
  }

  /** @throws ValidationException (an Expression, a query without MetricStat, a statistic Loam lacks, a bad Period or NextToken, duplicate Ids). */
  async GetMetricData(input: InputOf<Ops['GetMetricData']>, _ctx: RequestContext): Promise<OutputOf<Ops['GetMetricData']>> {
    const ids = new Set<string>();
    // A query is named by its place as the schema errors name it (`MetricDataQueries.0.Id` is the first),
    // so every message about one request counts from 0. (CloudWatch's own query protocol counts members from 1.)
    const queries = input.MetricDataQueries.map((q, i) => {
      if (ids.has(q.Id)) throw new ValidationError(`The Id '${q.Id}' is used by more than one of MetricDataQueries: each query needs its own Id.`, [{ path: `/MetricDataQueries/${i}/Id`, message: 'duplicate' }]);
      ids.add(q.Id);
      if (q.Expression !== undefined) {
        throw new ValidationError(
          `MetricDataQueries.${i} (Id '${q.Id}') has an Expression: Loam evaluates no metric math or Metrics Insights queries; ask for each metric with MetricStat and compute over the values.`,
          [{ path: `/MetricDataQueries/${i}/Expression`, message: 'not supported' }],
        );
      }
      if (!q.MetricStat) throw new ValidationError(`MetricDataQueries.${i} (Id '${q.Id}') needs a MetricStat.`, [{ path: `/MetricDataQueries/${i}/MetricStat`, message: 'required' }]);
      checkStat(q.MetricStat.Stat, `/MetricDataQueries/${i}/MetricStat/Stat`);
      checkRange(input.StartTime, input.EndTime, q.MetricStat.Period, `/MetricDataQueries/${i}/MetricStat/Period`);
      return { q, stat: q.MetricStat };
    });
    const ascending = input.ScanBy === 'TimestampAscending';
    const all: { Id: string; Label: string; Timestamps: number[]; Values: number[] }[] = [];
    for (const { q, stat } of queries) {
      const series = seriesOf(stat.Metric.Namespace, stat.Metric.MetricName, stat.Metric.Dimensions);
      const points: [number, number][] = [];
      if (series && (stat.Unit === undefined || stat.Unit === unitOf(series.metric))) {
        for (const p of await this.periodsOf(series, input.StartTime, input.EndTime, stat.Period)) {
          const v = statistic(series.metric, stat.Stat, p);
          if (v !== undefined) points.push([p.start, v]);
        }
      }
      if (!ascending) points.reverse();
      if (q.ReturnData === false) continue;
      all.push({ Id: q.Id, Label: q.Label ?? stat.Metric.MetricName, Timestamps: points.map((p) => p[0]), Values: points.map((p) => p[1]) });
    }
    // A page holds MaxDatapoints values over every query in order; a query whose values go on to the next
    // page is PartialData, and a query without values appears on the first page only.
    const max = input.MaxDatapoints ?? 100800;
    const bound = `${input.StartTime}/${input.EndTime}/${input.ScanBy ?? ''}`;
    const offset = offsetOf(input.NextToken, bound);
    const results: OutputOf<Ops['GetMetricData']>['MetricDataResults'] = [];
    let seen = 0;
    let taken = 0;
    for (const r of all) {
      const from = Math.max(0, offset - seen);
      const count = Math.min(r.Values.length - from, max - taken);
      seen += r.Values.length;
      if (r.Values.length === 0 ? offset === 0 : count > 0) {
        results.push({ ...r, Timestamps: r.Timestamps.slice(from, from + Math.max(0, count)), Values: r.Values.slice(from, from + Math.max(0, count)), StatusCode: from + Math.max(0, count) < r.Values.length ? 'PartialData' : 'Complete' });
        taken += Math.max(0, count);
      }
    }
    const next = offset + taken;
    return { MetricDataResults: results, ...(next < seen ? { NextToken: token(next, bound) } : {}), Messages: [] };
  }

  /** @throws ValidationException (a bad NextToken). */
  async ListMetrics(input: InputOf<Ops['ListMetrics']>, _ctx: RequestContext): Promise<OutputOf<Ops['ListMetrics']>> {
    const pairs = new Set<string>();
    if (input.RecentlyActive === 'PT3H') {
      for (const p of await this.o.history.activeSince(Date.now() / 1000 - 3 * 3600)) pairs.add(p);
    } else {
      const c = this.o.store.collection(endpointsCollection);
      let t: string | undefined;
      do {
        const page = await c.list({ maxResults: 1000, ...(t ? { nextToken: t } : {}) });
        for (const { value: r } of page.items) for (const v of r.variants) pairs.add(`${r.name}/${v.VariantName}`);
        t = page.nextToken;
      } while (t);
      for (const [e, variants] of this.o.metrics.all()) for (const v of variants.keys()) pairs.add(`${e}/${v}`);
      // CloudWatch lists a metric while it had a datapoint in the last two weeks, whether or not its endpoint still
      // exists: a deleted endpoint's metrics stay listed (and readable) until then.
      for (const p of await this.o.history.withDataSince(Date.now() / 1000 - LISTED_FOR_DAYS * 86_400)) pairs.add(p);
    }
    const metrics = [...pairs].sort().flatMap((pair) => {
      const [endpoint, variant] = pair.split('/') as [string, string];
      const dims = [{ Name: 'EndpointName', Value: endpoint }, { Name: 'VariantName', Value: variant }];
      return endpointMetricNames.map((m) => ({ Namespace: SAGEMAKER_NAMESPACE, MetricName: m as string, Dimensions: dims }));
    }).filter((m) => (input.Namespace === undefined || input.Namespace === m.Namespace) && (input.MetricName === undefined || input.MetricName === m.MetricName)
      && (input.Dimensions ?? []).every((f) => m.Dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || f.Value === d.Value))));
    const bound = JSON.stringify([input.Namespace, input.MetricName, input.Dimensions, input.RecentlyActive]);
    const offset = offsetOf(input.NextToken, bound);
    const page = metrics.slice(offset, offset + LIST_PAGE);
    return { Metrics: page, ...(offset + LIST_PAGE < metrics.length ? { NextToken: token(offset + LIST_PAGE, bound) } : {}) };
  }
}
