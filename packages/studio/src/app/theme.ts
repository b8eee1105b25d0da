import { Anchor, Modal, Skeleton, createTheme, type CSSVariablesResolver, type MantineTheme } from '@mantine/core';

/**
 * Loam's theme: Mantine defaults, with every text colour dark enough for WCAG AA contrast (4.5:1).
 * Mantine's defaults (teal.6 buttons, gray.6 dimmed text, shade-6 text on light badges) fall short
 * for small text, which axe-core reports as serious.
 */
export const theme = createTheme({
  primaryColor: 'teal',
  primaryShade: { light: 9, dark: 9 },
  autoContrast: true,
  defaultRadius: 'md',
  // Links are underlined so they differ from text by more than colour (WCAG 1.4.1).
  components: {
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } }),
    // Every loading placeholder is named ("Loading flow"); a name needs a role (axe aria-prohibited-attr). It is
    // an indeterminate progress bar (no aria-valuenow), busy until the content replaces it: status is a live
    // region for messages, which an empty placeholder has none of, and it made getByRole('status') meet it.
    Skeleton: Skeleton.extend({ defaultProps: { role: 'progressbar', 'aria-busy': true } }),
  },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
});

const lightVariantColors = ['teal', 'blue', 'red', 'gray', 'grape', 'yellow', 'orange', 'green'] as const;

function lightVariants(t: MantineTheme): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of lightVariantColors) {
    const shades = t.colors[c];
    if (!shades) continue;
    out[`--mantine-color-${c}-light`] = shades[0]!;
    out[`--mantine-color-${c}-light-hover`] = shades[0]!;
    out[`--mantine-color-${c}-light-color`] = c === 'yellow' || c === 'orange' ? '#7a4a00' : shades[9]!;
  }
  return out;
}

const darkTealHover = '#066649';

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  // teal.9 is the darkest shade; hovering a filled button must stay dark enough for white text.
  variables: { '--mantine-primary-color-filled-hover': darkTealHover, '--mantine-color-teal-filled-hover': darkTealHover },
  light: { '--mantine-color-dimmed': t.colors.gray![7]!, '--mantine-color-error': t.colors.red![9]!, '--mantine-color-anchor': darkTealHover, ...lightVariants(t) },
  dark: { '--mantine-color-dimmed': t.colors.dark![1]! },
});
