import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { Center, Loader, MantineProvider } from '@mantine/core';
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import './styles.css';
import { NotificationsProvider } from './app/notifications.js';
import { router } from './app/router.js';
import { SessionGate } from './app/session.js';
import { SignInPage } from './app/sign-in-page.js';
import { cssVariablesResolver, theme } from './app/theme.js';

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

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <NotificationsProvider>
          <SessionGate
            loading={
              <Center h="100vh" aria-label="Loading Loam Studio">
                <Loader />
              </Center>
            }
            signedOut={({ justSignedOut }) => <SignInPage justSignedOut={justSignedOut} />}
            signedIn={<RouterProvider router={router} />}
          />
        </NotificationsProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
