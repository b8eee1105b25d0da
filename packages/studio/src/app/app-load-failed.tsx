import { Component, type ReactNode } from 'react';
import { Alert, Center } from '@mantine/core';

/**
 * In place of the signed-in app, what stopped its code from loading: most often it is gone from the server (Loam was
 * upgraded since this page opened, and the old build's chunk answers 404), which a reload mends.
 */
export class AppLoadFailed extends Component<{ readonly children: ReactNode }, { readonly error?: Error }> {
  override state: { readonly error?: Error } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Center h="100vh" p="md">
        <Alert color="red" title="Loam Studio could not be loaded" maw={620}>
          {error.message}. If Loam was updated since this page opened, reload the page.
        </Alert>
      </Center>
    );
  }
}
