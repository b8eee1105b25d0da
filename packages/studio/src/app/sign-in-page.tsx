import { Alert, Anchor, Card, Center, Code, List, Stack, Text, Title } from '@mantine/core';
import { ThemeToggle } from './theme-toggle.js';

/** The signed-out landing page: what Loam is and exactly how to get in. */
export function SignInPage({ justSignedOut }: { justSignedOut: boolean }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Card withBorder radius="lg" padding="xl" maw={620} w="100%">
        <Stack>
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <Title order={1}>Loam Studio</Title>
            <ThemeToggle />
          </div>
          {justSignedOut && (
            <Alert color="teal" variant="light" title="You have signed out" role="status">
              Your session has ended on this browser. Sign in again with a new link.
            </Alert>
          )}
          <Text>Loam is a self-hosted machine-learning platform that speaks SageMaker’s API. Studio is its web app: users, access, and — as they ship — data, training, models and endpoints.</Text>
          <Title order={2} size="h4">
            Sign in
          </Title>
          <Text size="sm">Studio uses one-time sign-in links instead of passwords. To get one:</Text>
          <List type="ordered" size="sm" spacing="xs">
            <List.Item>
              Look at the terminal where Loam started: <Code>npm start</Code> (or <Code>npx loam up</Code>) printed a link ending in <Code>/auth/login?token=…</Code>. Open it in this browser and press <Code>Sign in</Code>.
            </List.Item>
            <List.Item>
              Already used it, or it expired? Make a new one in the project folder: <Code>npx loam login-link</Code> (for another user: <Code>npx loam login-link --user-name ana</Code>).
            </List.Item>
          </List>
          <Text size="sm" c="dimmed">
            Each link works once and expires after a few minutes. Scripts and SDKs don’t need Studio: they use the keys in <Code>.loam/credentials</Code>. Health:{' '}
            <Anchor href="/healthz">/healthz</Anchor>.
          </Text>
        </Stack>
      </Card>
    </Center>
  );
}
