import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { componentRunRequest, isTrainingJobComponent, pickComponentRun, type ComponentSummary } from './component-runs.js';
import { experimentPath, quote, runPath } from './mlflow-data.js';

/** An experiment's ID from its name (SageMaker names experiments, MLflow's pages take IDs); undefined while unknown or absent. */
export function useExperimentId(name: string | undefined): string | undefined {
  const q = useQuery({
    queryKey: ['ExperimentIdByName', name],
    enabled: Boolean(name),
    staleTime: 60_000,
    queryFn: async ({ signal }) => (await loam.ListMlflowExperiments({ Filter: `name = ${quote(name!)}`, MaxResults: 1 }, { signal })).Experiments[0]?.ExperimentId ?? null,
  });
  return q.data ?? undefined;
}

/** A link to the experiment page of an experiment named by its SageMaker name; its name alone while the ID is looked up. */
export function ExperimentLink({ name }: { name: string }) {
  const id = useExperimentId(name);
  if (id === undefined) return <>{name}</>;
  return (
    <Anchor component={Link} to={experimentPath(id)}>
      {name}
    </Anchor>
  );
}

/**
 * The MLflow run a trial component is (found as componentRunRequest says), as a link to the run's page;
 * a dash when no run can be told apart. `experimentIds` (or `parentExperiment`, by name): where a training job's run may be.
 */
export function ComponentRunLink({ component, experimentIds, label, parentExperiment }: { component: ComponentSummary; experimentIds: readonly string[]; label?: string; parentExperiment?: string | undefined }) {
  // A training job's run is in its experiment: the one the trial holding the component is in.
  const ofJob = isTrainingJobComponent(component);
  const parentId = useExperimentId(ofJob ? parentExperiment : undefined);
  const waiting = ofJob && parentExperiment !== undefined && parentId === undefined;
  const request = componentRunRequest(component, parentId ? [...experimentIds, parentId] : experimentIds);
  const q = useQuery({
    queryKey: ['ComponentRun', request],
    enabled: request !== undefined && !waiting,
    staleTime: 30_000,
    queryFn: async ({ signal }) => pickComponentRun(component, (await loam.ListMlflowRuns(request!, { signal })).Runs) ?? null,
  });
  const run = q.data;
  if (!run) {
    return (
      <Text span size="sm" c="dimmed">
        {q.isPending && request && !waiting ? 'Finding run…' : (label ?? '—')}
      </Text>
    );
  }
  return (
    <Anchor component={Link} to={runPath(run.Info.RunId)} aria-label={`Run of ${component.TrialComponentName}: ${run.Info.RunName}`}>
      {label ?? run.Info.RunName}
    </Anchor>
  );
}
