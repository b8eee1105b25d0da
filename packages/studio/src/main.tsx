import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Alert, Center, Loader, MantineProvider } from '@mantine/core';
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import './styles.css';
import { NotificationsProvider } from './app/notifications.js';
import { SessionGate } from './app/session.js';
import { SignInPage } from './app/sign-in-page.js';
import { cssVariablesResolver, theme } from './app/theme.js';
import { LoadFailed } from './patterns/load-failed.js';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx is an answer, not a blip: show it instead of retrying it three times.
      retry: (n, e) => {
        const status = (e as unknown as { status?: unknown }).status;
        return n < 2 && !(typeof status === 'number' && status < 500);
      },
      refetchOnWindowFocus: true,
      staleTime: 5_000,
    },
  },
});

// Signed in, Studio's pages load as a chunk of their own: the sign-in page needs none of them (nor the SDK).
const SignedInApp = lazy(async () => ({ default: (await import('./app/signed-in-app.js')).SignedInApp }));

const loading = (
  <Center h="100vh" aria-label="Loading Loam Studio">
    <Loader />
  </Center>
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <NotificationsProvider>
          <SessionGate
            loading={loading}
            signedOut={({ justSignedOut }) => <SignInPage justSignedOut={justSignedOut} />}
            signedIn={
              <LoadFailed
                failed={(error) => (
                  <Center h="100vh" p="md">
                    <Alert color="red" title="Loam Studio could not be loaded" maw={620}>
                      {error.message}. If Loam was updated since this page opened, reload the page.
                    </Alert>
                  </Center>
                )}
              >
                <Suspense fallback={loading}>
                  <SignedInApp />
                </Suspense>
              </LoadFailed>
            }
          />
        </NotificationsProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
