import { useQuery } from '@tanstack/react-query';
import { loam } from '../../api/client.js';

/**
 * An experiment's name from its ID (what the URL holds), as the experiment page asks for it (same cache
 * entry, so no second request); the ID stands in while it loads or if it cannot be read.
 */
export function useExperimentName(experimentId: string): string {
  const q = useQuery({ queryKey: ['GetMlflowExperiment', experimentId], queryFn: ({ signal }) => loam.GetMlflowExperiment({ ExperimentId: experimentId }, { signal }), enabled: experimentId !== '', retry: false });
  return q.data?.Experiment.Name ?? `Experiment ${experimentId}`;
}

/** The breadcrumb of a run's page: its run name (the same lookup as the run page's). */
export function RunCrumb({ runId }: { runId: string }) {
  const q = useQuery({ queryKey: ['GetMlflowRun', runId], queryFn: ({ signal }) => loam.GetMlflowRun({ RunId: runId }, { signal }), retry: false });
  return <>{q.data?.Run.Info.RunName ?? `Run ${runId.slice(0, 8)}`}</>;
}

/** An experiment's name (its page's breadcrumb, the run page's link to it), as MLflow's and SageMaker's UIs show it. */
export function ExperimentName({ experimentId }: { experimentId: string }) {
  return <>{useExperimentName(experimentId)}</>;
}
