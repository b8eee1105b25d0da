import { Anchor, Card, List, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { NavItem } from '../app/navigation.js';

/** A page whose capability hasn't shipped: says what it will hold and where to go meanwhile, never fake data. */
export function PlaceholderPage({ item }: { item: NavItem }) {
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {item.label}
      </Title>
      <Card withBorder padding="lg" radius="md">
        <Stack gap="xs">
          <Text fw={600}>Coming with {item.comingWith}.</Text>
          <Text size="sm">{item.description} This page fills in when that part of Loam ships; nothing here is simulated.</Text>
          <Text size="sm">Available today:</Text>
          <List size="sm">
            <List.Item>
              <Anchor component={Link} to="/users">
                Users & access keys
              </Anchor>{' '}
              — who can use Loam and with which credentials
            </List.Item>
            <List.Item>
              <Anchor component={Link} to="/policies">
                Policies
              </Anchor>{' '}
              and{' '}
              <Anchor component={Link} to="/tags">
                Tags
              </Anchor>
            </List.Item>
          </List>
        </Stack>
      </Card>
    </Stack>
  );
}
