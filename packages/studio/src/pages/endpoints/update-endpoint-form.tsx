import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Group, MultiSelect, NativeSelect, NumberInput, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { loam } from '../../api/client.js';
import { ErrorAlert } from '../../patterns/error-alert.js';
import { labelFor } from '../../schema/labels.js';
import { toUserFacingError, type UserFacingError } from '../../schema/problems.js';
import { deploymentProblems, deploymentSchema as S, toDeploymentConfig, type DeploymentForm } from './deployment-config.js';

/** `ALL_AT_ONCE` → `All at once`. */
const choiceLabel = (t: string) => labelFor(t.toLowerCase().replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase()));
const num = (v: string | number): number | '' => (v === '' ? '' : Number(v));

/**
 * UpdateEndpoint as a form: the new config, how traffic moves to it (all at once, a canary then the rest,
 * or linear steps), how long to wait between steps and before the old fleet stops, and the alarms that
 * roll it back.
 */
export function UpdateEndpointForm({ endpointName, currentConfig, onDone, onCancel }: { endpointName: string; currentConfig?: string; onDone: (configName: string) => void; onCancel: () => void }) {
  const configs = useQuery({ queryKey: ['ListEndpointConfigs', { all: true }], queryFn: ({ signal }) => loam.ListEndpointConfigs({ MaxResults: 100, SortBy: 'CreationTime', SortOrder: 'Descending' }, { signal }) });
  const alarms = useQuery({ queryKey: ['DescribeAlarms', {}], queryFn: ({ signal }) => loam.DescribeAlarms({}, { signal }) });
  const [config, setConfig] = useState<string | null>(null);
  const [f, setF] = useState<DeploymentForm>({ type: 'ALL_AT_ONCE', sizeType: 'CAPACITY_PERCENT', sizeValue: 10, waitSeconds: 0, terminationSeconds: 0, maxTimeoutSeconds: '', alarms: [] });
  const [configError, setConfigError] = useState<string | undefined>();
  const [failure, setFailure] = useState<UserFacingError | undefined>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<ReturnType<typeof deploymentProblems>>({});
  const set = (patch: Partial<DeploymentForm>) => {
    setF((x) => ({ ...x, ...patch }));
    // A fixed number loses its message at once; new ones wait for the next submit.
    setProblems((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !(k in patch))));
  };
  const stepped = f.type !== 'ALL_AT_ONCE';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = deploymentProblems(f);
    setProblems(found);
    if (!config) setConfigError('Choose the endpoint config to move to.');
    if (!config || Object.keys(found).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await loam.UpdateEndpoint({ EndpointName: endpointName, EndpointConfigName: config, DeploymentConfig: toDeploymentConfig(f) as never });
      onDone(config);
    } catch (err) {
      setFailure(toUserFacingError(err, { iamAction: 'sagemaker:UpdateEndpoint' }));
    } finally {
      setBusy(false);
    }
  };
  const configChoices = (configs.data?.EndpointConfigs ?? []).map((c) => ({ value: c.EndpointConfigName, label: c.EndpointConfigName === currentConfig ? `${c.EndpointConfigName} (current)` : c.EndpointConfigName }));
  const alarmChoices = (alarms.data?.MetricAlarms ?? []).map((a) => ({ value: a.AlarmName, label: `${a.AlarmName} (${a.MetricName}, ${a.StateValue})` }));
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          A new fleet starts on the chosen config; once it answers, traffic shifts to it on the schedule below while the alarms are watched. If one fires, traffic returns to the current fleet.
        </Text>
        {failure && <ErrorAlert error={failure} onClose={() => setFailure(undefined)} />}
        <Select label="Endpoint config" placeholder="Choose a config" data={configChoices} value={config} onChange={(v) => { setConfig(v); setConfigError(undefined); }} searchable required error={configError} nothingFoundMessage="No endpoint configs" />
        <NativeSelect label="Traffic shift" data={S.routingTypes.map((t) => ({ value: t, label: choiceLabel(t) }))} value={f.type} onChange={(e) => set({ type: e.currentTarget.value })} />
        {stepped && (
          <SimpleGrid cols={2}>
            <NumberInput label={f.type === 'CANARY' ? 'Canary size' : 'Linear step size'} min={1} max={f.sizeType === 'CAPACITY_PERCENT' ? 100 : undefined} clampBehavior="none" value={f.sizeValue} onChange={(v) => set({ sizeValue: num(v) })} error={problems.sizeValue} required />
            <NativeSelect label="Size unit" data={S.sizeTypes.map((t) => ({ value: t, label: choiceLabel(t) }))} value={f.sizeType} onChange={(e) => set({ sizeType: e.currentTarget.value })} />
          </SimpleGrid>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NumberInput label="Wait between steps (s)" description={stepped ? 'Baking time after each shift' : 'Baking time before the old fleet stops'} min={S.wait.minimum} max={S.wait.maximum} clampBehavior="none" value={f.waitSeconds} onChange={(v) => set({ waitSeconds: num(v) })} error={problems.waitSeconds} />
          <NumberInput label="Termination wait (s)" description="Old fleet kept after the shift" min={S.termination.minimum} max={S.termination.maximum} clampBehavior="none" value={f.terminationSeconds} onChange={(v) => set({ terminationSeconds: num(v) })} error={problems.terminationSeconds} />
          <NumberInput label="Maximum execution time (s)" description="Optional" min={S.maxTimeout.minimum} max={S.maxTimeout.maximum} clampBehavior="none" value={f.maxTimeoutSeconds} onChange={(v) => set({ maxTimeoutSeconds: num(v) })} error={problems.maxTimeoutSeconds} />
        </SimpleGrid>
        <MultiSelect
          label="Roll back when any of these alarms fires"
          placeholder={alarmChoices.length ? 'Choose alarms' : 'No alarms yet'}
          data={alarmChoices}
          value={[...f.alarms]}
          onChange={(v) => set({ alarms: v })}
          maxValues={S.maxAlarms}
          searchable
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Update endpoint
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
