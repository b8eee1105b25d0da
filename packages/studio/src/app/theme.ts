import { createTheme, type CSSVariablesResolver } from '@mantine/core';

/**
 * Loam's theme: Mantine defaults, with the primary shade and the dimmed text dark enough for WCAG AA
 * contrast (4.5:1) on white — Mantine's defaults (blue.6, gray.6) fall short for small text.
 */
export const theme = createTheme({
  primaryColor: 'teal',
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: { '--mantine-color-dimmed': t.colors.gray![7]! },
  dark: { '--mantine-color-dimmed': t.colors.dark![1]! },
});
