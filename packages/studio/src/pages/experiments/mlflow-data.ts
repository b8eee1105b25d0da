import { useQueries, useQuery } from '@tanstack/react-query';
import type { operations, OutputOf } from '@loam/contracts';
import { loam } from '../../api/client.js';
import { jobArnTag, quote } from './mlflow-filter.js';

export type Run = OutputOf<(typeof operations)['GetMlflowRun']>['Run'];
export type MetricPoint = OutputOf<(typeof operations)['GetMlflowMetricHistory']>['Metrics'][number];

export { jobArnTag, quote };

export const runPath = (runId: string) => `/experiments/runs/${runId}`;
export const experimentPath = (id: string) => `/experiments/${id}`;
export const comparePath = (runIds: readonly string[]) => `/experiments/compare?runs=${runIds.join(',')}`;

/** The run of a training job: in its ExperimentConfig's experiment, else the Default one. */
/** `status` is part of the key: the run is read again when the job's status changes. */
export function useRunOfJob(jobArn: string | undefined, experimentName: string | undefined, status: string | undefined, poll: boolean) {
  return useQuery<Run | null>({
    queryKey: ['RunOfJob', jobArn, experimentName, status],
    enabled: Boolean(jobArn),
    // The run follows the job a moment later (the server syncs finished jobs into runs), so keep looking
    // for up to a minute after the job ends until the run and its metrics are there.
    refetchInterval: (q) => (poll || (q.state.dataUpdateCount < 20 && !(q.state.data && q.state.data.Metrics.length > 0)) ? 3000 : false),
    queryFn: async ({ signal }) => {
      let ids = ['0'];
      if (experimentName) {
        const e = await loam.ListMlflowExperiments({ Filter: `name = ${quote(experimentName)}` }, { signal });
        ids = e.Experiments.map((x) => x.ExperimentId);
        if (ids.length === 0) return null;
      }
      const r = await loam.ListMlflowRuns({ ExperimentIds: ids, Filter: `tags.\`${jobArnTag}\` = ${quote(jobArn!)}`, MaxResults: 1, ViewType: 'ALL' }, { signal });
      return r.Runs[0] ?? null;
    },
  });
}

/** Every point of each (run, metric) pair, all pages read. */
export function useMetricHistories(pairs: readonly { runId: string; key: string }[], poll = false, version = '') {
  return useQueries({
    queries: pairs.map(({ runId, key }) => ({
      queryKey: ['GetMlflowMetricHistory', runId, key, version],
      refetchInterval: poll ? 3000 : (false as const),
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        const out: MetricPoint[] = [];
        let token: string | undefined;
        do {
          const page = await loam.GetMlflowMetricHistory({ RunId: runId, MetricKey: key, MaxResults: 25000, ...(token ? { NextToken: token } : {}) }, { signal });
          out.push(...page.Metrics);
          token = page.NextToken;
        } while (token);
        return { runId, key, points: out };
      },
    })),
  });
}

/** A metric value as a number for charts (MLflow sends non-finite values as words). */
export const numeric = (v: MetricPoint['Value']): number | undefined => (typeof v === 'number' ? v : undefined);
