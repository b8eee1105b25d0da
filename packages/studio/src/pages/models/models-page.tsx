import { Link } from '@tanstack/react-router';
import { Anchor, Group, Stack, Text, Title } from '@mantine/core';
import { ResourceList } from '../../patterns/resource-list.js';
import { builtInXgboostImage } from '../jobs/job-paths.js';
import { CreateDialog } from './create-dialog.js';
import { modelPath, stampedName } from './model-paths.js';

/** Models: what an endpoint serves — an image and the model.tar.gz a training job wrote. */
export function ModelsPage() {
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Models
          </Title>
          <Text size="sm" c="dimmed">
            A model pairs a serving image with the model data a training job wrote. Serve one from an <Anchor component={Link} to="/endpoint-configs">endpoint config</Anchor> on an{' '}
            <Anchor component={Link} to="/endpoints">endpoint</Anchor>.
          </Text>
        </div>
        <CreateDialog
          operation="CreateModel"
          title="Create model"
          nameKey="ModelName"
          listOperation="ListModels"
          pathOf={modelPath}
          initial={() => ({ ModelName: stampedName('model'), 'PrimaryContainer.Image': builtInXgboostImage })}
        />
      </Group>
      <ResourceList operation="ListModels" linkTo={(m) => modelPath(String(m.ModelName))} omitColumns={['ModelArn']} caption="Models" empty="No models yet. Create one from a training job’s model artifact." />
    </Stack>
  );
}
