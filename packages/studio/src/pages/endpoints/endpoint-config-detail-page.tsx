import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { Anchor, Skeleton } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { JsonView } from '../../patterns/json-view.js';
import { ResourceDetail } from '../../patterns/resource-detail.js';
import { toUserFacingError } from '../../schema/problems.js';
import { modelPath } from '../models/model-paths.js';
import { RowsTable } from './rows-table.js';
import { shareOf } from './traffic-share.js';

/** One endpoint config: its production variants with their share of traffic, data capture, delete. */
export function EndpointConfigDetailPage() {
  const { configName } = useParams({ strict: false }) as { configName: string };
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const q = useQuery({ queryKey: ['DescribeEndpointConfig', configName], queryFn: ({ signal }) => loam.DescribeEndpointConfig({ EndpointConfigName: configName }, { signal }) });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeEndpointConfig' })} />;
  const c = q.data;
  if (!c) return <Skeleton height={240} aria-label="Loading endpoint config" />;
  const weights = c.ProductionVariants.map((v) => v.InitialVariantWeight ?? 1);
  return (
    <ResourceDetail
      kind="Endpoint config"
      name={c.EndpointConfigName}
      item={{ ...c, Arn: c.EndpointConfigArn }}
      summaryOmit={['Arn', 'EndpointConfigName']}
      actions={
        <ConfirmButton
          label="Delete"
          title={`Delete endpoint config ${c.EndpointConfigName}?`}
          message="Endpoints created from it keep running; it can no longer be deployed."
          iamAction="sagemaker:DeleteEndpointConfig"
          onConfirm={async () => {
            await loam.DeleteEndpointConfig({ EndpointConfigName: c.EndpointConfigName });
            notify({ title: `Endpoint config ${c.EndpointConfigName} deleted`, tone: 'info' });
            await navigate({ to: '/endpoint-configs' });
          }}
        />
      }
      sections={[
        {
          title: 'Production variants',
          content: (
            <RowsTable
              rows={c.ProductionVariants}
              label={`Production variants of ${c.EndpointConfigName}`}
              render={{ ModelName: (v) => <Anchor component={Link} to={modelPath(String(v))}>{String(v)}</Anchor> }}
              extra={{ 'Traffic share': (r) => shareOf(r.InitialVariantWeight ?? 1, weights) }}
            />
          ),
        },
        ...(c.DataCaptureConfig ? [{ title: 'Data capture', content: <JsonView value={c.DataCaptureConfig} label="Data capture config" /> }] : []),
      ]}
    />
  );
}
