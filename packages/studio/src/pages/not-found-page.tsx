import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';

export function NotFoundPage() {
  return (
    <Stack maw={620}>
      <Title order={1} size="h2">
        No page here
      </Title>
      <Text size="sm">
        This address isn’t a Studio page. Use the navigation on the left, press <strong>/</strong> to search by name, or go{' '}
        <Anchor component={Link} to="/">
          home
        </Anchor>
        .
      </Text>
    </Stack>
  );
}
