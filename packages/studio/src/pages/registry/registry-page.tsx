import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Stack } from '@mantine/core';
import { OperationModal } from '../../patterns/operation-modal.js';
import { ResourceList } from '../../patterns/resource-list.js';
import { groupPath } from './registry-paths.js';
import { PageHeader } from '../../patterns/page-header.js';

/** The Model Registry: model groups, each holding numbered versions (model packages) awaiting approval. */
export function RegistryPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return (
    <Stack>
      <PageHeader
        title="Model registry"
        description={
          <>
            Model groups hold versions of a model; approve a version to release it, then deploy it.
          </>
        }
      >
        <OperationModal
          operation="CreateModelPackageGroup"
          buttonLabel="Create model group"
          title="Create model group"
          onDone={(_out, input) => {
            void qc.invalidateQueries({ queryKey: ['ListModelPackageGroups'] });
            void navigate({ to: groupPath(String(input.ModelPackageGroupName)) });
          }}
        />
      </PageHeader>
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
