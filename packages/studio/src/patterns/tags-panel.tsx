import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Group, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { loam } from '../api/client.js';
import { toUserFacingError } from '../schema/problems.js';
import { useNotifications } from '../app/notifications.js';
import { ConfirmButton } from './confirm-button.js';
import { ErrorAlert } from './error-alert.js';
import { OperationModal } from './operation-modal.js';

/** The tags of any resource, by ARN: list (ListTags), add (a form generated from AddTags), remove (DeleteTags). */
export function TagsPanel({ arn, name }: { arn: string; name: string }) {
  const qc = useQueryClient();
  const { notify } = useNotifications();
  const q = useQuery({ queryKey: ['ListTags', arn], queryFn: ({ signal }) => loam.ListTags({ ResourceArn: arn }, { signal }) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['ListTags', arn] });
  const tags = q.data?.Tags ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Tags label {name} for search, cost reports and policies.
        </Text>
        <OperationModal
          operation="AddTags"
          fixed={{ ResourceArn: arn }}
          initial={{ Tags: [{ Key: '', Value: '' }] }}
          buttonLabel="Add tags"
          title={`Add tags to ${name}`}
          submitLabel="Add tags"
          button={{ variant: 'light', size: 'xs' }}
          onDone={() => {
            void refresh();
            notify({ title: `Tags saved on ${name}`, tone: 'success' });
          }}
        />
      </Group>
      {q.error && <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:ListTags' })} />}
      {q.data && tags.length === 0 && (
        <Text size="sm" c="dimmed">
          No tags yet.
        </Text>
      )}
      {tags.length > 0 && (
        <Table aria-label={`Tags on ${name}`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Key</Table.Th>
              <Table.Th>Value</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tags.map((t) => (
              <Table.Tr key={t.Key}>
                <Table.Td>{t.Key}</Table.Td>
                <Table.Td>{t.Value || '—'}</Table.Td>
                <Table.Td align="right">
                  <ConfirmButton
                    label="Remove"
                    ariaLabel={`Remove tag ${t.Key}`}
                    variant="subtle"
                    title={`Remove tag ${t.Key}?`}
                    message={`The tag ${t.Key}=${t.Value} will be removed from ${name}.`}
                    iamAction="sagemaker:DeleteTags"
                    onConfirm={async () => {
                      await loam.DeleteTags({ ResourceArn: arn, TagKeys: [t.Key] });
                      await refresh();
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
