import { useState } from 'react';
import { flushSync } from 'react-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { Alert, Anchor, Button, Skeleton, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { useNotifications } from '../../app/notifications.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { ResourceDetail, type DetailSection } from '../../patterns/resource-detail.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { toUserFacingError } from '../../schema/problems.js';
import { endpointConfigPath } from '../models/model-paths.js';
import { EndpointAlarms } from './endpoint-alarms.js';
import { ENDPOINT_LOGS_ID, EndpointLogs } from './endpoint-logs.js';
import { EndpointTraffic } from './endpoint-traffic.js';
import { RolloutProgress } from './rollout-progress.js';
import { RowsTable } from './rows-table.js';
import { shareOf } from './traffic-share.js';
import { TestInvokePanel } from './test-invoke-panel.js';
import { UpdateEndpointForm } from './update-endpoint-form.js';
import { WeightsForm } from './weights-form.js';
import { FormModal } from '../../patterns/form-modal.js';

const moving = (s: string) => ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'].includes(s);
/** Statuses in which instances may still write: the Logs panel follows new lines. */
const writing = (s: string) => ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'InService'].includes(s);

/** Scrolls to the Logs panel and puts the keyboard on its lines, from a failure reason's link. */
function showLogs(ev: { preventDefault(): void }) {
  ev.preventDefault();
  const panel = document.getElementById(ENDPOINT_LOGS_ID);
  panel?.scrollIntoView({ block: 'start' });
  (panel?.querySelector<HTMLElement>('[role="log"]') ?? panel?.querySelector<HTMLElement>('select'))?.focus({ preventScroll: true });
}

/** One endpoint, live: variants with weights and instances, traffic and latency, rollout, test invoke, alarms, update, delete. */
/** Statuses in which the endpoint answers: during an update (blue/green, canary) the current fleet keeps serving. */
export const serving = (status: string) => ['InService', 'Updating', 'SystemUpdating', 'RollingBack'].includes(status);

export function EndpointDetailPage() {
  const { endpointName } = useParams({ strict: false }) as { endpointName: string };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const [updating, setUpdating] = useState(false);
  const [reweighting, setReweighting] = useState(false);
  // Once a delete is asked for, this page stops polling the endpoint: a poll answered after it is gone would be a 404.
  const [deleting, setDeleting] = useState(false);
  const q = useQuery({
    queryKey: ['DescribeEndpoint', endpointName],
    queryFn: ({ signal }) => loam.DescribeEndpoint({ EndpointName: endpointName }, { signal }),
    enabled: !deleting,
    refetchInterval: (query) => (query.state.data && !moving(query.state.data.EndpointStatus) ? 5000 : 1000),
  });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'sagemaker:DescribeEndpoint' })} />;
  const e = q.data;
  if (!e) return <Skeleton height={240} aria-label="Loading endpoint" />;
  const variants = e.ProductionVariants ?? [];
  const weights = variants.map((v) => v.CurrentWeight);
  const sections: DetailSection[] = [
    ...(e.FailureReason
      ? [
          {
            title: 'Failure',
            content: (
              <Alert color="red" title={e.EndpointStatus}>
                {e.FailureReason}{' '}
                <Anchor href={`#${ENDPOINT_LOGS_ID}`} onClick={showLogs} size="sm">
                  See the instances&apos; output in Logs
                </Anchor>
              </Alert>
            ),
          },
        ]
      : []),
    ...(e.PendingDeploymentSummary ? [{ title: 'Rollout', content: <RolloutProgress pending={e.PendingDeploymentSummary} current={variants} status={e.EndpointStatus} /> }] : []),
    {
      title: 'Variants',
      actions: (
        <Button size="xs" variant="light" disabled={e.EndpointStatus !== 'InService'} onClick={() => setReweighting(true)}>
          Change weights and instances
        </Button>
      ),
      content: (
        <RowsTable
          rows={variants}
          label={`Variants of ${e.EndpointName}`}
          omit={['DeployedImages', 'RoutingConfig']}
          render={{ VariantStatus: (v) => ((v ?? []) as { Status: string }[]).map((s) => <StatusBadge key={s.Status} status={s.Status} />) }}
          extra={{ 'Traffic share': (r) => shareOf(r.CurrentWeight, weights) }}
        />
      ),
    },
    {
      title: 'Logs',
      // Unmounted once a delete is asked for: a read answered after the endpoint is gone would be a 404.
      content: deleting ? <Text size="sm" c="dimmed">Deleting the endpoint removes its logs.</Text> : <EndpointLogs endpointName={e.EndpointName} live={writing(e.EndpointStatus)} />,
    },
    { title: 'Traffic and latency', content: <EndpointTraffic endpointName={e.EndpointName} live={!deleting} /> },
    {
      title: 'Test invoke',
      content: (
        <TestInvokePanel
          endpointName={e.EndpointName}
          variants={variants.map((v) => v.VariantName)}
          inService={serving(e.EndpointStatus)}
          forecaster={variants.some((v) => (v.DeployedImages ?? []).some((d) => /forecasting-deepar/.test(d.SpecifiedImage ?? '')))}
        />
      ),
    },
    { title: 'Alarms', content: <EndpointAlarms endpointName={e.EndpointName} /> },
  ];
  return (
    <>
      <ResourceDetail
        kind="Endpoint"
        name={e.EndpointName}
        item={{ ...e, Arn: e.EndpointArn }}
        summaryOmit={['Arn', 'EndpointName', 'FailureReason', 'EndpointConfigName']}
        actions={
          <>
            {e.EndpointConfigName && (
              <Anchor component={Link} to={endpointConfigPath(e.EndpointConfigName)} size="sm">
                Config: {e.EndpointConfigName}
              </Anchor>
            )}
            <Button size="xs" variant="light" disabled={e.EndpointStatus !== 'InService'} onClick={() => setUpdating(true)}>
              Update
            </Button>
            <ConfirmButton
              label="Delete"
              disabled={e.EndpointStatus === 'Deleting'}
              title={`Delete endpoint ${e.EndpointName}?`}
              message="Its instances are drained and stopped; invocations fail from then on. Its config and models stay."
              iamAction="sagemaker:DeleteEndpoint"
              onConfirm={async () => {
                flushSync(() => setDeleting(true));
                await qc.cancelQueries({ predicate: (query) => query.queryKey[1] === e.EndpointName && ['DescribeEndpoint', 'GetEndpointMetrics'].includes(String(query.queryKey[0])) });
                try {
                  await loam.DeleteEndpoint({ EndpointName: e.EndpointName });
                } catch (err) {
                  setDeleting(false);
                  throw err;
                }
                await qc.invalidateQueries({ queryKey: ['ListEndpoints'] });
                notify({ title: `Deleting endpoint ${e.EndpointName}`, tone: 'info' });
                await navigate({ to: '/endpoints' });
              }}
            />
          </>
        }
        sections={sections}
      />
      <FormModal opened={updating} onClose={() => setUpdating(false)} title={`Update ${e.EndpointName}`} size="lg">
        {updating && (
          <UpdateEndpointForm
            endpointName={e.EndpointName}
            {...(e.EndpointConfigName ? { currentConfig: e.EndpointConfigName } : {})}
            onCancel={() => setUpdating(false)}
            onDone={(config) => {
              setUpdating(false);
              notify({ title: `Updating ${e.EndpointName} to ${config}`, tone: 'info' });
              void qc.invalidateQueries({ queryKey: ['DescribeEndpoint', endpointName] });
            }}
          />
        )}
      </FormModal>
      <FormModal opened={reweighting} onClose={() => setReweighting(false)} title={`Weights and instances of ${e.EndpointName}`} size="lg">
        {reweighting && (
          <WeightsForm
            endpointName={e.EndpointName}
            variants={variants}
            onCancel={() => setReweighting(false)}
            onDone={() => {
              setReweighting(false);
              void qc.invalidateQueries({ queryKey: ['DescribeEndpoint', endpointName] });
            }}
          />
        )}
      </FormModal>
    </>
  );
}
