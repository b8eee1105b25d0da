import { useCallback, useState } from 'react';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { ActionIcon, AppShell, Badge, Box, Burger, Button, Group, Kbd, Menu, NavLink, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Breadcrumbs } from './breadcrumbs.js';
import { GlobalSearch } from './global-search.js';
import { SearchIcon } from './icons.js';
import { navigation } from './navigation.js';
import { NotificationsMenu, Toasts } from './notifications-menu.js';
import { useSession } from './session.js';
import { ShortcutsHelp, useShortcuts } from './shortcuts.js';
import { ThemeMenuItem, ThemeToggle } from './theme-toggle.js';

/** The frame around every signed-in page: header (search, notifications, theme, account), grouped navigation, breadcrumbs. */
export function AppFrame() {
  const [navOpen, nav] = useDisclosure(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const { session, signOut } = useSession();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const openSearch = useCallback(() => setSearchOpen(true), []);
  const openHelp = useCallback(() => setHelpOpen(true), []);
  useShortcuts(openSearch, openHelp);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !navOpen } }} padding="lg">
      <AppShell.Header>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} gap="xs" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={navOpen} onClick={nav.toggle} hiddenFrom="sm" size="sm" aria-label={navOpen ? 'Close navigation' : 'Open navigation'} />
            <UnstyledButton component={Link} to="/" aria-label="Loam Studio home">
              <Group gap={8} wrap="nowrap">
                <img src="/favicon.svg" alt="" width={26} height={26} />
                <Text fw={700} size="lg" style={{ whiteSpace: 'nowrap' }}>
                  Loam Studio
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          {/* Narrow windows get an icon that opens the same search dialog: a squeezed box reads as nothing. */}
          <ActionIcon variant="default" size="lg" onClick={openSearch} hiddenFrom="sm" aria-label="Search by name" aria-keyshortcuts="/ Control+K">
            <SearchIcon />
          </ActionIcon>
          <Button variant="default" onClick={openSearch} visibleFrom="sm" w={{ base: 'auto', md: 320 }} miw={0} justify="space-between" leftSection={<SearchIcon />} rightSection={<Kbd size="xs">/</Kbd>} aria-keyshortcuts="/ Control+K">
            <Text size="sm" c="dimmed" component="span">
              Search by name…
            </Text>
          </Button>
          <Group gap={6} wrap="nowrap">
            <NotificationsMenu />
            {/* On a phone the theme switch moves into the account menu: the header has room for four buttons. */}
            <Box visibleFrom="sm">
              <ThemeToggle />
            </Box>
            <Menu position="bottom-end" width={220}>
              <Menu.Target>
                <Button variant="default" px={{ base: 'xs', sm: 'md' }} aria-label={`Account: ${session.userName ?? ''}`}>
                  {session.userName}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Signed in as {session.userName}</Menu.Label>
                <Menu.Item component={Link} to={`/users/${encodeURIComponent(session.userName ?? '')}`}>
                  Your user
                </Menu.Item>
                <Menu.Item component={Link} to="/settings">
                  Settings
                </Menu.Item>
                <ThemeMenuItem hiddenFrom="sm" />
                <Menu.Item onClick={openHelp}>Keyboard shortcuts</Menu.Item>
                <Menu.Divider />
                <Menu.Item color="red" onClick={() => void signOut()}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main navigation">
        <ScrollArea type="auto">
          <Stack gap="md" py="xs">
            <NavLink component={Link} to="/" label="Home" active={path === '/'} onClick={nav.close} />
            {navigation.map((g) => (
              <div key={g.label} role="group" aria-labelledby={`nav-${g.label}`}>
                <Text id={`nav-${g.label}`} size="xs" fw={700} tt="uppercase" c="dimmed" px="sm" mb={4}>
                  {g.label}
                </Text>
                {g.items.map((i) => (
                  <NavLink
                    key={i.to}
                    component={Link}
                    to={i.to}
                    label={i.label}
                    active={path === i.to || path.startsWith(`${i.to}/`)}
                    onClick={nav.close}
                    rightSection={i.comingWith ? <Badge size="xs" variant="outline" color="gray" tt="none" aria-hidden="true">soon</Badge> : undefined}
                    {...(i.comingWith ? { 'aria-description': `Coming with ${i.comingWith}` } : {})}
                  />
                ))}
              </div>
            ))}
          </Stack>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Breadcrumbs />
        <Outlet />
      </AppShell.Main>
      <GlobalSearch opened={searchOpen} onClose={() => setSearchOpen(false)} />
      <ShortcutsHelp opened={helpOpen} onClose={() => setHelpOpen(false)} />
      <Toasts />
    </AppShell>
  );
}
