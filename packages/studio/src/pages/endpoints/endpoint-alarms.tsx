import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ConfirmButton } from '../../patterns/confirm-button.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { StatusBadge } from '../../patterns/status-badge.js';
import { toUserFacingError } from '../../schema/problems.js';
import { NestedOperationForm } from '../jobs/nested-operation-form.js';
import { conditionOf } from './alarm-condition.js';
import { RowsTable } from './rows-table.js';
import { FormModal } from '../../patterns/form-modal.js';

/** The alarms on this endpoint's metrics (what AutoRollbackConfiguration can name), with their state; add and delete. */
export function EndpointAlarms({ endpointName }: { endpointName: string }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const q = useQuery({ queryKey: ['DescribeAlarms', {}], queryFn: ({ signal }) => loam.DescribeAlarms({}, { signal }), refetchInterval: 5000 });
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: 'cloudwatch:DescribeAlarms' })} />;
  const mine = (q.data?.MetricAlarms ?? []).filter((a) => a.Dimensions.some((d) => d.Name === 'EndpointName' && d.Value === endpointName));
  const refresh = () => qc.invalidateQueries({ queryKey: ['DescribeAlarms'] });
  return (
    <Stack gap="xs">
      {mine.length === 0 ? (
        <Text size="sm" c="dimmed">No alarms watch this endpoint. An alarm on its 5xx errors or p99 latency can roll an update back by itself.</Text>
      ) : (
        <RowsTable
          rows={mine}
          label={`Alarms on ${endpointName}`}
          omit={['AlarmArn', 'Namespace', 'AlarmConfigurationUpdatedTimestamp', 'StateUpdatedTimestamp', 'StateReason', 'TreatMissingData', 'MetricName', 'Statistic', 'ExtendedStatistic', 'Period', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold', 'ComparisonOperator']}
          render={{ StateValue: (v, a) => <span title={String(a.StateReason ?? '')}><StatusBadge status={String(v)} /></span> }}
          extra={{
            Condition: (a) => conditionOf(a as never),
            Actions: (a) => (
              <ConfirmButton
                label="Delete"
                ariaLabel={`Delete alarm ${String(a.AlarmName)}`}
                title={`Delete alarm ${String(a.AlarmName)}?`}
                message="Deployments that name it in their rollback configuration no longer watch it."
                iamAction="cloudwatch:DeleteAlarms"
                onConfirm={async () => {
                  await loam.DeleteAlarms({ AlarmNames: [String(a.AlarmName)] });
                  await refresh();
                }}
              />
            ),
          }}
        />
      )}
      <div>
        <Button size="xs" variant="light" onClick={() => setOpen(true)}>
          Create alarm
        </Button>
      </div>
      <FormModal opened={open} onClose={() => setOpen(false)} title="Create alarm" size="xl">
        {open && (
          <NestedOperationForm
            operation="PutMetricAlarm"
            initialCounts={{ Dimensions: 1 }}
            initial={{ AlarmName: `${endpointName}-5xx`, MetricName: 'Invocation5XXErrors', Statistic: 'Sum', Period: '10', EvaluationPeriods: '1', Threshold: '1', ComparisonOperator: 'GreaterThanOrEqualToThreshold', 'Dimensions.0.Name': 'EndpointName', 'Dimensions.0.Value': endpointName }}
            submitLabel="Create alarm"
            onCancel={() => setOpen(false)}
            onDone={() => {
              setOpen(false);
              void refresh();
            }}
          />
        )}
      </FormModal>
    </Stack>
  );
}
