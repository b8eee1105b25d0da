import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Stack } from '@mantine/core';
import { useNotifications } from '../app/notifications.js';
import { OperationModal } from '../patterns/operation-modal.js';
import { ResourceList } from '../patterns/resource-list.js';
import { PageHeader } from '../patterns/page-header.js';
import { userPath } from './iam-paths.js';

export { userPath };

/** Users & access keys: everyone who can use this Loam, and a form to add one. */
export function UsersPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  return (
    <Stack>
      <PageHeader
        title="Users & access keys"
        description={
          <>
            Open a user to manage their access keys (for AWS SDKs and the aws CLI), API tokens (for the REST API) and policies.
          </>
        }
      >
        <OperationModal
          operation="CreateUser"
          buttonLabel="Create user"
          title="Create user"
          submitLabel="Create user"
          onDone={(_out, input) => {
            const name = String(input.UserName);
            void qc.invalidateQueries({ queryKey: ['ListUsers'] });
            notify({ title: `User ${name} created`, message: 'Give them an access key, an API token or a sign-in link from their page.', tone: 'success', to: userPath(name) });
            void navigate({ to: userPath(name) });
          }}
        />
      </PageHeader>
      <ResourceList operation="ListUsers" linkTo={(u) => userPath(String(u.UserName))} omitColumns={['UserId']} caption="Users" />
    </Stack>
  );
}
