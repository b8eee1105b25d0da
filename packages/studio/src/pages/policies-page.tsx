import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Stack } from '@mantine/core';
import { useNotifications } from '../app/notifications.js';
import { OperationModal } from '../patterns/operation-modal.js';
import { ResourceList } from '../patterns/resource-list.js';
import { PageHeader } from '../patterns/page-header.js';
import { policyPath } from './iam-paths.js';

export { policyPath };

const example = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sagemaker:Describe*', 'sagemaker:List*'], Resource: '*' }] }, null, 2);

/** Managed policies: what users may do. Built-in ones first, then the ones you write. */
export function PoliciesPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  return (
    <Stack>
      <PageHeader
        title="Policies"
        description={
          <>
            IAM policy documents: which actions a user may take on which resources. Attach them on a user’s page.
          </>
        }
      >
        <OperationModal
          operation="CreatePolicy"
          buttonLabel="Create policy"
          title="Create policy"
          submitLabel="Create policy"
          initial={{ PolicyDocument: example }}
          onDone={(_o, input) => {
            const name = String(input.PolicyName);
            void qc.invalidateQueries({ queryKey: ['ListPolicies'] });
            notify({ title: `Policy ${name} created`, tone: 'success', to: policyPath(name) });
            void navigate({ to: policyPath(name) });
          }}
        />
      </PageHeader>
      <ResourceList operation="ListPolicies" linkTo={(p) => policyPath(String(p.PolicyName))} omitColumns={['PolicyDocument', 'Arn']} caption="Policies" />
    </Stack>
  );
}
