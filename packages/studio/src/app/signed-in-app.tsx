import { RouterProvider } from '@tanstack/react-router';
import { router } from './router.js';

/**
 * Studio once signed in: the router, its pages, the SDK and the operation table. main.tsx loads it as a chunk of its
 * own when a session exists, so the sign-in page loads none of it.
 */
export function SignedInApp() {
  return <RouterProvider router={router} />;
}
