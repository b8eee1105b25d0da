import type { ReactNode } from 'react';

/**
 * A scrolling box for wide tables and code that keyboard users can reach (focusable, named), as
 * WCAG asks of scrollable regions.
 */
export function ScrollBox({ label, maxHeight, minWidth, children }: { label: string; maxHeight?: number; minWidth?: number; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflow: 'auto', maxWidth: '100%', ...(maxHeight ? { maxHeight } : {}) }}>
      <div style={minWidth ? { minWidth } : undefined}>{children}</div>
    </div>
  );
}
