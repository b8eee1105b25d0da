import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Group, Stack, Text, Title } from '@mantine/core';
import { useNotifications } from '../app/notifications.js';
import { OperationModal } from '../patterns/operation-modal.js';
import { ResourceList } from '../patterns/resource-list.js';

export const userPath = (name: string) => `/users/${encodeURIComponent(name)}`;

/** Users & access keys: everyone who can use this Loam, and a form to add one. */
export function UsersPage() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            Users & access keys
          </Title>
          <Text size="sm" c="dimmed">
            Open a user to manage their access keys (for AWS SDKs and the aws CLI), API tokens (for the REST API) and policies.
          </Text>
        </div>
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
      </Group>
      <ResourceList operation="ListUsers" linkTo={(u) => userPath(String(u.UserName))} omitColumns={['UserId']} caption="Users" />
    </Stack>
  );
}
