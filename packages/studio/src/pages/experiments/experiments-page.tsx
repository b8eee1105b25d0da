import { Stack, Text, Title } from '@mantine/core';
import { ResourceList } from '../../patterns/resource-list.js';
import { experimentPath } from './mlflow-data.js';

/** Experiments: named groups of runs (MLflow's model); training jobs log to Default unless told otherwise. */
export function ExperimentsPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Experiments
        </Title>
        <Text size="sm" c="dimmed">
          Every training job is a run here, with its hyperparameters and metrics. MLflow clients (mlflow.set_tracking_uri) log here too.
        </Text>
      </div>
      <ResourceList operation="ListMlflowExperiments" linkTo={(e) => experimentPath(String(e.ExperimentId))} omitColumns={['ArtifactLocation', 'CreationTime', 'LastUpdateTime']} caption="Experiments" empty="No experiments yet." />
    </Stack>
  );
}
