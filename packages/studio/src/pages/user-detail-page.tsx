import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { Alert, Button, Code, CopyButton, Group, Skeleton, Stack, Text } from '@mantine/core';
import { loam } from '../api/client.js';
import { useNotifications } from '../app/notifications.js';
import { useSession } from '../app/session.js';
import { toUserFacingError } from '../schema/problems.js';
import { ConfirmButton } from '../patterns/confirm-button.js';
import { ErrorAlert } from '../patterns/error-alert.js';
import { OperationModal } from '../patterns/operation-modal.js';
import { ResourceDetail } from '../patterns/resource-detail.js';
import { ResourceList } from '../patterns/resource-list.js';
import { AttachPolicy } from './attach-policy.js';
import { policyPath } from './policies-page.js';

/** One user: summary, access keys (secret shown once), API tokens, policies, a sign-in link, tags. */
export function UserDetailPage() {
  const { userName } = useParams({ strict: false }) as { userName: string };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const { session } = useSession();
  const [link, setLink] = useState<string | undefined>();
  const q = useQuery({ queryKey: ['GetUser', userName], queryFn: ({ signal }) => loam.GetUser({ UserName: userName }, { signal }) });
  const refresh = (...ops: string[]) => Promise.all(ops.map((op) => qc.invalidateQueries({ queryKey: [op] })));
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'iam:GetUser' })} />;
  if (!q.data) return <Skeleton height={240} aria-label="Loading user" />;
  const u = q.data.User;
  const fixed = { UserName: u.UserName };

  return (
    <ResourceDetail
      kind="User"
      name={u.UserName}
      item={u}
      summaryOmit={['AttachedPolicies']}
      actions={
        <ConfirmButton
          label="Delete user"
          disabled={u.UserName === session.userName}
          title={`Delete user ${u.UserName}?`}
          message={`${u.UserName} will be deleted with all their access keys, API tokens and sessions. Programs using those credentials stop working at once.`}
          iamAction="iam:DeleteUser"
          onConfirm={async () => {
            await loam.DeleteUser({ UserName: u.UserName });
            await refresh('ListUsers');
            notify({ title: `User ${u.UserName} deleted`, tone: 'success' });
            void navigate({ to: '/users' });
          }}
        />
      }
      sections={[
        {
          title: 'Access keys',
          actions: <OperationModal operation="CreateAccessKey" fixed={fixed} buttonLabel="Create access key" title={`New access key for ${u.UserName}`} submitLabel="Create access key" button={{ size: 'xs' }} onDone={() => void refresh('ListAccessKeys')} />,
          content: (
            <ResourceList
              operation="ListAccessKeys"
              input={fixed}
              omitColumns={['UserName']}
              caption={`Access keys of ${u.UserName}`}
              empty="No access keys. Create one for the AWS SDKs, boto3 or the aws CLI (they sign requests with it)."
              rowActions={(k) => {
                const id = String(k.AccessKeyId);
                const next = k.Status === 'Active' ? 'Inactive' : 'Active';
                return (
                  <>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`${next === 'Active' ? 'Activate' : 'Deactivate'} access key ${id}`}
                      onClick={() => void loam.UpdateAccessKey({ ...fixed, AccessKeyId: id, Status: next }).then(() => refresh('ListAccessKeys'), (e: unknown) => notify({ title: 'Could not change the key', message: toUserFacingError(e).detail, tone: 'error' }))}
                    >
                      {next === 'Active' ? 'Activate' : 'Deactivate'}
                    </Button>
                    <ConfirmButton
                      label="Delete"
                      ariaLabel={`Delete access key ${id}`}
                      title="Delete access key?"
                      message={`Requests signed with ${id} will fail from now on.`}
                      iamAction="iam:DeleteAccessKey"
                      onConfirm={async () => {
                        await loam.DeleteAccessKey({ ...fixed, AccessKeyId: id });
                        await refresh('ListAccessKeys');
                      }}
                    />
                  </>
                );
              }}
            />
          ),
        },
        {
          title: 'API tokens',
          actions: <OperationModal operation="CreateApiToken" fixed={fixed} buttonLabel="Create API token" title={`New API token for ${u.UserName}`} submitLabel="Create API token" button={{ size: 'xs' }} onDone={() => void refresh('ListApiTokens')} />,
          content: (
            <ResourceList
              operation="ListApiTokens"
              input={fixed}
              caption={`API tokens of ${u.UserName}`}
              omitColumns={['UserName']}
              empty="No API tokens. Create one for the REST API (Authorization: Bearer …), MLflow clients or load tools."
              rowActions={(t) => (
                <ConfirmButton
                  label="Revoke"
                  ariaLabel={`Revoke API token ${String(t.TokenName)}`}
                  title={`Revoke API token ${String(t.TokenName)}?`}
                  message="Requests using this token will be refused from now on."
                  iamAction="iam:DeleteApiToken"
                  onConfirm={async () => {
                    await loam.DeleteApiToken({ ...fixed, TokenId: String(t.TokenId) });
                    await refresh('ListApiTokens');
                  }}
                />
              )}
            />
          ),
        },
        {
          title: 'Policies',
          actions: <AttachPolicy userName={u.UserName} attached={u.AttachedPolicies} onAttached={() => void refresh('ListAttachedUserPolicies', 'GetUser')} />,
          content: (
            <ResourceList
              operation="ListAttachedUserPolicies"
              input={fixed}
              caption={`Policies attached to ${u.UserName}`}
              linkTo={(p) => policyPath(String(p.PolicyName))}
              empty="No policies: this user can sign in but do nothing. Attach ReadOnlyAccess or AdministratorAccess, or a policy of your own."
              rowActions={(p) => (
                <ConfirmButton
                  label="Detach"
                  ariaLabel={`Detach policy ${String(p.PolicyName)}`}
                  title={`Detach ${String(p.PolicyName)}?`}
                  message={`${u.UserName} loses what ${String(p.PolicyName)} allowed, from their next request.`}
                  iamAction="iam:DetachUserPolicy"
                  onConfirm={async () => {
                    await loam.DetachUserPolicy({ UserName: u.UserName, PolicyName: String(p.PolicyName) });
                    await refresh('ListAttachedUserPolicies', 'GetUser');
                  }}
                />
              )}
            />
          ),
        },
        {
          title: 'Studio sign-in',
          actions: (
            <OperationModal
              operation="CreateLoginLink"
              fixed={fixed}
              buttonLabel="Create sign-in link"
              title={`Sign-in link for ${u.UserName}`}
              submitLabel="Create link"
              button={{ size: 'xs', variant: 'light' }}
              onDone={(out) => setLink((out as { AuthorizedUrl: string }).AuthorizedUrl)}
            />
          ),
          content: link ? (
            <Alert color="blue" variant="light" title="One-time sign-in link">
              <Stack gap={6}>
                <Text size="sm">Send this to {u.UserName}; it works once, in any browser that can reach this server.</Text>
                <Group gap="xs" wrap="nowrap">
                  <Code style={{ wordBreak: 'break-all', flex: 1 }}>{link}</Code>
                  <CopyButton value={link}>{({ copied, copy }) => <Button size="compact-sm" onClick={copy}>{copied ? 'Copied' : 'Copy link'}</Button>}</CopyButton>
                </Group>
              </Stack>
            </Alert>
          ) : (
            <Text size="sm" c="dimmed">
              A one-time link signs {u.UserName} in to Studio without a password. The CLI equivalent is <Code>npx loam login-link --user-name {u.UserName}</Code>.
            </Text>
          ),
        },
      ]}
    />
  );
}
