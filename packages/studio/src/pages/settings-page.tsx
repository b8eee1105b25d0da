import { useQuery } from '@tanstack/react-query';
import { Button, Card, Code, Group, SegmentedControl, Stack, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { getOperation } from '@loam/contracts';
import { loam } from '../api/client.js';
import { fetchHealth } from '../api/session.js';
import { useSession } from '../app/session.js';
import { shortcutList } from '../app/shortcuts.js';
import { toUserFacingError } from '../schema/problems.js';
import { ErrorAlert } from '../patterns/error-alert.js';
import { JsonView } from '../patterns/json-view.js';
import { StatusBadge } from '../patterns/status-badge.js';

/** The server's configuration, once the API offers an operation for it (secrets redacted server-side). */
const configOperation = getOperation('DescribeServerConfig');

function ServerConfig() {
  const q = useQuery({ queryKey: ['DescribeServerConfig'], enabled: Boolean(configOperation), queryFn: ({ signal }) => loam.call('DescribeServerConfig', {}, { signal }) });
  if (!configOperation) {
    return (
      <Text size="sm">
        This server does not yet offer its configuration over the API, so Studio can’t show it here. On the machine running Loam, <Code>npx loam doctor --json</Code> prints the effective configuration with secrets redacted and where each value came from.
      </Text>
    );
  }
  if (q.error) return <ErrorAlert error={toUserFacingError(q.error, { iamAction: configOperation.iamAction })} />;
  return q.data ? <JsonView value={q.data} label="Effective configuration (secrets redacted)" /> : <Text size="sm">Loading…</Text>;
}

export function SettingsPage() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const { session, signOut } = useSession();
  const health = useQuery({ queryKey: ['healthz'], queryFn: ({ signal }) => fetchHealth(signal), refetchInterval: 10_000 });
  const card = (title: string, body: React.ReactNode) => (
    <Card withBorder radius="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {body}
    </Card>
  );
  return (
    <Stack maw={860}>
      <Title order={1} size="h2">
        Settings
      </Title>
      {card(
        'Appearance',
        <SegmentedControl
          aria-label="Colour theme"
          value={colorScheme}
          onChange={(v) => setColorScheme(v as MantineColorScheme)}
          data={[
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
            { value: 'auto', label: 'Follow system' },
          ]}
        />,
      )}
      {card(
        'Your session',
        <Stack gap="xs">
          <Text size="sm">
            Signed in as <strong>{session.userName}</strong>
          </Text>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
            {session.arn}
          </Text>
          <Group>
            <Button variant="light" color="red" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Stack>,
      )}
      {card(
        'Server',
        <Stack gap="xs">
          <Text size="sm">
            API endpoint: <Code>{window.location.origin}/api/v1</Code> — OpenAPI document in <Code>docs/openapi.json</Code>
          </Text>
          <Group gap="xs">
            <Text size="sm">Health:</Text>
            {health.data ? <StatusBadge status={health.data.status} /> : <Text size="sm">checking…</Text>}
            {health.data?.checks && <Text size="sm">{Object.entries(health.data.checks).map(([k, v]) => `${k}: ${v}`).join(', ')}</Text>}
          </Group>
        </Stack>,
      )}
      {card('Configuration', <ServerConfig />)}
      {card(
        'Keyboard shortcuts',
        <Stack gap={4}>
          {shortcutList.map(([k, what]) => (
            <Text size="sm" key={k}>
              <Code>{k}</Code> {what}
            </Text>
          ))}
        </Stack>,
      )}
    </Stack>
  );
}
