import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Anchor, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { componentRunRequests, isTrainingJobComponent, pickComponentRun, type ComponentSummary, type RunMatch } from './component-runs.js';
import { experimentPath, quote, runPath, type Run } from './mlflow-data.js';

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
 * The MLflow run a trial component is (found as componentRunRequests says), as a link to the run's page;
 * a dash when no run can be told apart. `experimentIds` (or `parentExperiment`, by name): where a training job's run may be.
 * A run found only by the start-time fallback (made before the server tagged component runs) says so.
 */
export function ComponentRunLink({ component, experimentIds, label, parentExperiment }: { component: ComponentSummary; experimentIds: readonly string[]; label?: string; parentExperiment?: string | undefined }) {
  // A training job's run is in its experiment: the one the trial holding the component is in.
  const ofJob = isTrainingJobComponent(component);
  const parentId = useExperimentId(ofJob ? parentExperiment : undefined);
  const waiting = ofJob && parentExperiment !== undefined && parentId === undefined;
  const requests = componentRunRequests(component, parentId ? [...experimentIds, parentId] : experimentIds);
  const q = useQuery({
    queryKey: ['ComponentRun', requests, component.StartTime, component.DisplayName],
    enabled: !waiting,
    staleTime: 30_000,
    queryFn: async ({ signal }): Promise<{ run: Run; how: RunMatch } | null> => {
      const exact = pickComponentRun(component, (await loam.ListMlflowRuns(requests.exact, { signal })).Runs, 'exact');
      if (exact) return { run: exact, how: 'exact' };
      if (!requests.startTime) return null;
      const byTime = pickComponentRun(component, (await loam.ListMlflowRuns(requests.startTime, { signal })).Runs, 'startTime');
      return byTime ? { run: byTime, how: 'startTime' } : null;
    },
  });
  const found = q.data;
  if (!found) {
    return (
      <Text span size="sm" c="dimmed">
        {q.isPending && !waiting ? 'Finding run…' : (label ?? '—')}
      </Text>
    );
  }
  const { run, how } = found;
  const guessed = how === 'startTime';
  return (
    <>
      <Anchor
        component={Link}
        to={runPath(run.Info.RunId)}
        aria-label={`Run of ${component.TrialComponentName}: ${run.Info.RunName}${guessed ? ' (matched by start time)' : ''}`}
        title={guessed ? 'This run carries no loam.trial_component_name tag (made before Loam tagged component runs): it is the Default experiment’s run started at the component’s start time.' : undefined}
      >
        {label ?? run.Info.RunName}
      </Anchor>
      {guessed && (
        <Text span size="xs" c="dimmed">
          {' '}
          (matched by start time)
        </Text>
      )}
    </>
  );
}
