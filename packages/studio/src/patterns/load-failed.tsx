import { Component, type ReactNode } from 'react';

/**
 * Shows `children`, or `failed(error)` in their place once they threw: most often their code could not be loaded (Loam
 * was upgraded while this tab was open, and the old build's chunk answers 404), which a reload mends. Without it the
 * error reaches the nearest route or the root, and far more than the failed part gives way.
 */
export class LoadFailed extends Component<{ readonly failed: (error: Error) => ReactNode; readonly children: ReactNode }, { readonly error?: Error }> {
  override state: { readonly error?: Error } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
  override render() {
    const { error } = this.state;
    return error ? this.props.failed(error) : this.props.children;
  }
}
