import { Link } from '@tanstack/react-router';
import { Anchor, Stack } from '@mantine/core';
import { ResourceList } from '../../patterns/resource-list.js';
import { builtInXgboostImage } from '../jobs/job-paths.js';
import { CreateDialog } from './create-dialog.js';
import { modelPath, stampedName } from './model-paths.js';
import { PageHeader } from '../../patterns/page-header.js';

/** Models: what an endpoint serves — an image and the model.tar.gz a training job wrote. */
export function ModelsPage() {
  return (
    <Stack>
      <PageHeader
        title="Models"
        description={
          <>
            A model pairs a serving image with the model data a training job wrote. Serve one from an <Anchor component={Link} to="/endpoint-configs">endpoint config</Anchor> on an{' '}
            <Anchor component={Link} to="/endpoints">endpoint</Anchor>.
          </>
        }
      >
        <CreateDialog
          operation="CreateModel"
          title="Create model"
          nameKey="ModelName"
          listOperation="ListModels"
          pathOf={modelPath}
          initial={() => ({ ModelName: stampedName('model'), 'PrimaryContainer.Image': builtInXgboostImage })}
        />
      </PageHeader>
      <ResourceList operation="ListModels" linkTo={(m) => modelPath(String(m.ModelName))} omitColumns={['ModelArn']} caption="Models" empty="No models yet. Create one from a training job’s model artifact." />
    </Stack>
  );
}
