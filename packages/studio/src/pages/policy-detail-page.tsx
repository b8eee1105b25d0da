import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../api/client.js';
import { useNotifications } from '../app/notifications.js';
import { toUserFacingError } from '../schema/problems.js';
import { ConfirmButton } from '../patterns/confirm-button.js';
import { ErrorAlert } from '../patterns/error-alert.js';
import { JsonView } from '../patterns/json-view.js';
import { ResourceDetail } from '../patterns/resource-detail.js';

function parsed(doc: string): unknown {
  try {
    return JSON.parse(doc);
  } catch {
    return doc;
  }
}

export function PolicyDetailPage() {
  const { policyName } = useParams({ strict: false }) as { policyName: string };
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const q = useQuery({ queryKey: ['GetPolicy', policyName], queryFn: ({ signal }) => loam.GetPolicy({ PolicyName: policyName }, { signal }) });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'iam:GetPolicy' })} />;
  if (!q.data) return <Skeleton height={240} aria-label="Loading policy" />;
  const p = q.data.Policy;
  return (
    <ResourceDetail
      kind="Policy"
      name={p.PolicyName}
      item={p}
      summaryOmit={['PolicyDocument']}
      actions={
        <ConfirmButton
          label="Delete policy"
          disabled={p.IsBuiltIn || p.AttachmentCount > 0}
          title={`Delete policy ${p.PolicyName}?`}
          message={`The policy ${p.PolicyName} will be deleted. This cannot be undone.`}
          iamAction="iam:DeletePolicy"
          onConfirm={async () => {
            await loam.DeletePolicy({ PolicyName: p.PolicyName });
            notify({ title: `Policy ${p.PolicyName} deleted`, tone: 'success' });
            void navigate({ to: '/policies' });
          }}
        />
      }
      sections={[
        {
          title: 'Document',
          content: (
            <Stack gap="xs">
              {(p.IsBuiltIn || p.AttachmentCount > 0) && (
                <Text size="sm" c="dimmed">
                  {p.IsBuiltIn ? 'Built-in policies cannot be changed or deleted.' : `Attached to ${p.AttachmentCount} user${p.AttachmentCount === 1 ? '' : 's'}: detach it from them before deleting.`}
                </Text>
              )}
              <JsonView value={parsed(p.PolicyDocument)} label="Policy document" />
            </Stack>
          ),
        },
      ]}
    />
  );
}
