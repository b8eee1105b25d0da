import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Group, Select } from '@mantine/core';
import { loam } from '../api/client.js';
import { useNotifications } from '../app/notifications.js';
import { toUserFacingError } from '../schema/problems.js';

/** Pick a managed policy not yet attached and attach it (AttachUserPolicy). */
export function AttachPolicy({ userName, attached, onAttached }: { userName: string; attached: readonly string[]; onAttached: () => void }) {
  const { notify } = useNotifications();
  const [choice, setChoice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const q = useQuery({ queryKey: ['ListPolicies', 'all'], queryFn: ({ signal }) => loam.ListPolicies({ MaxResults: 100 }, { signal }) });
  const options = (q.data?.Policies ?? []).map((p) => p.PolicyName).filter((n) => !attached.includes(n));
  const attach = async () => {
    if (!choice) return;
    setBusy(true);
    try {
      await loam.AttachUserPolicy({ UserName: userName, PolicyName: choice });
      notify({ title: `${choice} attached to ${userName}`, tone: 'success' });
      setChoice(null);
      onAttached();
    } catch (e) {
      const u = toUserFacingError(e, { iamAction: 'iam:AttachUserPolicy' });
      notify({ title: u.title, message: `${u.detail} ${u.action}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group gap="xs" wrap="nowrap">
      <Select size="xs" aria-label="Policy to attach" placeholder={options.length ? 'Choose a policy' : 'All policies attached'} data={options} value={choice} onChange={setChoice} searchable w={200} disabled={options.length === 0} />
      <Button size="xs" onClick={() => void attach()} disabled={!choice} loading={busy}>
        Attach
      </Button>
    </Group>
  );
}
