import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { Code, SimpleGrid, Skeleton, Stack, Table, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { formatCell } from '../../schema/format.js';
import { labelFor } from '../../schema/labels.js';
import { toUserFacingError } from '../../schema/problems.js';
import { DeployModelButton } from './deploy-model-button.js';

type Container = Readonly<Record<string, unknown>> & { readonly Environment?: Readonly<Record<string, string>> };

/** One container: its scalar settings (whatever the API returned), then its environment as a table. */
function ContainerView({ c, label }: { c: Container; label: string }) {
  const { Environment: env = {}, ...rest } = c;
  const scalars = Object.entries(rest).filter(([, v]) => typeof v !== 'object');
  const nested = Object.entries(rest).filter(([, v]) => v && typeof v === 'object');
  return (
    <Stack gap="xs" aria-label={label}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" component="dl" style={{ margin: 0 }}>
        {[...scalars, ...nested].map(([k, v]) => (
          <div key={k}>
            <Text component="dt" size="xs" c="dimmed" fw={500}>
              {labelFor(k)}
            </Text>
            <Text component="dd" size="sm" m={0} style={{ wordBreak: 'break-all' }}>
              {k === 'ModelDataUrl' || k === 'Image' ? <Code>{String(v)}</Code> : formatCell(v)}
            </Text>
          </div>
        ))}
      </SimpleGrid>
      {Object.keys(env).length === 0 ? (
        <Text size="sm" c="dimmed">No environment variables.</Text>
      ) : (
        <Table withTableBorder verticalSpacing={4} aria-label={`Environment of ${label}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Variable</Table.Th>
              <Table.Th>Value</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {Object.entries(env).map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Td>
                  <Code>{k}</Code>
                </Table.Td>
                <Table.Td style={{ wordBreak: 'break-all' }}>{v}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** One model: its containers (image, model data, environment), tags, deploy (endpoint config and endpoint in one step), delete. */
export function ModelDetailPage() {
  const { modelName } = useParams({ strict: false }) as { modelName: string };
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const q = useQuery({ queryKey: ['DescribeModel', modelName], queryFn: ({ signal }) => loam.DescribeModel({ ModelName: modelName }, { signal }) });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeModel' })} />;
  const m = q.data;
  if (!m) return <Skeleton height={240} aria-label="Loading model" />;
  const containers = [...(m.PrimaryContainer ? [{ c: m.PrimaryContainer as Container, label: 'Primary container' }] : []), ...(m.Containers ?? []).map((c, i) => ({ c: c as Container, label: `Container ${i + 1}` }))];
  return (
    <ResourceDetail
      kind="Model"
      name={m.ModelName}
      item={{ ...m, Arn: m.ModelArn }}
      summaryOmit={['Arn', 'ModelName']}
      actions={
        <>
        <DeployModelButton model={m.ModelName} />
        <ConfirmButton
          label="Delete"
          title={`Delete model ${m.ModelName}?`}
          message="Endpoints already serving it keep running; new endpoint configs can no longer name it."
          iamAction="sagemaker:DeleteModel"
          onConfirm={async () => {
            await loam.DeleteModel({ ModelName: m.ModelName });
            notify({ title: `Model ${m.ModelName} deleted`, tone: 'info' });
            await navigate({ to: '/models' });
          }}
        />
        </>
      }
      sections={containers.map(({ c, label }) => ({ title: label, content: <ContainerView c={c} label={label} /> }))}
    />
  );
}
