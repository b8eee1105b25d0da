import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Group, Stack, Text, Title } from '@mantine/core';
import { OperationModal } from '../../patterns/operation-modal.js';
import { ResourceList } from '../../patterns/resource-list.js';
import { groupPath } from './registry-paths.js';

/** The Model Registry: model groups, each holding numbered versions (model packages) awaiting approval. */
export function RegistryPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Model registry
          </Title>
          <Text size="sm" c="dimmed">
            Model groups hold versions of a model; approve a version to release it, then deploy it.
          </Text>
        </div>
        <OperationModal
          operation="CreateModelPackageGroup"
          buttonLabel="Create model group"
          title="Create model group"
          onDone={(_out, input) => {
            void qc.invalidateQueries({ queryKey: ['ListModelPackageGroups'] });
            void navigate({ to: groupPath(String(input.ModelPackageGroupName)) });
          }}
        />
      </Group>
      <ResourceList
        operation="ListModelPackageGroups"
        linkTo={(g) => groupPath(String(g.ModelPackageGroupName))}
        omitColumns={['ModelPackageGroupArn']}
        caption="Model groups"
        empty="No model groups yet. Create one, then register model versions into it."
      />
    </Stack>
  );
}
