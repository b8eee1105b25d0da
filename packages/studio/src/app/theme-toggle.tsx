import { ActionIcon, Menu, Tooltip, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { MoonIcon, SunIcon } from './icons.js';

function useThemeSwitch() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const next = scheme === 'dark' ? 'light' : 'dark';
  return { scheme, next, toggle: () => setColorScheme(next) };
}

/** The same switch as an account-menu item, for narrow windows where the header has no room for the icon. */
export function ThemeMenuItem({ hiddenFrom }: { hiddenFrom?: 'xs' | 'sm' | 'md' }) {
  const { next, toggle } = useThemeSwitch();
  return (
    <Menu.Item onClick={toggle} {...(hiddenFrom ? { hiddenFrom } : {})}>
      Use {next} theme
    </Menu.Item>
  );
}

/** Switches light/dark; the choice is remembered in this browser. */
export function ThemeToggle() {
  const { scheme, next, toggle } = useThemeSwitch();
  return (
    <Tooltip label={`Use ${next} theme`}>
      <ActionIcon variant="default" size="lg" aria-label={`Use ${next} theme`} onClick={toggle}>
        {scheme === 'dark' ? <SunIcon /> : <MoonIcon />}
      </ActionIcon>
    </Tooltip>
  );
}
