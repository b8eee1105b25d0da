import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { operations } from '@loam/contracts';
import { loam } from '../api/client.js';
import type { JsonSchema } from '../schema/fields.js';
import { checkString } from '../schema/validate.js';
import { TagsPanel } from '../patterns/tags-panel.js';

const arnSchema = (operations.ListTags.input as unknown as JsonSchema).properties!.ResourceArn!;

/** Tags on any resource: pick one of yours or paste an ARN, then list, add and remove its tags. */
export function TagsPage() {
  const search = useSearch({ strict: false }) as { arn?: string };
  const navigate = useNavigate();
  const [draft, setDraft] = useState(search.arn ?? '');
  const [error, setError] = useState<string | undefined>();
  const users = useQuery({ queryKey: ['ListUsers', 'tags-picker'], queryFn: ({ signal }) => loam.ListUsers({ MaxResults: 100 }, { signal }) });
  const policies = useQuery({ queryKey: ['ListPolicies', 'all'], queryFn: ({ signal }) => loam.ListPolicies({ MaxResults: 100 }, { signal }) });
  const known = [
    { group: 'Users', items: (users.data?.Users ?? []).map((u) => ({ value: u.Arn, label: u.UserName })) },
    { group: 'Policies', items: (policies.data?.Policies ?? []).map((p) => ({ value: p.Arn, label: p.PolicyName })) },
  ];
  const nameOf = (arn: string) => known.flatMap((g) => g.items).find((i) => i.value === arn)?.label ?? arn.split(/[:/]/).pop() ?? arn;
  const open = (arn: string) => {
    const m = checkString(arnSchema, arn.trim());
    setError(m);
    if (!m) void navigate({ to: '/tags', search: { arn: arn.trim() } });
  };
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Tags
        </Title>
        <Text size="sm" c="dimmed">
          Tags are key–value labels on any resource, addressed by its ARN — the same AddTags, ListTags and DeleteTags calls boto3 makes.
        </Text>
      </div>
      <Card withBorder radius="md">
        <Stack gap="sm">
          <Select
            label="Resource"
            placeholder="Choose a user or policy"
            data={known}
            searchable
            value={search.arn && known.some((g) => g.items.some((i) => i.value === search.arn)) ? search.arn : null}
            onChange={(v) => {
              if (v) {
                setDraft(v);
                open(v);
              }
            }}
            maw={420}
          />
          <form
            onSubmit={(e) => {
              e.preventDefault();
              open(draft);
            }}
          >
            <Group align="flex-start" gap="xs">
              <TextInput label="…or any resource ARN" value={draft} onChange={(e) => setDraft(e.currentTarget.value)} error={error} style={{ flex: 1 }} maw={620} placeholder="arn:loam:iam::000000000000:user/ana" />
              <Button type="submit" mt={25}>
                Show tags
              </Button>
            </Group>
          </form>
        </Stack>
      </Card>
      {search.arn && (
        <Card withBorder radius="md" component="section" aria-label={`Tags of ${nameOf(search.arn)}`}>
          <Title order={2} size="h4" mb="xs">
            {nameOf(search.arn)}
          </Title>
          <Text size="xs" c="dimmed" mb="sm" style={{ wordBreak: 'break-all' }}>
            {search.arn}
          </Text>
          <TagsPanel arn={search.arn} name={nameOf(search.arn)} />
        </Card>
      )}
    </Stack>
  );
}
